/**
 * Scale (issue 13): in one run, acknowledged consent writes/s and decision API req/s with
 * p99 on SQLite and on PostgreSQL, one instance and two (two server processes on one SQLite
 * file; two on one PostgreSQL database), at 1, 16 and 64 connections, measured interleaved;
 * propagation from a write on B to a guard (@flowgate/sdk, built dist) following A's feed;
 * and growth on PostgreSQL: decision and write latency and startup time with 100 k and 10 M
 * stored consent events (bulk-loaded with generate_series). Servers run as child processes
 * (`src/main.ts`); everything goes over HTTP, so the bench does not depend on the platform.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signUserToken } from '../src/auth/user-token';
import { startServerProcess, type ServerProcess } from '../test/factories/server-process.factory';
import { asNpmStart } from './support/as-npm-start';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import { startGuardProcess, type SeenMessage } from '../test/sdk/support/guard-client';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { startCpuCount, withChildren, type CpuUse } from './support/cpu';
import { SCALE_ADMIN, SCALE_USER_SECRET, scaleServerEnv } from './support/scale-env';
import {
  loadServers,
  markdownTable,
  medianOf,
  pooled,
  quantile,
  type LoadRequest,
  type LoadResult,
} from './support/load';
import {
  createRng,
  pick,
  syntheticRequests,
  syntheticWorld,
  type SyntheticWorld,
} from './synthetic-map';

interface PostgresCluster {
  url: string;
  /** The cluster's folder (data/postmaster.pid inside). */
  dir: string;
  stop(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/support/postgres-cluster.cjs') as {
  startCluster(options?: { durable?: boolean }): Promise<PostgresCluster>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const buildPackages = require('../test/support/build-packages.cjs') as () => void;

const ADMIN = SCALE_ADMIN;
const USER_SECRET = SCALE_USER_SECRET;
const CONNECTIONS = [1, 16, 64] as const;
const WRITERS = 5000;

type Kind = 'sqlite' | 'postgres';
const KIND_NAME: Record<Kind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');
const load1 = (): number => loadavg()[0];
const wall = (): number => performance.timeOrigin + performance.now();
const bearer = (token: string) => ({
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
});
const userToken = (userId: string): string =>
  signUserToken(USER_SECRET, { sub: userId, exp: Math.floor(Date.now() / 1000) + 6 * 3600 });

async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A fresh database of `kind` in its own data folder: the env every instance of it gets. */
async function freshDatabase(
  kind: Kind,
  cluster: PostgresCluster,
): Promise<{ env: Record<string, string>; url: string | null; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-scale-'));
  if (kind === 'sqlite') {
    return {
      env: scaleServerEnv(dir, { DATABASE_PATH: join(dir, 'flowgate.sqlite') }),
      url: null,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `flowgate_scale_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(cluster.url, `CREATE DATABASE ${name}`);
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return {
    env: scaleServerEnv(dir, { DATABASE_URL: url.toString() }),
    url: url.toString(),
    async drop() {
      await adminQuery(cluster.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function post(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  status = 201,
): Promise<unknown> {
  const res = await fetch(`${server.base}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  if (res.status !== status) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Starts a server and waits for `/api/health/ready`: the ms from spawn to ready. */
async function startReady(
  env: Record<string, string>,
): Promise<{ server: ServerProcess; startupMs: number }> {
  const started = wall();
  const server = await startServerProcess(env, asNpmStart({ timeoutMs: 600_000 }));
  for (;;) {
    const res = await fetch(`${server.base}/api/health/ready`).catch(() => null);
    if (res?.status === 200) return { server, startupMs: wall() - started };
    if (wall() - started > 600_000) throw new Error(`not ready in 10 min:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two instances on one database, the synthetic map imported, a service token. */
interface Deployment {
  kind: Kind;
  a: ServerProcess;
  b: ServerProcess;
  service: Record<string, string>;
  stop(): Promise<void>;
}

async function startDeployment(
  kind: Kind,
  cluster: PostgresCluster,
  world: SyntheticWorld,
): Promise<Deployment> {
  const db = await freshDatabase(kind, cluster);
  // One after the other: the first migrates and creates the keys in the shared data folder.
  const a = await startServerProcess(db.env, asNpmStart());
  const b = await startServerProcess(db.env, asNpmStart());
  const admin = bearer(ADMIN);
  await post(a, '/api/v1/manifest', admin, manifestOfPolicyMap(world.map));
  const { token } = (await post(a, '/api/v1/service-tokens', admin, { name: 'scale-bench' })) as {
    token: string;
  };
  return {
    kind,
    a,
    b,
    service: bearer(token),
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    },
  };
}

type Op = 'writes' | 'decisions';
interface Cell {
  runs: LoadResult[];
  loads: number[];
  cpu: CpuUse[];
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick;
  // `--writes-only`: just the consent-write cells (both databases, one and two instances), for a
  // short check of the write path; nothing else is measured and the report says so.
  const writesOnly = process.argv.includes('--writes-only');
  const ops: readonly Op[] = writesOnly ? ['writes'] : ['writes', 'decisions'];
  const duration = quick ? 1 : 4;
  const rounds = quick ? 1 : 3;
  const changes = quick ? 100 : 500;
  const growth = quick ? [10_000, 100_000] : [100_000, 10_000_000];
  const world = syntheticWorld({ users: 10_000 });
  const optional = world.map.flows.filter((f) => f.mode !== 'required').map((f) => f.key);
  const rng = createRng(1313);
  const writerTokens = Array.from({ length: WRITERS }, (_, i) => bearer(userToken(`writer-${i}`)));
  const writes: LoadRequest[] = Array.from({ length: 20_000 }, () => ({
    method: 'PUT',
    path: `/api/v1/me/preferences/${pick(rng, optional)}`,
    headers: pick(rng, writerTokens),
    body: JSON.stringify({ granted: rng() < 0.5 }),
  }));

  buildPackages(); // the guard process loads @flowgate/sdk from dist/
  console.log(`\nScale: starting PostgreSQL and two instances on each database…`);
  const loadAtStart = load1();
  // Durable (fsync, synchronous_commit on), as SQLite's synchronous=FULL: both count acknowledged writes.
  const cluster = await startCluster({ durable: true });
  const deployments: Deployment[] = [];
  let failures = 0;
  try {
    for (const kind of ['sqlite', 'postgres'] as const)
      deployments.push(await startDeployment(kind, cluster, world));
    const postmaster = Number(
      readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const decisions = (d: Deployment): LoadRequest[] =>
      syntheticRequests(world, 4096, 22).map((c) => ({
        method: 'POST',
        path: '/api/v1/decisions',
        headers: d.service,
        body: JSON.stringify({ userId: world.users[c.user].id, ...c.request }),
      }));
    const pools = new Map(deployments.map((d) => [d.kind, { writes, decisions: decisions(d) }]));
    const targets = (d: Deployment, op: Op, instances: 1 | 2) =>
      (instances === 1 ? [d.a] : [d.a, d.b]).map((s) => ({
        base: s.base,
        requests: pools.get(d.kind)![op],
      }));

    // Warm-up: JIT on every instance, and the decision users' consents into each one's cache.
    for (const d of deployments) {
      await loadServers(targets(d, 'writes', 2), 16, quick ? 1 : 3);
      if (!writesOnly) await loadServers(targets(d, 'decisions', 2), 16, quick ? 1 : 3);
    }

    // Interleaved: every round runs each cell once, so a change in the machine's load
    // reaches both sides of every comparison.
    const cells = new Map<string, Cell>();
    const key = (kind: Kind, instances: number, op: Op, c: number) =>
      `${kind}/${instances}/${op}/${c}`;
    for (let round = 0; round < rounds; round++) {
      for (const c of CONNECTIONS) {
        for (const op of ops) {
          for (const d of deployments) {
            for (const instances of [1, 2] as const) {
              const k = key(d.kind, instances, op, c);
              const cell = cells.get(k) ?? { runs: [], loads: [], cpu: [] };
              cell.loads.push(load1());
              const servers = instances === 1 ? [d.a] : [d.a, d.b];
              const cpu = startCpuCount({
                servers: () => servers.map((s) => s.child.pid!),
                autocannon: () => [process.pid],
                PostgreSQL: () => (d.kind === 'postgres' ? withChildren(postmaster) : []),
              });
              cell.runs.push(await loadServers(targets(d, op, instances), c, duration));
              cell.cpu.push(cpu.stop());
              cells.set(k, cell);
            }
          }
        }
      }
      console.log(`round ${round + 1} of ${rounds} done (load ${load1().toFixed(2)})`);
    }

    if (writesOnly) return writeCellsReport(cells, key, duration, rounds);

    const throughput: ThroughputRow[] = [];
    const get = (kind: Kind, instances: number, op: Op, c: number) => {
      const cell = cells.get(key(kind, instances, op, c))!;
      return { ...medianOf(cell.runs), load: Math.max(...cell.loads), cpu: averageCpu(cell.cpu) };
    };
    for (const d of deployments) {
      for (const instances of [1, 2] as const) {
        for (const c of CONNECTIONS) {
          const w = get(d.kind, instances, 'writes', c);
          const r = get(d.kind, instances, 'decisions', c);
          const w1 = get(d.kind, 1, 'writes', c);
          const r1 = get(d.kind, 1, 'decisions', c);
          failures += w.errors + r.errors + w.non2xx + r.non2xx > 0 ? 1 : 0;
          throughput.push({
            database: KIND_NAME[d.kind],
            instances: String(instances),
            connections: String(c),
            'writes/s': fmt(w.rate),
            'write p99 ms': ms(w.p99),
            'decisions/s': fmt(r.rate),
            'decision p99 ms': ms(r.p99),
            'two ÷ one (writes, decisions)':
              instances === 1
                ? ''
                : `${(w.rate / w1.rate).toFixed(2)}, ${(r.rate / r1.rate).toFixed(2)}`,
            'non-2xx': String(w.non2xx + w.errors + r.non2xx + r.errors),
            'cores, writes: servers, autocannon, PG / machine': cores(w.cpu, d.kind),
            'cores, decisions': cores(r.cpu, d.kind),
            load: Math.max(w.load, r.load).toFixed(1),
          });
        }
      }
    }
    console.table(throughput);

    const propagation: PropagationRow[] = [];
    for (const d of deployments) propagation.push(await measurePropagation(d, world, changes));
    console.table(propagation);

    await Promise.all(deployments.splice(0).map((d) => d.stop()));
    const grown = await measureGrowth(cluster, world, growth, quick);
    console.table(grown.rows);

    const pgWrites16 = get('postgres', 1, 'writes', 16).rate;
    const sqliteWrites16 = get('sqlite', 1, 'writes', 16).rate;
    const targets_ = [
      {
        target: 'PostgreSQL writes at 16 connections ≥ SQLite (one instance each)',
        measured: `${fmt(pgWrites16)} vs ${fmt(sqliteWrites16)} writes/s`,
        met: pgWrites16 >= sqliteWrites16,
      },
      ...propagation.map((p) => ({
        target: `propagation p99 < 100 ms, ${p.database} (guard on A's feed; A's decision API)`,
        measured: `${p['guard p99 ms']} ms; ${p['API p99 ms']} ms`,
        met: Number(p['guard p99 ms']) < 100 && Number(p['API p99 ms']) < 100,
      })),
      {
        target: `decision latency flat from ${grown.small} to ${grown.large} stored events (users not cached; p50 and p99 at 1 connection, p99 at 16: at most 1.5 × + 1 ms)`,
        measured: grown.flatNote,
        met: grown.flat,
      },
    ];
    const targetsTable = markdownTable(
      targets_.map((t) => ({
        target: t.target,
        measured: t.measured,
        result: t.met ? 'met' : '**not met**',
      })),
      ['target', 'measured', 'result'],
    );
    console.log(targetsTable);
    // (The deployments are stopped by now: by kind, from the cells.)
    const serverCores = [...cells.values()].map((c) => averageCpu(c.cpu).groups.servers);
    const scaling = (['sqlite', 'postgres'] as const).flatMap((kind) =>
      ([16, 64] as const).map((c) => {
        const [w1, w2, r1, r2] = [
          get(kind, 1, 'writes', c),
          get(kind, 2, 'writes', c),
          get(kind, 1, 'decisions', c),
          get(kind, 2, 'decisions', c),
        ];
        return `- ${KIND_NAME[kind]}, ${c} connections: one instance ${fmt(w1.rate)} writes/s with ${w1.cpu.machine.toFixed(2)} cores of 2 busy, ${fmt(r1.rate)} decisions/s with ${r1.cpu.machine.toFixed(2)}; two instances ×${(w2.rate / w1.rate).toFixed(2)} writes/s, ×${(r2.rate / r1.rate).toFixed(2)} decisions/s.`;
      }),
    );
    scaling.push(
      '',
      `The server processes got ${Math.min(...serverCores).toFixed(2)}–${Math.max(...serverCores).toFixed(2)} cores in these cells; the rest went to autocannon, PostgreSQL and the machine's other jobs.`,
    );
    const markdown = report({
      scaling,
      throughput,
      propagation,
      grown,
      targetsTable,
      duration,
      rounds,
      changes,
      loadAtStart,
      world,
    });
    return { name: 'scale', markdown, failures };
  } finally {
    await Promise.all(deployments.map((d) => d.stop()));
    cluster.stop();
  }
}

/** `--writes-only`: the write cells alone, with the PostgreSQL ≥ SQLite target at 16 connections. */
function writeCellsReport(
  cells: ReadonlyMap<string, Cell>,
  key: (kind: Kind, instances: number, op: Op, c: number) => string,
  duration: number,
  rounds: number,
): BenchReport {
  const rows: Array<Record<string, string>> = [];
  let failures = 0;
  const rate = (kind: Kind, instances: number, c: number) => medianOf(cells.get(key(kind, instances, 'writes', c))!.runs).rate;
  for (const kind of ['sqlite', 'postgres'] as const)
    for (const instances of [1, 2] as const)
      for (const c of CONNECTIONS) {
        const cell = cells.get(key(kind, instances, 'writes', c))!;
        const w = medianOf(cell.runs);
        failures += w.errors + w.non2xx > 0 ? 1 : 0;
        rows.push({
          database: KIND_NAME[kind],
          instances: String(instances),
          connections: String(c),
          'writes/s': fmt(w.rate),
          'write p99 ms': ms(w.p99),
          'non-2xx': String(w.non2xx + w.errors),
          'cores: servers, autocannon, PG / machine': cores(averageCpu(cell.cpu), kind),
          load: Math.max(...cell.loads).toFixed(1),
        });
      }
  console.table(rows);
  const pg16 = rate('postgres', 1, 16);
  const sqlite16 = rate('sqlite', 1, 16);
  const verdict = `PostgreSQL writes at 16 connections ≥ SQLite (one instance each): ${fmt(pg16)} vs ${fmt(sqlite16)} writes/s, ${pg16 >= sqlite16 ? 'met' : '**not met**'}`;
  console.log(verdict);
  const markdown = `## Scale: consent-write cells only (\`--writes-only\`)

${markdownTable(rows, Object.keys(rows[0]))}

${verdict}. Median of ${rounds} interleaved rounds of ${duration} s. The rest of the scale bench was not run.
`;
  return { name: 'scale', markdown, failures };
}

type ThroughputRow = Record<
  | 'database'
  | 'instances'
  | 'connections'
  | 'writes/s'
  | 'write p99 ms'
  | 'decisions/s'
  | 'decision p99 ms'
  | 'two ÷ one (writes, decisions)'
  | 'non-2xx'
  | 'cores, writes: servers, autocannon, PG / machine'
  | 'cores, decisions'
  | 'load',
  string
>;
/** The mean cores each group used over a cell's runs. */
function averageCpu(runs: readonly CpuUse[]): CpuUse {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const names = Object.keys(runs[0].groups);
  return {
    groups: Object.fromEntries(names.map((n) => [n, mean(runs.map((r) => r.groups[n]))])),
    machine: mean(runs.map((r) => r.machine)),
  };
}

const cores = (cpu: CpuUse, kind: Kind): string => {
  const g = cpu.groups;
  const pg = kind === 'postgres' ? g.PostgreSQL.toFixed(2) : '–';
  return `${g.servers.toFixed(2)}, ${g.autocannon.toFixed(2)}, ${pg} / ${cpu.machine.toFixed(2)}`;
};

type PropagationRow = Record<
  'database' | 'changes' | 'guard p50 ms' | 'guard p99 ms' | 'API p50 ms' | 'API p99 ms' | 'load',
  string
>;

/**
 * `changes` opt-outs through B, one after another, each timed from B's acknowledgement to
 * the guard on A's feed deciding `deny` (the feed event applied, a check run) and to A's
 * decision API answering `deny` (polled every 2 ms).
 */
async function measurePropagation(
  d: Deployment,
  world: SyntheticWorld,
  changes: number,
): Promise<PropagationRow> {
  const flow = world.map.flows.find((f) => f.mode === 'opt-out' && f.fields.length > 0)!;
  const request = {
    subprocessor: flow.subprocessor,
    purpose: flow.purpose,
    fields: [flow.fields[0].key],
  };
  const { token } = (await post(d.a, '/api/v1/service-tokens', bearer(ADMIN), {
    name: 'scale-guard',
  })) as { token: string };
  const guard = await startGuardProcess({
    FLOWGATE_URL: d.a.base,
    FLOWGATE_TOKEN: token,
    WATCH_REQUEST: JSON.stringify(request),
  });
  try {
    await guard.ready();
    const seen = new Map<string, SeenMessage>();
    guard.onSeen((m) => {
      if (!m.allow) seen.set(m.userId, m);
    });
    const users = Array.from({ length: changes }, (_, i) => `carol-${d.kind}-${i}@example.com`);
    await guard.watch(users);
    const toGuard: number[] = [];
    const toApi: number[] = [];
    const loads: number[] = [];
    const decideOnA = async (userId: string) => {
      const res = await fetch(`${d.a.base}/api/v1/decisions`, {
        method: 'POST',
        headers: d.service,
        body: JSON.stringify({ userId, ...request }),
      });
      return ((await res.json()) as { allow: boolean }).allow;
    };
    for (const user of users) {
      // Both have the user cached as allowed (opt-out flow, no choice yet), as for a hot user.
      if (!(await decideOnA(user)) || !(await guard.check({ userId: user, ...request })).allow)
        throw new Error(`${user} not allowed before`);
      const res = await fetch(`${d.b.base}/api/v1/me/preferences/${flow.key}`, {
        method: 'PUT',
        headers: bearer(userToken(user)),
        body: JSON.stringify({ granted: false }),
      });
      if (res.status !== 200)
        throw new Error(`opt-out through B: ${res.status} ${await res.text()}`);
      const acknowledged = wall();
      for (;;) {
        if (!(await decideOnA(user))) break;
        if (wall() - acknowledged > 5000)
          throw new Error(`A still allows ${user} 5 s after the opt-out`);
        await new Promise((r) => setTimeout(r, 2));
      }
      toApi.push(wall() - acknowledged);
      while (!seen.has(user)) {
        if (wall() - acknowledged > 5000)
          throw new Error(`the guard still allows ${user} 5 s after the opt-out`);
        await new Promise((r) => setTimeout(r, 2));
      }
      toGuard.push(seen.get(user)!.decidedAt - acknowledged);
      if (loads.length < 10 || users.indexOf(user) % 50 === 0) loads.push(load1());
    }
    const row: PropagationRow = {
      database: KIND_NAME[d.kind],
      changes: String(changes),
      'guard p50 ms': ms(quantile(toGuard, 0.5)),
      'guard p99 ms': ms(quantile(toGuard, 0.99)),
      'API p50 ms': ms(quantile(toApi, 0.5)),
      'API p99 ms': ms(quantile(toApi, 0.99)),
      load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    };
    console.log(
      `propagation ${d.kind}: guard p50/p99 ${row['guard p50 ms']}/${row['guard p99 ms']} ms, API ${row['API p50 ms']}/${row['API p99 ms']} ms`,
    );
    return row;
  } finally {
    await guard.close();
  }
}

type GrowthRow = Record<
  | 'stored events'
  | 'users'
  | 'bulk load s'
  | 'startup to ready ms'
  | 'decision p50 ms'
  | 'decision p99 ms'
  | 'decisions/s (16)'
  | 'decision p99 ms (16)'
  | 'write p50 ms'
  | 'write p99 ms'
  | 'writes/s (16)'
  | 'load',
  string
>;

/** Events per bulk-loaded user (5 flows chosen twice each), so users = events / 10. */
const EVENTS_PER_USER = 10;
const BULK_FLOWS = 5;

/**
 * `events` consent events of `events / 10` users, their `consent_state` (5 flows each) and
 * chain heads, written with generate_series straight into a migrated database (indexes
 * dropped during the load and rebuilt with the same names). The hashes are not a valid
 * chain: the rows are there to be stored, looked up and continued, not verified.
 */
async function bulkLoad(url: string, events: number, flowKeys: readonly string[]): Promise<number> {
  const started = wall();
  const users = events / EVENTS_PER_USER;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`ALTER TABLE consent_event DROP CONSTRAINT "PK_consent_event"`);
    await client.query(`DROP INDEX "UQ_consent_event_user_seq"`);
    await client.query(`ALTER TABLE consent_state DROP CONSTRAINT "PK_consent_state"`);
    await client.query(`ALTER TABLE consent_subject DROP CONSTRAINT "PK_consent_subject"`);
    const hash = (g: string) => `md5(${g}::text) || md5(${g}::text || 'x')`;
    const choice = (g: string) => `CASE WHEN ${g} % 3 = 0 THEN 'denied' ELSE 'granted' END`;
    await client.query(
      `INSERT INTO consent_event (id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash)
       SELECT g, 'bulk-' || ((g - 1) / ${EVENTS_PER_USER}), ((g - 1) % ${EVENTS_PER_USER}) + 1, ($1::text[])[((g - 1) % ${BULK_FLOWS}) + 1],
              ${choice('g')}, 'import', 1, NULL, 'bench', '2026-01-01T00:00:00.000Z',
              CASE WHEN (g - 1) % ${EVENTS_PER_USER} = 0 THEN repeat('0', 64) ELSE ${hash('(g - 1)')} END, ${hash('g')}
         FROM generate_series(1, $2::bigint) g`,
      [flowKeys, events],
    );
    // The newest event of each (user, flow): seq 6..10, event id u * 10 + seq.
    await client.query(
      `INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt")
       SELECT 'bulk-' || u, ($1::text[])[k], ${choice(`(u * ${EVENTS_PER_USER} + ${BULK_FLOWS} + k)`)}, 1, 'import',
              u * ${EVENTS_PER_USER} + ${BULK_FLOWS} + k, '2026-01-01T00:00:00.000Z'
         FROM generate_series(0, $2::bigint - 1) u, generate_series(1, ${BULK_FLOWS}) k`,
      [flowKeys, users],
    );
    await client.query(
      `INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt")
       SELECT 'bulk-' || u, ${EVENTS_PER_USER}, ${hash(`((u + 1) * ${EVENTS_PER_USER})`)}, false, NULL FROM generate_series(0, $1::bigint - 1) u`,
      [users],
    );
    await client.query(
      `ALTER TABLE consent_event ADD CONSTRAINT "PK_consent_event" PRIMARY KEY (id)`,
    );
    await client.query(
      `CREATE UNIQUE INDEX "UQ_consent_event_user_seq" ON consent_event ("userId", seq)`,
    );
    await client.query(
      `ALTER TABLE consent_state ADD CONSTRAINT "PK_consent_state" PRIMARY KEY ("userId", "flowKey")`,
    );
    await client.query(
      `ALTER TABLE consent_subject ADD CONSTRAINT "PK_consent_subject" PRIMARY KEY ("userId")`,
    );
    await client.query(`SELECT setval(pg_get_serial_sequence('consent_event', 'id'), $1::bigint)`, [
      events,
    ]);
    await client.query('ANALYZE consent_event, consent_state, consent_subject');
  } finally {
    await client.end();
  }
  return wall() - started;
}

interface Grown {
  rows: GrowthRow[];
  small: string;
  large: string;
  flat: boolean;
  flatNote: string;
}

/**
 * One PostgreSQL database per size, each migrated with the synthetic map imported and then
 * bulk-loaded; one instance on each, started (timed to ready) and measured interleaved:
 * decisions for users not yet cached (each request a user this instance has not read, so
 * every decision reads the user's state from the table), and writes continuing the
 * loaded users' chains.
 */
async function measureGrowth(
  cluster: PostgresCluster,
  world: SyntheticWorld,
  sizes: readonly number[],
  quick: boolean,
): Promise<Grown> {
  const flows = world.map.flows
    .filter((f) => f.mode !== 'required' && f.fields.length > 0)
    .slice(0, BULK_FLOWS);
  const flowKeys = flows.map((f) => f.key);
  const rounds = quick ? 1 : 3;
  const duration = quick ? 1 : 4;
  const sides: Array<{
    events: number;
    users: number;
    loadMs: number;
    startups: number[];
    server: ServerProcess;
    env: Record<string, string>;
    service: Record<string, string>;
    drop(): Promise<void>;
  }> = [];
  try {
    for (const events of sizes) {
      const db = await freshDatabase('postgres', cluster);
      const first = await startServerProcess(db.env, asNpmStart());
      await post(first, '/api/v1/manifest', bearer(ADMIN), manifestOfPolicyMap(world.map));
      const { token } = (await post(first, '/api/v1/service-tokens', bearer(ADMIN), {
        name: 'growth',
      })) as { token: string };
      await first.stop();
      console.log(`growth: bulk-loading ${fmt(events)} consent events…`);
      const loadMs = await bulkLoad(db.url!, events, flowKeys);
      console.log(
        `growth: ${fmt(events)} events loaded in ${(loadMs / 1000).toFixed(1)} s; starting the server`,
      );
      const { server, startupMs } = await startReady(db.env);
      sides.push({
        events,
        users: events / EVENTS_PER_USER,
        loadMs,
        startups: [startupMs],
        server,
        env: db.env,
        service: bearer(token),
        drop: db.drop,
      });
    }
    // Startup again, the sizes interleaved: the median of `rounds` starts is reported.
    for (let round = 1; round < rounds; round++) {
      for (const side of sides) {
        await side.server.stop();
        const again = await startReady(side.env);
        side.server = again.server;
        side.startups.push(again.startupMs);
      }
    }
    // Decisions go to the lower half of the users, a distinct user per request and never one
    // asked before on that instance, so every decision misses the cache; writes go to the upper half.
    const coldPerRun = Math.min(2000, Math.floor(sides[0].users / 2 / (2 * rounds)));
    const cases = syntheticRequests(world, 4096, 31);
    const coldDecisions = (side: (typeof sides)[number], from: number): LoadRequest[] =>
      Array.from({ length: coldPerRun }, (_, i) => ({
        method: 'POST',
        path: '/api/v1/decisions',
        headers: side.service,
        body: JSON.stringify({ userId: `bulk-${from + i}`, ...cases[i % cases.length].request }),
      }));
    const rng = createRng(4242);
    const writesFor = (side: (typeof sides)[number]): LoadRequest[] =>
      Array.from({ length: 4000 }, () => {
        const user = `bulk-${Math.floor(side.users / 2 + rng() * (side.users / 2))}`;
        return {
          method: 'PUT',
          path: `/api/v1/me/preferences/${pick(rng, flowKeys)}`,
          headers: bearer(userToken(user)),
          body: JSON.stringify({ granted: rng() < 0.5 }),
        };
      });
    const cells = sides.map(() => ({
      d1: [] as LoadResult[],
      d16: [] as LoadResult[],
      w1: [] as LoadResult[],
      w16: [] as LoadResult[],
      loads: [] as number[],
    }));
    // JIT: writes, and decisions for users of the upper half (the writes' users, so no user a
    // measured decision asks for is cached by it).
    for (const side of sides) {
      await loadServers([{ base: side.server.base, requests: writesFor(side) }], 16, quick ? 1 : 2);
      await loadServers([{ base: side.server.base, requests: coldDecisions(side, side.users - coldPerRun) }], 16, 1, coldPerRun);
    }
    for (let round = 0; round < rounds; round++) {
      const from = round * 2 * coldPerRun; // the same users on every size
      for (const [i, side] of sides.entries()) {
        const cell = cells[i];
        const one = (requests: LoadRequest[], connections: number, amount?: number) =>
          loadServers([{ base: side.server.base, requests }], connections, duration, amount);
        cell.loads.push(load1());
        cell.d1.push(await one(coldDecisions(side, from), 1, coldPerRun));
        cell.d16.push(await one(coldDecisions(side, from + coldPerRun), 16, coldPerRun));
        cell.w1.push(await one(writesFor(side), 1));
        cell.w16.push(await one(writesFor(side), 16));
      }
    }
    const rows = sides.map((side, i): GrowthRow => {
      const c = cells[i];
      const [d1, d16, w1, w16] = [pooled(c.d1), pooled(c.d16), medianOf(c.w1), medianOf(c.w16)];
      return {
        'stored events': fmt(side.events),
        users: fmt(side.users),
        'bulk load s': (side.loadMs / 1000).toFixed(1),
        'startup to ready ms': fmt(quantile(side.startups, 0.5)),
        'decision p50 ms': ms(d1.p50),
        'decision p99 ms': ms(d1.p99),
        'decisions/s (16)': fmt(d16.rate),
        'decision p99 ms (16)': ms(d16.p99),
        'write p50 ms': ms(w1.p50),
        'write p99 ms': ms(w1.p99),
        'writes/s (16)': fmt(w16.rate),
        load: `${Math.min(...c.loads).toFixed(1)}–${Math.max(...c.loads).toFixed(1)}`,
      };
    });
    const [small, large] = [cells[0], cells[cells.length - 1]].map((c) => pooled(c.d1));
    const [small16, large16] = [cells[0], cells[cells.length - 1]].map((c) => pooled(c.d16));
    const flatWithin = (a: number, b: number) => b <= 1.5 * a + 1;
    const flat =
      flatWithin(small.p50, large.p50) &&
      flatWithin(small.p99, large.p99) &&
      flatWithin(small16.p99, large16.p99);
    const flatNote = `1 connection: p50 ${ms(small.p50)} → ${ms(large.p50)} ms, p99 ${ms(small.p99)} → ${ms(large.p99)} ms; 16 connections: p99 ${ms(small16.p99)} → ${ms(large16.p99)} ms`;
    return { rows, small: fmt(sizes[0]), large: fmt(sizes[sizes.length - 1]), flat, flatNote };
  } finally {
    for (const side of sides) {
      await side.server.stop();
      await side.drop();
    }
  }
}

function report(r: {
  scaling: readonly string[];
  throughput: readonly ThroughputRow[];
  propagation: readonly PropagationRow[];
  grown: Grown;
  targetsTable: string;
  duration: number;
  rounds: number;
  changes: number;
  loadAtStart: number;
  world: SyntheticWorld;
}): string {
  return `## Scale: SQLite and PostgreSQL, one and two instances

${r.targetsTable}

### Throughput (acknowledged consent writes, decisions)

${markdownTable(r.throughput, ['database'])}

**How.** Two server processes (\`src/main.ts\`, as \`npm start\` runs it) on one database — one
SQLite file (WAL, \`synchronous=FULL\`), or one PostgreSQL database (Debian's package, version 15 here) in a throwaway cluster the
bench starts (\`test/support/postgres-cluster.cjs\`, the tests' cluster, started durable:
\`fsync\` and \`synchronous_commit\` on, so an acknowledged write is flushed on both databases)
— with the synthetic map
(${r.world.map.flows.length} flows). "One instance" loads A only; "two" loads A and B at once
with the connections split between them (1 each at 1 connection), from autocannon 9 in this
process. Writes are \`PUT /api/v1/me/preferences/:flowKey\` by ${fmt(WRITERS)} end users (a
write is counted when acknowledged, i.e. committed); decisions are \`POST /api/v1/decisions\`
for ${fmt(r.world.users.length)} users, warmed into each instance's cache. p99 is over every
response of every instance. Every cell ran ${r.rounds} × ${r.duration} s, the cells interleaved
(round-robin), so load changes reach both sides of every comparison; the row is the median run,
\`load\` the highest 1-minute load average seen at the start of its runs.

**Cores.** The \`cores\` columns are CPU used during the cell's runs, in cores (CPU seconds per
second, from /proc, mean of the runs): the server processes, autocannon (this process),
PostgreSQL's processes, and the whole machine — everything on it, other jobs included; 2.00 is
both cores busy.

**Two instances on this machine.** Measured here:

${r.scaling.join('\n')}

With the machine's two cores already busy when one instance is loaded, a second instance has no
core of its own to add: it splits the same two cores (with a second event loop, cache and
change-log follower to run), so "two ÷ one" near or under 1 is all this machine can show, not how
Flowgate scales. What two instances do show here is that they stay correct under concurrent load
(the non-2xx column; the chains and projections are checked in
\`test/e2e/multi-instance.e2e-spec.ts\`). A machine that shows scaling needs a core per instance
that nothing else uses, plus cores for the load generator and the database (for two instances
at least 6 cores, PostgreSQL better on its own host), and then should show, against one instance
on the same machine: decisions/s close to ×2 (each instance decides from its own cache, with no
query per decision), p99 no worse, and writes/s growing until PostgreSQL's commit rate is the
limit (SQLite: one file, one writer at a time, so writes cannot grow with instances).

### Propagation: a write on B, seen on A

${markdownTable(r.propagation, ['database'])}

${r.changes} opt-outs through B, one after another, each timed from B's acknowledgement until
a guard (\`@flowgate/sdk\` from \`dist/\`, \`remoteSource\`, in its own process) following A's
change feed decides \`deny\`, and until A's decision API answers \`deny\` (polled every 2 ms).
Both had the user cached as allowed before the write. Nothing else loads the servers meanwhile.

### Growth: stored consent rows on PostgreSQL

${markdownTable(r.grown.rows, ['stored events'])}

One database per size, migrated by a server and the synthetic map imported, then bulk-loaded
with \`generate_series\` (${EVENTS_PER_USER} events per user over ${BULK_FLOWS} flows, their
\`consent_state\` rows and chain heads; indexes rebuilt under their names; \`ANALYZE\`). The
startup is from spawning the server to its first \`200\` from \`/api/health/ready\` (migrations
checked, change-log follower caught up), the median of three starts (the first right after the
bulk load). Decisions are for users the instance has not read before (a distinct user per
request), so each one reads the user's rows from the table: p50/p99 at 1 connection, req/s and
p99 at 16, each over every decision of the rounds together (a run of a few hundred decisions has
too few for a p99 of its own), after a warm-up on other users. Writes continue the loaded users'
chains (random users of the other half), the median run. The sizes are measured interleaved,
three rounds of ${r.duration} s or at most a few thousand requests per run. PostgreSQL runs with \`shared_buffers=64MB\` (the tests' setting), so at 10 M the consent
tables and their indexes do not fit in its buffers and lookups go to the OS page cache.

**Machine.** ${machineNote()}; load average ${r.loadAtStart.toFixed(2)} when this bench started.
Shared 2-core VM: other jobs ran at the same time (see the \`load\` columns).

**Reproduce.** \`npm run bench -- scale\` (\`--quick\`: 1 s runs, 100 changes, 10 k / 100 k
rows; \`--write-docs\` rewrites this section). Needs Debian's \`postgresql\` package, as the
tests do.
`;
}
