import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  base: string;
  child: ChildProcess;
  /** Resolves with the exit signal or code once the process is gone. */
  exited: Promise<NodeJS.Signals | number | null>;
  /**
   * What the server wrote, for failure messages: all of it until it started, then the last
   * `OUTPUT_TAIL` characters (a loaded server writes a log line per request; keeping all of
   * it, and searching it on every chunk, made the reader the bottleneck of every benchmark).
   */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
}

export interface ServerProcessOptions {
  /** How long it may take to start; default 60 s. */
  timeoutMs?: number;
  /**
   * Its stdout (the log, a line per request) goes to this file instead of a pipe into this
   * process: a benchmark's load generator must not also be the reader of the access log.
   */
  logFile?: string;
  /**
   * Run the compiled server (`dist/src/main.js`, built by the caller) as `npm start` does.
   * Benchmarks do: ts-node loads Node's REPL, whose `domain` module then wraps every
   * EventEmitter of the process.
   */
  built?: boolean;
}

/** How much of a started server's output is kept for failure messages. */
export const OUTPUT_TAIL = 256 * 1024;

/**
 * Runs the real server (`src/main.ts`, as `npm start` runs it, compiled on the fly) in a
 * child process on a free loopback port, for tests and benchmarks that need a separate
 * process: kill -9, load from another process. `env` is its whole configuration.
 */
export async function startServerProcess(env: Record<string, string>, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const { timeoutMs = 60_000, logFile, built = false } = options;
  const logFd = logFile === undefined ? null : openSync(logFile, 'w', 0o600);
  const args = built ? ['dist/src/main.js'] : ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'log', ...env },
    stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
  });
  if (logFd !== null) closeSync(logFd);
  let output = '';
  let started = false;
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? code));
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      // eslint-disable-next-line no-control-regex -- strips the logger's ANSI colours
      const match = /API\s+http:\/\/localhost:(\d+)\/api\/v1/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
      if (match) {
        started = true;
        clearTimeout(timer);
        clearInterval(poll);
        resolve(`http://127.0.0.1:${match[1]}`);
      }
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!started) check();
      else if (output.length > 2 * OUTPUT_TAIL) output = output.slice(-OUTPUT_TAIL);
    };
    // With a log file, what it wrote until it started is read from the file.
    const poll = setInterval(() => {
      if (logFile === undefined || started) return;
      output = readFileSync(logFile, 'utf8');
      check();
    }, 100);
    child.stdout?.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((how) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`server exited (${String(how)}) before it started:\n${output}`));
    });
  });
  return {
    base,
    child,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
