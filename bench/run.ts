/**
 * `npm run bench [-- [--write-docs] [--quick] [name…]]`: runs the benchmarks listed below,
 * prints their tables, and with --write-docs puts each report into its own section of
 * docs/benchmarks.md. `npm run bench -- profile <path>` writes a CPU profile of one hot path
 * instead (bench/profile/profile.ts). Exits non-zero when a benchmark reports failures (disagreements).
 * There are no timed assertions: numbers are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** Every benchmark `npm run bench` runs, by file; adding one is adding a line. */
const BENCHES = ['./engine.bench', './decision-api.bench', './sdk.bench', './snapshot.bench', './egress.bench', './consent-writes.bench', './graph.bench', './transparency.bench', './impact.bench', './embed.bench', './packages.bench', './scale.bench', './replica.bench', './hostile-input.bench'];

export interface BenchOptions {
  /** Smaller sizes and fewer runs: a smoke test of the bench itself. */
  readonly quick: boolean;
}

export interface BenchReport {
  /** Section name in docs/benchmarks.md, e.g. `engine`. */
  readonly name: string;
  /** Markdown for the section (heading included). */
  readonly markdown: string;
  /** Disagreements or other failed checks; any makes the run exit non-zero. */
  readonly failures: number;
}

interface BenchModule {
  run(options: BenchOptions): Promise<BenchReport>;
}

/** cedar-wasm on Node 20 crashes V8 unless wasm calls are not inlined: re-run with the flag. */
const V8_FLAG = '--no-turbo-inline-js-wasm-calls';

async function main(argv: readonly string[]): Promise<number> {
  if (!process.execArgv.includes(V8_FLAG)) {
    const register = ['-r', 'ts-node/register/transpile-only'];
    // Not ts-node's own bin (the parent's execArgv under `ts-node-transpile-only`): it would
    // type-check every file the child loads, and fail on declarations only tsconfig includes.
    const execArgv = process.execArgv.filter((a) => !/[\\/]ts-node[\\/]dist[\\/]bin/.test(a));
    const args = [V8_FLAG, ...execArgv, ...register, __filename, ...argv];
    return spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
  }
  if (argv[0] === 'profile') {
    // A CPU profile of one hot path (bench/profile/): `npm run bench -- profile <path>`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./profile/profile') as typeof import('./profile/profile')).runProfile(argv.slice(1));
  }
  const options: BenchOptions = { quick: argv.includes('--quick') };
  const only = argv.filter((a) => !a.startsWith('--'));
  console.log(machineNote());

  let failures = 0;
  for (const file of BENCHES) {
    if (only.length > 0 && !only.some((name) => file.includes(name))) continue;
    // Loaded one at a time, on demand: a bench's heavy dependencies load only when it runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(file) as BenchModule;
    const report = await bench.run(options);
    failures += report.failures;
    if (argv.includes('--write-docs') && !options.quick) writeSection(report);
  }
  if (failures > 0) console.error(`\n${failures} failure(s): see above.`);
  return failures > 0 ? 1 : 0;
}

let machine: string | undefined;

/** CPU, memory, Node and the load average, as first seen in this run (at its start). */
export function machineNote(): string {
  if (machine !== undefined) return machine;
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB`;
  const node = `Node ${process.version} (${process.platform}/${process.arch})`;
  const model = cpu[0]?.model ?? 'unknown CPU';
  machine = `${cpu.length} × ${model}, ${memory}, ${node}; load average at start ${load}`;
  return machine;
}

const DOCS = join(__dirname, '..', 'docs', 'benchmarks.md');

/** Replaces (or appends) the report between `<!-- bench:NAME -->` markers. */
function writeSection(report: BenchReport): void {
  const start = `<!-- bench:${report.name} -->`;
  const end = `<!-- /bench:${report.name} -->`;
  const section = `${start}\n${report.markdown.trim()}\n${end}`;
  const doc = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : '# Benchmarks\n';
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  const next =
    from >= 0 && to > from
      ? doc.slice(0, from) + section + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOCS, next);
  console.log(`\nwrote the ${report.name} section of ${DOCS}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
