/**
 * The decision API over loopback: the real server in a child process (as `npm start` runs
 * it) on the synthetic map, loaded with autocannon from this process. Reports requests/s
 * and latency percentiles for single decisions (field keys and 20-key payloads) and for
 * batches, and checks, before the load, that the API's answers equal the engine's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUserToken } from '../src/auth/user-token';
import { compileConsents, compilePolicy, decide, type Decision, type DecisionRequest, type PolicyMap } from '@flowgate/core';
import { startServerProcess, type ServerProcess } from '../test/factories/server-process.factory';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import {
  DEFAULT_WORLD,
  syntheticPayloadRequests,
  syntheticRequests,
  syntheticSample,
  syntheticWorld,
  type SyntheticCase,
  type SyntheticWorld,
} from './synthetic-map';

/** The part of autocannon 9 used here (it ships no type declarations). */
export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  duration: number;
  latency: { p50: number; p99: number };
}
interface DynamicRequest {
  setupRequest(request: LoadRequest): LoadRequest;
}
type Autocannon = (options: { url: string; connections: number; duration: number; requests: DynamicRequest[] }) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

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

export async function startBenchServer(world: SyntheticWorld): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-'));
  const server = await startServerProcess({
    DATABASE_PATH: join(dir, 'flowgate.sqlite'),
    FLOWGATE_DEMO: '0',
    FLOWGATE_ADMIN_TOKEN: ADMIN,
    FLOWGATE_USER_TOKEN_SECRET: USER_SECRET,
    FLOWGATE_SEED_MANIFEST: '',
    LOG_LEVEL: 'log',
  });
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

export interface LoadResult {
  /** 2xx responses per second. */
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run of `durationS` seconds; every request (on any connection) takes the
 * next of `pool`, so connections spread over it. (Given the array itself, autocannon would
 * pre-build all of it once per connection.)
 */
export async function load(
  base: string,
  pool: readonly LoadRequest[],
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  let next = 0;
  const requests: DynamicRequest[] = [{ setupRequest: () => pool[next++ % pool.length] }];
  const result = await autocannon({ url: base, connections, duration: durationS, requests });
  return {
    rate: result['2xx'] / (result.duration || durationS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The median run by rate, of `runs` runs (p99 of that same run). */
export async function medianLoad(runs: number, once: () => Promise<LoadResult>): Promise<LoadResult & { all: number[] }> {
  const results: LoadResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const sorted = [...results].sort((a, b) => a.rate - b.rate);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    ...median,
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    all: results.map((r) => r.rate),
  };
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

type Row = Record<'request' | 'connections' | 'requests/s' | 'decisions/s' | 'p50 ms' | 'p99 ms' | 'non-2xx', string>;

export async function run(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick;
  const duration = quick ? 2 : 10;
  const runs = quick ? 1 : RUNS;
  const world = syntheticWorld(quick ? { users: 10_000 } : {});
  console.log(`\nDecision API: starting the server and loading ${fmt(world.users.length)} users' choices…`);
  const b = await startBenchServer(world);
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

    // Warm up: JIT, and every user's consents into the server's cache.
    await load(b.server.base, single, 16, quick ? 1 : 5);
    await load(b.server.base, payload, 16, quick ? 1 : 2);

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
    await measure('POST /decisions, field keys', single, 1, 1);
    await measure('POST /decisions, field keys', single, 16, 1);
    await measure('POST /decisions, field keys', single, 64, 1);
    await measure('POST /decisions, 20-key JSON payload', payload, 16, 1);
    await measure('POST /decisions/batch, 100 per request', batches, 16, 100);
    console.table(rows);
    return { name: 'decision-api', markdown: markdown(rows, world, loaded, failures, sample.length, duration, runs), failures };
  } finally {
    await b.stop();
  }
}

function markdown(
  rows: readonly Row[],
  world: SyntheticWorld,
  loaded: { users: number; changes: number; ms: number },
  failures: number,
  sampled: number,
  duration: number,
  runs: number,
): string {
  const headers = Object.keys(rows[0]) as (keyof Row)[];
  const table = [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h) => (h === 'request' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
  return `## Decision API over loopback

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
a single HTTP decision costs the Nest/Express pipeline (routing, auth guard, JSON parsing and
writing, the input check) plus loopback TCP, so requests/s is bounded by the server's one core, and the batch
endpoint is the way to many decisions per second over HTTP. The SDK decides in process and only
fetches the policy and consents.

**Machine.** ${machineNote()}. Shared 2-core VM: the load generator and the server compete for
the same two cores, and other work on the machine moves these numbers between runs.

**Reproduce.** \`npm run bench -- decision-api\` (\`--write-docs\` rewrites this section).
`;
}
