/**
 * The decision API over loopback: the real server in a child process (as `npm start` runs
 * it) on the synthetic map, loaded with autocannon from this process, against its limit on
 * this machine, a bare `node:http` server (bench/support/bare-decision-server.ts, also in
 * its own process) doing the same JSON parse, `decide` and reply on the same policy and
 * consents. The two are measured in interleaved rounds at 1, 16 and 64 connections, and the
 * issue-16 targets are printed with their ratios, met or not met: ≥ 0.6× the bare server's
 * requests/s at 16 and 64 connections, p99 at 64 connections ≤ 2× the bare server's. Also
 * reports 20-key payloads and batches, and checks, before the load, that the API's answers
 * equal the engine's (and the bare server's).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { join } from 'node:path';
import { signUserToken } from '../src/auth/user-token';
import { compileConsents, compilePolicy, decide, type Decision, type DecisionRequest, type PolicyMap } from '@flowgate/core';
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from '../test/factories/server-process.factory';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import { loadavg, tmpdir } from 'node:os';
import type { BenchOptions, BenchReport } from './run';
import { loadServers, medianOf, type LoadRequest, type LoadResult } from './support/load';
import { machineNote } from './run';
import { startCpuCount } from './support/cpu';
import { buildServer } from './support/as-npm-start';
import {
  DEFAULT_WORLD,
  syntheticPayloadRequests,
  syntheticRequests,
  syntheticSample,
  syntheticWorld,
  type SyntheticCase,
  type SyntheticWorld,
} from './synthetic-map';

export type { LoadRequest, LoadResult } from './support/load';

const ADMIN = 'bench-admin-token-0123456789abcdef';
export const USER_SECRET = 'bench-user-token-secret-0123456789abcdef';
const RUNS = 3;

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A server process on a fresh temp database with the synthetic map imported. */
export interface BenchServer {
  server: ServerProcess;
  admin: Record<string, string>;
  service: Record<string, string>;
  /** The data folder (database file inside). */
  dir: string;
  stop(): Promise<void>;
}

