/**
 * The server's consent memory: every one of `users` distinct users decided on once through
 * the server's own `DecisionsService` (in-process, real SQLite file, real migrations), then
 * the heap the app kept per cached user and the process's RSS. Runs in a child process of
 * its own (`server-memory.child.ts`, `--expose-gc`, nothing else in its heap).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerMemory {
  readonly users: number;
  readonly cachedUsers: number;
  /** The compact tier's typed arrays. */
  readonly cacheBytes: number;
  /** (heap used + array buffers) after − before, after full GCs, per cached user. */
  readonly heapPerUser: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  /** The highest RSS seen while deciding (sampled every 50 batches, and at the end). */
  readonly rssPeakMb: number;
  readonly choosers: number;
  readonly allowed: number;
  readonly seconds: number;
}

export async function measureServerMemory(users: number): Promise<ServerMemory> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-memory-'));
  try {
    // Two processes: one writes the database, a fresh one boots on it and measures.
    const { choosers } = JSON.parse(await runChild('prepare', dir, users)) as { choosers: number };
    return { ...(JSON.parse(await runChild('measure', dir, users)) as Omit<ServerMemory, 'choosers'>), choosers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `server-memory.child.ts <step> <dir> <users>`; its last stdout line is its JSON answer. */
async function runChild(step: 'prepare' | 'measure', dir: string, users: number): Promise<string> {
  const script = join(__dirname, 'server-memory.child.ts');
  const child = spawn(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', script, step, dir, String(users)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`server memory ${step} failed (${code}): ${out.slice(-2000)}`);
  return line;
}
