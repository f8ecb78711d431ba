/**
 * `npm run bench -- profile <path> [--seconds N] [--top N] [--quick]`: a CPU profile of one
 * named hot path, written to tmp/profiles/<path>-<time>.cpuprofile (open it in Chrome
 * DevTools → Performance, or VS Code), and its top functions by self time printed.
 *
 * In-process paths (engine, guard-check, guard-fetch, graph) are profiled here with the
 * inspector's profiler around a loop of the path's `step`; server paths (decision-api,
 * consent-writes) start the server process with bench/profile/preload.cjs, which profiles
 * only the loaded window, not the boot. Each path lives in bench/profile/<path>.ts.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join, relative, resolve } from 'node:path';
import { machineNote } from '../run';
import type { InProcessWorkload, ServerWorkload, Workload } from './types';

/** Every hot path that can be profiled, by name; adding one is adding a file and a line. */
export const PROFILES = ['decision-api', 'consent-writes', 'engine', 'guard-check', 'guard-fetch', 'graph'] as const;

const ROOT = resolve(__dirname, '..', '..');
export const PROFILE_DIR = join(ROOT, 'tmp', 'profiles');

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  /** Share of the samples that were not idle. */
  readonly share: number;
}

/** Functions by self time (samples whose top frame they are), idle and program excluded from the shares. */
export function topSelfTime(profile: CpuProfile, top: number): { rows: SelfTime[]; busyMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    busy += us;
    const file = frame.url.startsWith('file://') ? frame.url.slice(7) : frame.url;
    const where = file === '' ? '(native)' : `${file.startsWith(ROOT) ? relative(ROOT, file) : file}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName}@${where}`;
    const entry = self.get(key) ?? { name: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    self.set(key, entry);
  });
  const rows = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: busy === 0 ? 0 : e.us / busy }));
  return { rows, busyMs: busy / 1000 };
}

function option(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  const value = at === -1 ? Number.NaN : Number(argv[at + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function profileInProcess(workload: InProcessWorkload, seconds: number, quick: boolean): Promise<{ profile: CpuProfile; ops: number }> {
  const { step, close } = await workload.prepare(quick);
  try {
    const loop = async (ms: number) => {
      let ops = 0;
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const r = step();
        if (r instanceof Promise) await r;
        ops++;
      }
      return ops;
    };
    await loop(1000); // warm-up: optimised code, filled caches
    const session = new Session();
    session.connect();
    const post = <T>(method: string, params: object = {}) =>
      new Promise<T>((ok, fail) => session.post(method, params, (error, result) => (error ? fail(error) : ok(result as T))));
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    const ops = await loop(seconds * 1000);
    const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
    session.disconnect();
    return { profile, ops };
  } finally {
    await close();
  }
}

async function profileServer(workload: ServerWorkload, seconds: number, quick: boolean, file: string): Promise<{ profile: CpuProfile; ops: number }> {
  const env = { NODE_OPTIONS: `--require ${join(__dirname, 'preload.cjs')}`, FLOWGATE_PROFILE_OUT: file };
  const { drive, close } = await workload.prepare(quick, env);
  try {
    await drive(1); // warm-up
    writeFileSync(`${file}.start`, '');
    await sleep(200);
    const ops = await drive(seconds);
    writeFileSync(`${file}.stop`, '');
    const deadline = Date.now() + 15_000;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`the server wrote no profile to ${file}`);
      await sleep(50);
    }
    await sleep(100); // written in one call; let it finish
    return { profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, ops };
  } finally {
    await close();
    rmSync(`${file}.start`, { force: true });
    rmSync(`${file}.stop`, { force: true });
  }
}

export async function runProfile(argv: readonly string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  if (name === undefined || !(PROFILES as readonly string[]).includes(name)) {
    console.error(`usage: npm run bench -- profile <${PROFILES.join('|')}> [--seconds N] [--top N] [--quick]`);
    return 2;
  }
  const seconds = option(argv, '--seconds', 5);
  const top = option(argv, '--top', 25);
  const quick = argv.includes('--quick');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { workload } = require(`./${name}`) as { workload: Workload };
  mkdirSync(PROFILE_DIR, { recursive: true });
  const file = join(PROFILE_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  console.log(`${machineNote()}\nprofiling ${workload.description}, ${seconds} s`);
  const { profile, ops } =
    workload.kind === 'in-process' ? await profileInProcess(workload, seconds, quick) : await profileServer(workload, seconds, quick, file);
  if (workload.kind === 'in-process') writeFileSync(file, JSON.stringify(profile));
  const { rows, busyMs } = topSelfTime(profile, top);
  console.log(`\n${ops.toLocaleString('en-US')} operations; ${busyMs.toFixed(0)} ms of CPU samples (idle excluded) in ${relative(process.cwd(), file)}\n`);
  console.log(`${'self ms'.padStart(9)} ${'share'.padStart(6)}  function (file:line)`);
  for (const r of rows) console.log(`${r.ms.toFixed(1).padStart(9)} ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.name} (${r.where})`);
  return 0;
}