export async function startBenchServer(world: SyntheticWorld, options: ServerProcessOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-'));
  const server = await startServerProcess(
    {
      DATABASE_PATH: join(dir, 'flowgate.sqlite'),
      FLOWGATE_DEMO: '0',
      FLOWGATE_ADMIN_TOKEN: ADMIN,
      FLOWGATE_USER_TOKEN_SECRET: USER_SECRET,
      FLOWGATE_SEED_MANIFEST: '',
      LOG_LEVEL: 'log',
    },
    options,
  );
  const admin = { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' };
  const imported = await fetch(`${server.base}/api/v1/manifest`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify(manifestOfPolicyMap(world.map)),
  });
  if (imported.status !== 201) throw new Error(`manifest import failed: ${imported.status} ${await imported.text()}`);
  const created = await fetch(`${server.base}/api/v1/service-tokens`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'bench' }) });
  const { token } = (await created.json()) as { token: string };
  return {
    server,
    admin,
    service: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    dir,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function userToken(userId: string): string {
  return signUserToken(USER_SECRET, { sub: userId, exp: Math.floor(Date.now() / 1000) + 6 * 3600 });
}

/** Runs `work` over `items` with at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** One run of `durationS` seconds against one server; every request takes the next of `pool`. */
export function load(base: string, pool: readonly LoadRequest[], connections: number, durationS: number): Promise<LoadResult> {
  return loadServers([{ base, requests: pool }], connections, durationS);
}

/** The median run by rate, of `runs` runs (p99 of that same run). */
export async function medianLoad(runs: number, once: () => Promise<LoadResult>): Promise<LoadResult & { all: number[] }> {
  const results: LoadResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  return medianOf(results);
}

/** Records every choosing user's choices through the API (source `import`), 32 at a time. */
async function loadChoices(b: BenchServer, world: SyntheticWorld): Promise<{ users: number; changes: number; ms: number }> {
  const required = new Set(world.map.flows.filter((f) => f.mode === 'required').map((f) => f.key));
  const choosers = world.users
    .map((u) => ({ id: u.id, changes: u.choices.filter(([flowKey]) => !required.has(flowKey)) }))
    .filter((u) => u.changes.length > 0);
  const started = Date.now();
  let changes = 0;
  await pool(choosers, 32, async (u) => {
    const res = await fetch(`${b.server.base}/api/v1/users/${u.id}/preferences`, {
      method: 'PUT',
      headers: b.admin,
      body: JSON.stringify({ source: 'import', changes: u.changes.map(([flowKey, c]) => ({ flowKey, granted: c.granted })) }),
    });
    if (res.status !== 200) throw new Error(`loading ${u.id} failed: ${res.status} ${await res.text()}`);
    changes += u.changes.length;
  });
  return { users: choosers.length, changes, ms: Date.now() - started };
}

const toBody = (world: SyntheticWorld, c: SyntheticCase) => ({ userId: world.users[c.user].id, ...c.request });

/** Asks the API (in batches) and the engine (on what /policy and /consents serve) the same cases. */
async function disagreements(b: BenchServer, world: SyntheticWorld, cases: readonly SyntheticCase[]): Promise<number> {
  const policyRes = (await (await fetch(`${b.server.base}/api/v1/policy`, { headers: b.service })).json()) as { map: PolicyMap };
  const policy = compilePolicy(policyRes.map);
  const consents = new Map<string, ReturnType<typeof compileConsents>>();
  await pool([...new Set(cases.map((c) => world.users[c.user].id))], 16, async (userId) => {
    const body = (await (await fetch(`${b.server.base}/api/v1/users/${userId}/consents`, { headers: b.service })).json()) as {
      choices: Record<string, { granted: boolean; version: number }>;
      gpc: boolean;
    };
    consents.set(userId, compileConsents(policy, body.choices, { gpc: body.gpc }));
  });
  let wrong = 0;
  for (let i = 0; i < cases.length; i += 1000) {
    const chunk = cases.slice(i, i + 1000);
    const res = await fetch(`${b.server.base}/api/v1/decisions/batch`, {
      method: 'POST',
      headers: b.service,
      body: JSON.stringify({ requests: chunk.map((c) => toBody(world, c)) }),
    });
    const { decisions } = (await res.json()) as { decisions: Decision[] };
    chunk.forEach((c, j) => {
      const userId = world.users[c.user].id;
      const expected = decide(policy, consents.get(userId)!, c.request as DecisionRequest);
      if (JSON.stringify(decisions[j]) !== JSON.stringify(expected)) {
        if (++wrong <= 3) console.error(`API disagrees on ${JSON.stringify(toBody(world, c))}:\n  api:    ${JSON.stringify(decisions[j])}\n  engine: ${JSON.stringify(expected)}`);
      }
    });
  }
  return wrong;
}

/** The bare node:http server (bench/support/bare-decision-server.ts) in its own process. */
interface BareServer {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the bare server on what the API serves: the policy map of `GET /policy` and the
 * consents of `GET /users/:userId/consents` of every user the load asks about.
 */
async function startBareServer(b: BenchServer, userIds: readonly string[], dir: string): Promise<BareServer> {
  const { map } = (await (await fetch(`${b.server.base}/api/v1/policy`, { headers: b.service })).json()) as { map: PolicyMap };
  const consents: Record<string, unknown> = {};
  await pool(userIds, 16, async (userId) => {
    consents[userId] = await (await fetch(`${b.server.base}/api/v1/users/${userId}/consents`, { headers: b.service })).json();
  });
  const file = join(dir, 'bare-input.json');
  writeFileSync(file, JSON.stringify({ map, consents }));
  // Compiled to plain JS and run by node itself, as the server is (no ts-node in either process).
  const script = join(dir, 'bare-decision-server.cjs');
  const source = readFileSync(join(__dirname, 'support/bare-decision-server.ts'), 'utf8');
  writeFileSync(script, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
  const child = spawn(process.execPath, [script, file], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`the bare server exited before it listened: ${out}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** How many of `bodies` the bare server answers differently from the API (it must answer the same). */
async function bareDisagreements(b: BenchServer, bare: BareServer, bodies: readonly LoadRequest[]): Promise<number> {
  let wrong = 0;
  for (const r of bodies) {
    const [api, limit] = await Promise.all(
      [b.server.base, bare.base].map(async (base) => (await fetch(`${base}${r.path}`, { method: 'POST', headers: r.headers, body: r.body })).text()),
    );
    if (api !== limit && ++wrong <= 3) console.error(`the bare server disagrees on ${r.body}:\n  api:  ${api}\n  bare: ${limit}`);
  }
  return wrong;
}

/** One of the targets, measured. */
export interface TargetRow {
  target: string;
  flowgate: string;
  bare: string;
  ratio: string;
  met: boolean;
}

/** The three connection counts, bare and Flowgate in alternating order round after round. */
async function interleaved(
  b: BenchServer,
  bare: BareServer,
  requests: readonly LoadRequest[],
  connections: readonly number[],
  runs: number,
  duration: number,
  rounds: Map<number, number[]>,
): Promise<Map<number, { flowgate: Measured & { all: number[] }; bare: Measured & { all: number[] } }>> {
  const results = new Map<number, { flowgate: Measured[]; bare: Measured[] }>(connections.map((c) => [c, { flowgate: [], bare: [] }]));
  for (let round = 0; round < runs; round++) {
    for (const c of connections) {
      const slot = results.get(c)!;
      const order = round % 2 === 0 ? (['bare', 'flowgate'] as const) : (['flowgate', 'bare'] as const);
      for (const who of order) {
        // Cores of the server under load and of this process (autocannon), to say per request
        // what the server spent and whether the load generator was the limit.
        const cpu = startCpuCount({ server: () => [who === 'bare' ? bare.pid : b.server.child.pid!], autocannon: () => [process.pid] });
        const result = await load(who === 'bare' ? bare.base : b.server.base, requests, c, duration);
        const used = cpu.stop();
        slot[who].push({ ...result, serverCores: used.groups.server, loaderCores: used.groups.autocannon, machineCores: used.machine });
      }
      const note = (r: Measured) =>
        `${fmt(r.rate)} req/s (p99 ${r.p99} ms, server ${usPerRequest(r)} µs/request, autocannon ${r.loaderCores.toFixed(2)} cores)`;
      console.log(`round ${round + 1}, ${c} connections: bare ${note(slot.bare[round])}, Flowgate ${note(slot.flowgate[round])}; machine ${slot.flowgate[round].machineCores.toFixed(2)} cores busy`);
    }
  }
  for (const [c, r] of results) rounds.set(c, r.flowgate.map((f, i) => f.rate / r.bare[i].rate));
  const median = async (xs: Measured[]) => (await medianLoad(xs.length, async () => xs.shift()!)) as Measured & { all: number[] };
  const out = new Map<number, { flowgate: Measured & { all: number[] }; bare: Measured & { all: number[] } }>();
  for (const [c, r] of results) out.set(c, { flowgate: await median(r.flowgate), bare: await median(r.bare) });
  return out;
}

/** A load run with the cores the server, this process (autocannon) and the machine used meanwhile. */
interface Measured extends LoadResult {
  serverCores: number;
  loaderCores: number;
  machineCores: number;
}

/** The server's CPU time per answered request, in µs. */
const usPerRequest = (r: Measured): string => (r.rate > 0 ? fmt((r.serverCores * 1e6) / r.rate) : '–');

type Row = Record<'request' | 'connections' | 'requests/s' | 'decisions/s' | 'p50 ms' | 'p99 ms' | 'non-2xx', string>;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick;
  const duration = quick ? 2 : 10;
  const runs = quick ? 1 : RUNS;
  const world = syntheticWorld(quick ? { users: 10_000 } : {});
  console.log(`\nDecision API: starting the server and loading ${fmt(world.users.length)} users' choices…`);
  // As `npm start` runs it: compiled, not through ts-node (see ServerProcessOptions.built).
  buildServer();
  // Its log (a line per request) to a file, as in production: not into this process, the load generator.
  const logFile = join(tmpdir(), `flowgate-bench-${process.pid}.log`);
  const b = await startBenchServer(world, { logFile, built: true });
  let bare: BareServer | null = null;
  try {
    const loaded = await loadChoices(b, world);
    console.log(`loaded ${fmt(loaded.changes)} choices of ${fmt(loaded.users)} users in ${(loaded.ms / 1000).toFixed(1)} s`);
    const sample = syntheticSample(world, quick ? 1000 : 5000, 21);
    const failures = await disagreements(b, world, sample);
    console.log(`agreement with the engine: ${failures} of ${sample.length} differ`);

    const post = (path: string, body: unknown): LoadRequest => ({ method: 'POST', path, headers: b.service, body: JSON.stringify(body) });
    const single = syntheticRequests(world, 4096, 22).map((c) => post('/api/v1/decisions', toBody(world, c)));
    const payload = syntheticPayloadRequests(world, 1024, 23).map((c) => post('/api/v1/decisions', toBody(world, c)));
    const batches = Array.from({ length: 64 }, (_, i) =>
      post('/api/v1/decisions/batch', { requests: syntheticRequests(world, 100, 100 + i).map((c) => toBody(world, c)) }),
    );

    bare = await startBareServer(b, [...new Set(single.map((r) => (JSON.parse(r.body!) as { userId: string }).userId))], b.dir);
    const bareWrong = await bareDisagreements(b, bare, single.slice(0, quick ? 100 : 500));
    console.log(`the bare server agrees with the API: ${bareWrong} of ${quick ? 100 : 500} differ`);

    // Warm up: JIT, and every user's consents into the server's cache.
    await load(b.server.base, single, 16, quick ? 1 : 5);
    await load(bare.base, single, 16, quick ? 1 : 5);
    await load(b.server.base, payload, 16, quick ? 1 : 2);

    // Flowgate ÷ bare within each round, beside the ratio of the medians.
    const rounds = new Map<number, number[]>();
    const limits = await interleaved(b, bare, single, [1, 16, 64], runs, duration, rounds);
    const roundRatios = [16, 64].map((c) => `${c} connections ${rounds.get(c)!.map((r) => r.toFixed(2)).join(', ')}`).join('; ');
    console.log(`round by round, Flowgate ÷ bare: ${roundRatios}`);
    const targets: TargetRow[] = [];
    for (const c of [1, 16, 64]) {
      const { flowgate, bare: limit } = limits.get(c)!;
      const ratio = flowgate.rate / limit.rate;
      targets.push({
        target: c === 1 ? 'requests/s at 1 connection (reported, no target)' : `requests/s at ${c} connections ≥ 0.6× bare`,
        flowgate: fmt(flowgate.rate),
        bare: fmt(limit.rate),
        ratio: `${ratio.toFixed(2)}×`,
        met: c === 1 ? true : ratio >= 0.6,
      });
    }
    const at64 = limits.get(64)!;
    const p99Ratio = at64.flowgate.p99 / Math.max(at64.bare.p99, 1e-9);
    targets.push({
      target: 'p99 at 64 connections ≤ 2× bare',
      flowgate: `${at64.flowgate.p99} ms`,
      bare: `${at64.bare.p99} ms`,
      ratio: `${p99Ratio.toFixed(2)}×`,
      met: p99Ratio <= 2,
    });
    for (const c of [16, 64]) {
      const { flowgate, bare: limit } = limits.get(c)!;
      const ratio = (flowgate.serverCores / flowgate.rate) / (limit.serverCores / limit.rate);
      targets.push({
        target: `server CPU per request at ${c} connections, µs (reported, no target; autocannon used ${flowgate.loaderCores.toFixed(2)} / ${limit.loaderCores.toFixed(2)} cores)`,
        flowgate: usPerRequest(flowgate),
        bare: usPerRequest(limit),
        ratio: Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–',
        met: true,
      });
    }
    for (const t of targets) console.log(`${t.target}: Flowgate ${t.flowgate}, bare ${t.bare}, ${t.ratio}: ${t.target.includes('no target') ? 'reported' : t.met ? 'met' : 'NOT MET'}`);
    const load1 = loadavg().map((l) => l.toFixed(2)).join(' / ');

    const rows: Row[] = [];
    const measure = async (request: string, requests: LoadRequest[], connections: number, perRequest: number) => {
      const r = await medianLoad(runs, () => load(b.server.base, requests, connections, duration));
      rows.push({
        request,
        connections: String(connections),
        'requests/s': fmt(r.rate),
        'decisions/s': fmt(r.rate * perRequest),
        'p50 ms': String(r.p50),
        'p99 ms': String(r.p99),
        'non-2xx': String(r.non2xx + r.errors),
      });
      console.log(`${request}, ${connections} connections: ${fmt(r.rate)} req/s (runs ${r.all.map(fmt).join(', ')}), p99 ${r.p99} ms`);
    };
    const row = (request: string, connections: number, r: LoadResult) =>
      rows.push({
        request,
        connections: String(connections),
        'requests/s': fmt(r.rate),
        'decisions/s': fmt(r.rate),
        'p50 ms': String(r.p50),
        'p99 ms': String(r.p99),
        'non-2xx': String(r.non2xx + r.errors),
      });
    for (const c of [1, 16, 64]) row('POST /decisions, field keys', c, limits.get(c)!.flowgate);
    for (const c of [1, 16, 64]) row('bare node:http, same parse + decide + reply', c, limits.get(c)!.bare);
    await measure('POST /decisions, 20-key JSON payload', payload, 16, 1);
    await measure('POST /decisions/batch, 100 per request', batches, 16, 100);
    console.table(rows);
    return {
      name: 'decision-api',
      markdown: markdown(rows, targets, load1, world, loaded, failures, sample.length, duration, runs, roundRatios),
      failures: failures + bareWrong,
    };
  } finally {
    await bare?.stop();
    await b.stop();
    rmSync(logFile, { force: true });
  }
}

function markdown(
  rows: readonly Row[],
  targets: readonly TargetRow[],
  load: string,
  world: SyntheticWorld,
  loaded: { users: number; changes: number; ms: number },
  failures: number,
  sampled: number,
  duration: number,
  runs: number,
  roundRatios: string,
): string {
  const headers = Object.keys(rows[0]) as (keyof Row)[];
  const table = [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h) => (h === 'request' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
  const targetTable = [
    '| target | Flowgate | bare node:http | ratio | |',
    '| --- | ---: | ---: | ---: | --- |',
    ...targets.map((t) => `| ${t.target} | ${t.flowgate} | ${t.bare} | ${t.ratio} | ${t.target.includes('no target') ? '' : t.met ? 'met' : '**not met**'} |`),
  ].join('\n');
  return `## Decision API over loopback

**Against the limit (issue 16).** Flowgate's \`POST /api/v1/decisions\` against a bare \`node:http\`
server doing the same JSON parse, the same \`decide\` of @flowgate/core on the same policy and consents,
and the same reply (bench/support/bare-decision-server.ts, in its own process like the server), in
${runs} interleaved rounds of ${duration} s per connection count (medians; load average during the run ${load}):

${targetTable}

Round by round (Flowgate ÷ bare in the same round): ${roundRatios}. The ratio above is of the
medians of each side.

"server CPU per request" is the server process's CPU time (from /proc) during that median run over
the requests it answered: on a loaded machine requests/s moves with what else runs, CPU per request
much less. autocannon's cores (this process, Flowgate's run / the bare server's) say whether the
load generator was the limit.

${table}

**Setup.** The server runs as \`npm start\` does, in its own process (one core of two), on a fresh
SQLite file with the synthetic map imported (${world.map.subprocessors.length} subprocessors,
${world.map.fields.length} fields, ${world.map.flows.length} flows, seed ${DEFAULT_WORLD.seed}) and the
choices of the ${fmt(loaded.users)} of ${fmt(world.users.length)} users who made any (${fmt(loaded.changes)}
choices, recorded through \`PUT /api/v1/users/:userId/preferences\` in ${(loaded.ms / 1000).toFixed(1)} s).
autocannon 9 runs in this process over 127.0.0.1 with a service token; each row is the median of
${runs} runs of ${duration} s after a warm-up that fills the server's per-user consents cache.

**Requests.** Single decisions cycle through 4,096 bodies (a random user of all ${fmt(world.users.length)}
and one of 1,024 request shapes of 0–8 field keys, as in the engine benchmark); the payload row sends
20-leaf JSON bodies; the batch row sends 100 decisions per request. "decisions/s" is requests/s × decisions per request.

**Correctness under the same server.** Before the load, ${fmt(sampled)} rule-exercising requests
(\`syntheticSample\`) were asked of \`POST /api/v1/decisions/batch\` and of the engine in this
process, compiled from what \`GET /api/v1/policy\` and \`GET /api/v1/users/:userId/consents\`
serve: ${failures} differed.

**Where the time goes.** The engine decides in well under a microsecond (see the engine section);
a single HTTP decision costs Node's HTTP parsing and loopback TCP (the socket write is the largest
single item in the profile, \`npm run bench -- profile decision-api\`, for the bare server too), the
security headers, the access log line and metrics, the auth guard with its verified-token cache and
rate-limit check, \`scanJson\` and JSON parsing and the input check.

**The front door.** The route's ordinary requests (\`POST\`, the plain path, \`Content-Type:
application/json\`, a body, no \`Content-Encoding\`) are served at the \`node:http\` level, in
front of Fastify (src/common/front-door.ts: a \`request\` listener on Fastify's own server), with
the same parts Fastify's pipeline runs for them: request id, API security headers, the route's
body limit with Fastify's own errors, \`parseBodyText\` (\`scanJson\`, \`JSON.parse\`), the auth
guard, the controller's \`decide\`, errors through the adapter's \`mapException\` and the exception
filter's \`errorBody\`, the same access-log line and metrics. Every other request (other methods,
forms of the path, content types, no body) goes to Fastify untouched, where the route also runs
without Nest's per-request pipeline (src/decisions/decision-route.ts). No Fastify request or reply
object, routing or hook runner is made for a decision, and a cached decision creates no promise;
test/e2e/decision-route.e2e-spec.ts holds both to the same status, body, headers, access line and
metrics for hostile requests. Access-log lines reach stdout in 12 KB blocks (one asynchronous
write each, at least every 100 ms). requests/s is bounded by the
server's one core, and the batch endpoint is the way to many decisions per second over HTTP. The server runs with its access
log on (one JSON line per request, stdout to a file), as in production. The SDK decides in process and only
fetches the policy and consents.

**Machine.** ${machineNote()}. Shared 2-core VM: the load generator and the server compete for
the same two cores, and other work on the machine moves these numbers between runs.

**Reproduce.** \`npm run bench -- decision-api\` (\`--write-docs\` rewrites this section).
`;
}
