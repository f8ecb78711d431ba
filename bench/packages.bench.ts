/**
 * The packages as a service installs them: import time and RSS of `@flowgate/sdk` and
 * `@flowgate/nest` from the packed tarballs in a scratch app (test/packages/global-setup.cjs
 * makes it), each against a bare `node` in the same run, and the warm `guard.checkCached`
 * rate of the installed SDK against a bare loop of the same shape.
 *
 * Targets (issue 9): sdk < 30 ms and < 8 MB; nest < 150 ms beyond Nest itself; warm
 * check ≥ 2 M decisions/s.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';

interface Probe {
  readonly ms: number;
  readonly rss: number;
}

/** One fresh process: time to load `what` (after `before` is loaded), and the RSS it adds. */
function probe(cwd: string, before: readonly string[], what: readonly string[], esm: boolean): Probe {
  const load = (names: readonly string[]) =>
    names.map((n) => (esm ? `await import(${JSON.stringify(n)});` : `require(${JSON.stringify(n)});`)).join('');
  const script = `${load(before)}globalThis.gc?.();const r0=process.memoryUsage().rss;const t0=process.hrtime.bigint();${load(what)}const ms=Number(process.hrtime.bigint()-t0)/1e6;globalThis.gc?.();console.log(JSON.stringify({ms,rss:process.memoryUsage().rss-r0}));`;
  const args = ['--expose-gc', ...(esm ? ['--input-type=module'] : []), '-e', script];
  return JSON.parse(execFileSync(process.execPath, args, { cwd, encoding: 'utf8' })) as Probe;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Measured {
  readonly ms: number;
  readonly mb: number;
}

function measure(runs: number, one: () => Probe): Measured {
  const probes = Array.from({ length: runs }, one);
  return { ms: median(probes.map((p) => p.ms)), mb: median(probes.map((p) => p.rss)) / 2 ** 20 };
}

const CHECK_SCRIPT = `
const { createGuard, staticSource } = require('@flowgate/sdk');
const map = { version: 1,
  fields: [{ key: 'user.email', paths: ['email'], sensitivity: 'personal' }, { key: 'usage.page', paths: ['page'], sensitivity: 'pseudonymous' }],
  subprocessors: [{ key: 'vendor-a' }, { key: 'vendor-b' }], purposes: [{ key: 'support' }, { key: 'analytics' }],
  flows: [
    { key: 'vendor-a.support', subprocessor: 'vendor-a', purpose: 'support', mode: 'opt-out', legalBasis: 'legitimate-interests', version: 1, fields: [{ key: 'user.email', since: 1 }], excludedFields: [] },
    { key: 'vendor-b.analytics', subprocessor: 'vendor-b', purpose: 'analytics', mode: 'opt-in', legalBasis: 'consent', version: 1, fields: [{ key: 'usage.page', since: 1 }], excludedFields: ['user.email'] },
  ] };
const users = Array.from({ length: 1000 }, (_, i) => 'user-' + i + '@example.com');
const consents = Object.fromEntries(users.map((u, i) => [u, { 'vendor-b.analytics': { granted: i % 2 === 0, version: 1 } }]));
const guard = createGuard({ source: staticSource({ map, consents }) });
const reqs = users.map((u, i) => ({ userId: u, subprocessor: i % 2 ? 'vendor-a' : 'vendor-b', purpose: i % 2 ? 'support' : 'analytics', fields: i % 2 ? ['user.email'] : ['usage.page'], payload: undefined, gpc: undefined }));
guard.ready().then(() => {
  const n = Number(process.argv[1]);
  const bare = (r) => (r.subprocessor.length + r.fields.length) > 0;
  const rate = (fn) => { let ok = 0; for (let i = 0; i < n / 10; i++) if (fn(reqs[i % reqs.length])) ok++; const t0 = process.cpuUsage(); for (let i = 0; i < n; i++) if (fn(reqs[i % reqs.length])) ok++; const c = process.cpuUsage(t0); return { perCpuSecond: n / ((c.user + c.system) / 1e6), ok }; };
  const check = rate((r) => guard.checkCached(r).allow);
  const loop = rate(bare);
  console.log(JSON.stringify({ check: check.perCpuSecond, loop: loop.perCpuSecond, allowed: check.ok }));
});
`;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 3 : 15;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const setup = require('../test/packages/global-setup.cjs') as () => Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const teardown = require('../test/packages/global-teardown.cjs') as () => Promise<void>;
  await setup();
  try {
    const s = JSON.parse(readFileSync(process.env.FLOWGATE_SCRATCH!, 'utf8')) as { sdkOnly: string; consumer: string };
    const bare = measure(runs, () => probe(s.sdkOnly, [], ['node:os'], false));
    const sdkCjs = measure(runs, () => probe(s.sdkOnly, [], ['@flowgate/sdk'], false));
    const sdkEsm = measure(runs, () => probe(s.sdkOnly, [], ['@flowgate/sdk'], true));
    const nestAlone = measure(runs, () => probe(s.consumer, [], ['@nestjs/common', '@nestjs/core'], true));
    const nestPlus = measure(runs, () => probe(s.consumer, ['@nestjs/common', '@nestjs/core'], ['@flowgate/nest'], true));
    const checks = Array.from({ length: options.quick ? 1 : 5 }, () =>
      JSON.parse(execFileSync(process.execPath, ['-e', CHECK_SCRIPT, String(options.quick ? 200_000 : 2_000_000)], { cwd: s.consumer, encoding: 'utf8' })) as { check: number; loop: number },
    );
    const check = median(checks.map((c) => c.check));
    const loop = median(checks.map((c) => c.loop));

    const f = (x: number, d = 1) => x.toFixed(d);
    const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
    const rows = [
      { measure: 'bare `node` (loads node:os)', 'import ms (p50)': f(bare.ms, 2), 'RSS added MB (p50)': f(bare.mb), target: '', result: 'baseline' },
      { measure: '`require("@flowgate/sdk")`', 'import ms (p50)': f(sdkCjs.ms), 'RSS added MB (p50)': f(sdkCjs.mb), target: '< 30 ms, < 8 MB', result: verdict(sdkCjs.ms < 30 && sdkCjs.mb < 8) },
      { measure: '`import("@flowgate/sdk")`', 'import ms (p50)': f(sdkEsm.ms), 'RSS added MB (p50)': f(sdkEsm.mb), target: '< 30 ms, < 8 MB', result: verdict(sdkEsm.ms < 30 && sdkEsm.mb < 8) },
      { measure: 'Nest itself (`@nestjs/common` + `@nestjs/core`)', 'import ms (p50)': f(nestAlone.ms), 'RSS added MB (p50)': f(nestAlone.mb), target: '', result: 'baseline' },
      { measure: '`@flowgate/nest` after Nest', 'import ms (p50)': f(nestPlus.ms), 'RSS added MB (p50)': f(nestPlus.mb), target: '< 150 ms beyond Nest', result: verdict(nestPlus.ms < 150) },
    ];
    const checkRows = [
      { measure: 'bare loop, same requests (no guard)', 'per CPU-second': `${f(loop / 1e6, 1)} M`, ratio: '1.00×', target: '', result: 'baseline' },
      { measure: 'installed `guard.checkCached`, field keys, 1,000 users', 'per CPU-second': `${f(check / 1e6, 2)} M`, ratio: `${f(check / loop, 3)}×`, target: '≥ 2 M/s', result: verdict(check >= 2e6) },
    ];
    console.log('\nPackages: import cost from the packed tarballs (scratch install)');
    console.table(rows);
    console.table(checkRows);

    const md = (table: readonly Record<string, string>[]) => {
      const keys = Object.keys(table[0]);
      return [`| ${keys.join(' | ')} |`, `| ${keys.map(() => '---').join(' | ')} |`, ...table.map((r) => `| ${keys.map((k) => r[k]).join(' | ')} |`)].join('\n');
    };
    const markdown = `## Packages: import cost and warm check rate, installed from the tarballs

\`npm run bench -- packages\`. \`npm pack\` the three packages, install them into scratch apps
outside the repository, and time a fresh \`node\` loading each (median of ${runs} processes;
RSS added is measured around the import, after a GC). The check rate runs the installed SDK
(${options.quick ? 1 : 5} processes, median), next to a bare loop over the same requests.

${machineNote()}

${md(rows)}

${md(checkRows)}
`;
    return { name: 'packages', markdown, failures: 0 };
  } finally {
    await teardown();
  }
}
