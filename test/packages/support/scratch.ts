import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What test/packages/global-setup.cjs made: tarballs and scratch apps outside the repo. */
export interface Scratch {
  readonly base: string;
  readonly root: string;
  readonly tarballs: Record<string, string>;
  readonly packed: readonly { name: string; version: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  readonly sdkOnly: string;
  readonly consumer: string;
  readonly nestFootprint: { readonly beforeFlowgate: readonly string[]; readonly withFlowgate: readonly string[]; readonly withEgress: readonly string[] };
}

export function scratch(): Scratch {
  const file = process.env.FLOWGATE_SCRATCH;
  if (!file) throw new Error('FLOWGATE_SCRATCH is not set: run through the packages project (global-setup.cjs)');
  return JSON.parse(readFileSync(file, 'utf8')) as Scratch;
}

export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `node args` in `cwd` (the scratch app), killing it after `timeoutMs`. */
export function runNode(cwd: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Starts a long-running node process that prints `listening <port>` once ready. */
export function startNode(cwd: string, args: readonly string[], env: Record<string, string>): Promise<{ port: number; stop(): Promise<void>; output(): string }> {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before listening:\n${output}`));
    });
  });
}
