/**
 * What deciding on the wire snapshot costs: `guard.wrap` and `guard.fetch` (JSON string body)
 * added to a loopback round trip, and warm `guard.checkCached` throughput, for the SDK before
 * the snapshot rule (built from git at `BENCH_BEFORE_REF`, default the commit before it) and
 * after it (this tree), interleaved in one run so both see the same machine.
 *
 *   npm run bench -- snapshot            (BENCH_BEFORE_REF=<commit> to compare with another)
 *
 * Targets: wrap ≤ 20 µs p50 added, fetch ≤ 30 µs p50 added, check ≥ 2 M/s. Nothing asserted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckRequest, Guard, PolicyMap } from '@flowgate/sdk';
import { exampleMap } from '../test/sdk/factories/example-map.factory';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';

const BEFORE_REF = process.env.BENCH_BEFORE_REF ?? '5ae5142794b6ab4887abbc381c53e354e14c02d3';
const ROOT = join(__dirname, '..');

type Sdk = typeof import('@flowgate/sdk');

/** The SDK and core of `ref`, built into a scratch directory, with their own @flowgate/core. */
function buildBefore(ref: string): { sdk: Sdk; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-before-'));
  const archive = execFileSync('git', ['archive', ref, 'packages/core', 'packages/sdk', 'packages/build.mjs', 'packages/tsconfig.base.json'], { cwd: ROOT, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  mkdirSync(join(dir, 'node_modules', '@flowgate'), { recursive: true });
  symlinkSync(join(dir, 'packages', 'core'), join(dir, 'node_modules', '@flowgate', 'core'));
  for (const dep of ['typescript', 'axios', '@types']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  for (const pkg of ['core', 'sdk']) execFileSync(process.execPath, ['../build.mjs'], { cwd: join(dir, 'packages', pkg), stdio: 'inherit' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { sdk: require(join(dir, 'packages', 'sdk', 'dist', 'cjs', 'index.js')) as Sdk, dir };
}

function buildAfter(): Sdk {
  execFileSync('npm', ['run', '-s', 'build:packages'], { cwd: ROOT, stdio: 'inherit' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(ROOT, 'packages', 'sdk', 'dist', 'cjs', 'index.js')) as Sdk;
}

const VENDOR_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startVendor(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', VENDOR_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}`, child };
}

const nowNs = (): number => Number(process.hrtime.bigint());
const p50 = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number, digits = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const PAYLOAD = { page: '/projects/42', event: 'chart.opened', project: { name: 'NPS Q3' } };
const TARGET = { subprocessor: 'logrocket', purpose: 'session-replay' };
const FIELD_REQUESTS: Omit<CheckRequest, 'userId'>[] = [
  { subprocessor: 'logrocket', purpose: 'session-replay', fields: ['usage.page-views', 'usage.actions'] },
  { subprocessor: 'deepl', purpose: 'translation', fields: ['content.text-columns', 'translation.settings'] },
  { subprocessor: 'intercom', purpose: 'support', fields: ['user.name', 'user.contact.email', 'user.communications.messages'] },
  { subprocessor: 'google-analytics', purpose: 'product-analytics', fields: ['usage.page-views', 'device.browser'] },
];

function guardsOf(sdk: Sdk, map: PolicyMap, url: string) {
  const guard: Guard = sdk.createGuard({ source: sdk.staticSource({ map }) });
  const send = guard.wrap(
    TARGET,
    (_user: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    { userId: (user) => user, payloadArg: 1 },
  );
  return {
    guard,
    wrap: () => send('ada', PAYLOAD),
    fetch: () => guard.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PAYLOAD) }, { userId: 'ada', ...TARGET }),
  };
}

function checkRate(guard: Guard, n: number): number {
  const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  const reqs: CheckRequest[] = users.map((userId, i) => {
    const r = FIELD_REQUESTS[i % FIELD_REQUESTS.length];
    return { userId, subprocessor: r.subprocessor, purpose: r.purpose, fields: r.fields };
  });
  for (const r of reqs) guard.checkCached(r);
  const start = nowNs();
  let allowed = 0;
  for (let i = 0; i < n; i++) if (guard.checkCached(reqs[i % reqs.length])!.allow) allowed++;
  if (allowed < 0) throw new Error('unreachable');
  return (n / (nowNs() - start)) * 1e9;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const before = buildBefore(BEFORE_REF);
  const after = buildAfter();
  const map = exampleMap('caplena');
  // The old engine knows no `.**`: to it every path covered its subtree, so the same map without it.
  const oldMap: PolicyMap = { ...map, fields: map.fields.map((f) => ({ ...f, paths: f.paths.map((p) => p.replace(/\.\*\*$/, '')).filter((p) => !p.startsWith('url:')) })) };
  const vendor = await startVendor();
  const url = `${vendor.url}/logrocket`;
  let b: ReturnType<typeof guardsOf>;
  let a: ReturnType<typeof guardsOf>;
  try {
    b = guardsOf(before.sdk, oldMap, url);
    a = guardsOf(after, map, url);
  } catch (error) {
    vendor.child.kill();
    throw error;
  }
  const kinds: Record<string, () => Promise<Response>> = {
    plain: () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PAYLOAD) }),
    'wrap before': b.wrap,
    'wrap after': a.wrap,
    'fetch before': b.fetch,
    'fetch after': a.fetch,
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const n = options.quick ? 300 : 4000;
  try {
    const order = Object.entries(kinds);
    let seed = 7;
    for (let i = -300; i < n; i++) {
      // A fresh order every round: no kind always follows the same other one.
      for (let j = order.length - 1; j > 0; j--) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const k = seed % (j + 1);
        [order[j], order[k]] = [order[k], order[j]];
      }
      for (const [kind, call] of order) {
        const t = nowNs();
        const res = await call();
        await res.arrayBuffer();
        if (i >= 0) times[kind].push(nowNs() - t);
      }
    }
  } finally {
    vendor.child.kill();
    rmSync(before.dir, { recursive: true, force: true });
  }
  const plain = p50(times.plain);
  const added = (kind: string) => (p50(times[kind]) - plain) / 1000;
  const checks = options.quick ? 200_000 : 3_000_000;
  const rate = { before: checkRate(b.guard, checks), after: checkRate(a.guard, checks) };
  // Interleave the throughput runs too, and keep the better of two for each.
  rate.before = Math.max(rate.before, checkRate(b.guard, checks));
  rate.after = Math.max(rate.after, checkRate(a.guard, checks));

  const rows = [
    ['`guard.wrap`, µs p50 added to a loopback round trip', '≤ 20', fmt(added('wrap before')), fmt(added('wrap after'))],
    ['`guard.fetch`, JSON string body, µs p50 added', '≤ 30', fmt(added('fetch before')), fmt(added('fetch after'))],
    ['warm `guard.checkCached`, field keys, M decisions/s', '≥ 2', fmt(rate.before / 1e6), fmt(rate.after / 1e6)],
  ];
  const markdown = [
    '## Deciding on the wire snapshot (before / after)',
    '',
    `${machineNote()}. One run, interleaved: the SDK before the snapshot rule (git \`${BEFORE_REF.slice(0, 7)}\`, built from git into a scratch directory) and after it (this tree), both from their built \`dist/\`; Caplena map, static source, loopback vendor in its own process, ${fmt(n, 0)} round trips per kind (plain fetch p50 ${fmt(plain / 1000)} µs).`,
    '',
    '| measure | target | before | after |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'After: `guard.fetch` takes the snapshot (for a string body without building a `Request`; other bodies through `new Request`, the fetch standard\'s merge), reads the URL path and headers, checks the JSON for duplicate keys, classifies every value and sends the frozen snapshot; `guard.wrap` takes a JSON-faithful copy of the payload and classifies its values. In a tight loop the guard\'s own work before the real `fetch` is about 6 µs; in a round trip it costs several times that (cold caches after each network wait), and the real `fetch` that follows runs measurably slower too.',
  ].join('\n');
  console.log(`\n${markdown}\n`);
  return { name: 'sdk-snapshot', markdown, failures: 0 };
}
