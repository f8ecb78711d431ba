/**
 * The server's consent memory: every one of `users` distinct users decided on once through
 * the server's own `DecisionsService` (in-process, real SQLite file, real migrations), then
 * the heap the app kept per cached user and the process's RSS. Two child processes: one
 * (TypeScript) writes the database; a fresh one runs the compiled server (`dist/src`, built
 * here when older than `src/`, as `npm start` runs it) and measures, nothing else in its heap.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
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
  /** At the end of the run, before any forced GC (what a running server shows). */
  readonly rssEndMb: number;
  /** After two forced full GCs. */
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
    buildServerWhenStale();
    return { ...(JSON.parse(await runChild('measure', dir, users)) as Omit<ServerMemory, 'choosers'>), choosers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a step's child with `<dir> <users>`; its last stdout line is its JSON answer. */
async function runChild(step: 'prepare' | 'measure', dir: string, users: number): Promise<string> {
  const args =
    step === 'prepare'
      ? ['-r', 'ts-node/register/transpile-only', join(__dirname, 'server-memory.child.ts')]
      : ['--expose-gc', join(__dirname, 'server-memory.measure.cjs')];
  const child = spawn(process.execPath, [...args, dir, String(users)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`server memory ${step} failed (${code}): ${out.slice(-2000)}`);
  return line;
}

const ROOT = join(__dirname, '..', '..');

/** `nest build` when `dist/src/main.js` is missing or older than a file under `src/` (the packages' dist is read at run time). */
function buildServerWhenStale(): void {
  const built = join(ROOT, 'dist', 'src', 'main.js');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((at, e) => {
      const path = join(dir, e.name);
      return Math.max(at, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (builtAt > newest(join(ROOT, 'src'))) return;
  console.log('[bench] building the server (nest build) for the memory measurement…');
  const nest = join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  if (spawnSync(process.execPath, [nest, 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('nest build failed');
}
