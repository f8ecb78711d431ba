/**
 * Benchmarks run the server as `npm start` does: compiled (`dist/src/main.js`; ts-node loads
 * Node's REPL, whose `domain` module then wraps every EventEmitter of the process), with its
 * log (a line per request) going to a file, as in production, and not piped into the bench
 * process, which is also the load generator.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerProcessOptions } from '../../test/factories/server-process.factory';

let built = false;
const logFiles: string[] = [];

/** Compiles the server once per bench run (`tsc -p tsconfig.build.json`). */
export function buildServer(): void {
  if (built) return;
  console.log('building the server (tsc -p tsconfig.build.json)…');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  built = true;
}

/** Options for `startServerProcess`: the built server, its log to a file of its own (removed at exit). */
export function asNpmStart(options: ServerProcessOptions = {}): ServerProcessOptions {
  buildServer();
  const logFile = join(tmpdir(), `flowgate-bench-${process.pid}-${logFiles.length}.log`);
  if (logFiles.length === 0) process.once('exit', () => logFiles.forEach((f) => rmSync(f, { force: true })));
  logFiles.push(logFile);
  return { ...options, built: true, logFile };
}
