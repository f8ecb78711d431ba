/**
 * Consent writes: acknowledged changes per second, with SQLite in WAL mode and
 * `synchronous=FULL` (the server refuses to start otherwise), against the real server in a
 * child process, driven by autocannon over loopback with end-user tokens, interleaved with
 * bare scripts writing the same rows (`consent-writes-baseline.ts`) through the same sqlite3
 * driver and through better-sqlite3; then the same on PostgreSQL against a bare `pg` script,
 * when PostgreSQL is installed. After the load the database is opened directly to check
 * that every acknowledged change is stored.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { dataSourceOptions } from '../src/database/data-source-options';
import { openDatabase } from '../src/database/database.module';
import { startServerProcess, type ServerProcess } from '../test/factories/server-process.factory';
import { asNpmStart } from './support/as-npm-start';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import { BASELINE_USERS, type BaselineDriver, type Result } from './consent-writes-baseline';
import { fmt, load, startBenchServer, userToken, USER_SECRET, type LoadRequest, type LoadResult } from './decision-api.bench';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { startCpuCount } from './support/cpu';
import { createRng, DEFAULT_WORLD, pick, sample, syntheticWorld } from './synthetic-map';

const ROUNDS = 3;
const USERS = BASELINE_USERS;
const CONNECTIONS = [1, 16, 64] as const;
/** The targets (issue 16): Flowgate ≥ this share of each baseline, at 16 and 64 connections. */
const TARGETS: Record<BaselineDriver, number> = { sqlite3: 0.6, 'better-sqlite3': 0.3, pg: 0.6 };
const TARGET_AT = [16, 64];

type System = 'flowgate' | BaselineDriver | 'flowgate-pg';

interface Measured {
  rates: number[];
  p99: number[];
  non2xx: number;
  /** Flowgate on SQLite: the server process's CPU µs per acknowledged change, and requests per group commit, per round. */
  cpuUs: number[];
  batch: number[];
}

const execFileAsync = promisify(execFile);

/** One baseline measurement, in a process of its own (as the server is). */
async function baseline(driver: BaselineDriver, target: string, clients: number, seconds: number, flows: readonly string[]): Promise<Result> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'consent-writes-baseline.ts'), driver, target, String(clients), String(seconds), flows.join(',')],
    { cwd: join(__dirname, '..'), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

function countEvents(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) => {
      if (error) return reject(error);
      db.get('SELECT COUNT(*) AS n FROM consent_event', (err, row: { n: number }) => {
        db.close();
        if (err) reject(err);
        else resolve(row.n);
      });
    });
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick;
  const duration = quick ? 2 : 5;
  const rounds = quick ? 1 : ROUNDS;
  const world = syntheticWorld({ users: 1 });
  const flows = world.map.flows.filter((f) => f.mode !== 'required').map((f) => f.key);
  const rng = createRng(DEFAULT_WORLD.seed + 1);
  const tokens = Array.from({ length: USERS }, (_, i) => `Bearer ${userToken(`writer-${i}`)}`);
  // One change per request: a random user toggles a random consent-based flow.
  const single: LoadRequest[] = Array.from({ length: 20_000 }, () => ({
    method: 'PUT',
    path: `/api/v1/me/preferences/${pick(rng, flows)}`,
    headers: { Authorization: pick(rng, tokens), 'Content-Type': 'application/json' },
    body: JSON.stringify({ granted: rng() < 0.5 }),
  }));
  // Five changes per request, applied atomically.
  const five: LoadRequest[] = Array.from({ length: 5000 }, () => ({
    method: 'PUT',
    path: '/api/v1/me/preferences',
    headers: { Authorization: pick(rng, tokens), 'Content-Type': 'application/json' },
    body: JSON.stringify({ changes: sample(rng, flows, 5).map((flowKey) => ({ flowKey, granted: rng() < 0.5 })) }),
  }));

  console.log(`\nConsent writes: ${fmt(flows.length)} consent-based flows, ${fmt(USERS)} users, ${rounds} interleaved rounds of ${duration} s`);
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-writes-bench-'));
  const files: Record<'sqlite3' | 'better-sqlite3', string> = { sqlite3: join(dir, 'bare-sqlite3.sqlite'), 'better-sqlite3': join(dir, 'bare-better.sqlite') };
  for (const file of Object.values(files)) {
    // The baselines write into Flowgate's own schema (its migrations: tables, indexes, triggers).
    const ds = await openDatabase(dataSourceOptions({ database: 'sqlite', databasePath: file, databaseUrl: null, databasePoolSize: 1, sqliteBusyTimeoutMs: 5000 }));
    await ds.destroy();
  }
  const results = new Map<string, Measured>();
  const record = (system: System, connections: number, rate: number, r?: LoadResult, server?: { cpuUs: number; batch: number }) => {
    const key = `${system}@${connections}`;
    const m = results.get(key) ?? { rates: [], p99: [], non2xx: 0, cpuUs: [], batch: [] };
    if (server) {
      m.cpuUs.push(server.cpuUs);
      m.batch.push(server.batch);
    }
    m.rates.push(rate);
    if (r) {
      m.p99.push(r.p99);
      m.non2xx += r.non2xx + r.errors;
    }
    results.set(key, m);
  };

  const b = await startBenchServer(world, asNpmStart());
  /** Group commits so far and the requests they acknowledged (the server's own histogram). */
  const commits = async () => {
    const text = await (await fetch(`${b.server.base}/metrics`, { headers: b.admin })).text();
    const value = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
    return { batches: value('flowgate_consent_commit_batch_requests_count'), requests: value('flowgate_consent_commit_batch_requests_sum') };
  };
  let acked = 0;
  let fiveRate = 0;
  let failures = 0;
  try {
    acked += Math.round((await load(b.server.base, single, 16, quick ? 1 : 3)).rate * (quick ? 1 : 3)); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const connections of CONNECTIONS) {
        for (const driver of ['sqlite3', 'better-sqlite3'] as const) {
          const r = await baseline(driver, files[driver], connections, duration, flows);
          record(driver, connections, r.changes / r.seconds);
        }
        const before = await commits();
        const pid = b.server.child.pid!;
        const cpu = startCpuCount({ server: () => [pid] });
        const one = await load(b.server.base, single, connections, duration);
        const cores = cpu.stop().groups.server;
        const after = await commits();
        acked += Math.round(one.rate * duration);
        record('flowgate', connections, one.rate, one, {
          cpuUs: one.rate > 0 ? (cores * 1e6) / one.rate : NaN,
          batch: (after.requests - before.requests) / (after.batches - before.batches),
        });
        console.log(
          `round ${round + 1}, ${connections} connections: Flowgate ${fmt(one.rate)}, sqlite3 ${fmt(results.get(`sqlite3@${connections}`)!.rates.at(-1)!)}, ` +
            `better-sqlite3 ${fmt(results.get(`better-sqlite3@${connections}`)!.rates.at(-1)!)} changes/s; ` +
            `server ${fmt(results.get(`flowgate@${connections}`)!.cpuUs.at(-1)!)} µs CPU per change, ${results.get(`flowgate@${connections}`)!.batch.at(-1)!.toFixed(1)} requests per commit`,
        );
      }
    }
    const f = await load(b.server.base, five, 64, duration);
    fiveRate = f.rate * 5;
    acked += Math.round(f.rate * duration) * 5;
    await b.server.stop();
    const stored = await countEvents(join(b.dir, 'flowgate.sqlite'));
    // autocannon counts only responses that arrived in time: a few more may be stored.
    if (stored < acked) failures++;
    console.log(`acknowledged ≈ ${fmt(acked)} changes; ${fmt(stored)} events stored`);

    const postgres = await postgresRounds(world, single, flows, duration, rounds, record);
    const lines = table(results, postgres !== null);
    console.log(lines.join('\n'));
    return {
      name: 'consent-writes',
      markdown: markdown(lines, { acked, stored, duration, rounds, flows: flows.length, fiveRate, postgres }),
      failures,
    };
  } finally {
    await b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface PostgresNote {
  version: string;
}

/** Flowgate on PostgreSQL (one instance) and a bare `pg` script, interleaved, on one durable throwaway cluster. */
async function postgresRounds(
  world: ReturnType<typeof syntheticWorld>,
  single: readonly LoadRequest[],
  flows: readonly string[],
  duration: number,
  rounds: number,
  record: (system: System, connections: number, rate: number, r?: LoadResult) => void,
): Promise<PostgresNote | null> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startCluster } = require('../test/support/postgres-cluster.cjs') as {
    startCluster(options: { durable: boolean }): Promise<{ url: string; stop(): void }>;
  };
  let cluster: { url: string; stop(): void };
  try {
    cluster = await startCluster({ durable: true });
  } catch (error) {
    console.log(`PostgreSQL part skipped: ${(error as Error).message}`);
    return null;
  }
  let server: ServerProcess | undefined;
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE flowgate_bench');
    await admin.query('CREATE DATABASE bare_bench');
    const version = String((await admin.query('SHOW server_version')).rows[0].server_version);
    await admin.end();
    const url = (db: string) => cluster.url.replace(/\/postgres$/, `/${db}`);
    const ds = await openDatabase(dataSourceOptions({ database: 'postgres', databasePath: '', databaseUrl: url('bare_bench'), databasePoolSize: 2, sqliteBusyTimeoutMs: 5000 }));
    await ds.destroy();
    server = await startServerProcess({
      DATABASE_URL: url('flowgate_bench'),
      FLOWGATE_DEMO: '0',
      FLOWGATE_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
      FLOWGATE_USER_TOKEN_SECRET: USER_SECRET,
      FLOWGATE_SEED_MANIFEST: '',
      LOG_LEVEL: 'log', // startServerProcess waits for the "API http://…" line
      // Passed on when set, to compare the writer with one and two batches in flight.
      ...(process.env.DATABASE_CONSENT_IN_FLIGHT ? { DATABASE_CONSENT_IN_FLIGHT: process.env.DATABASE_CONSENT_IN_FLIGHT } : {}),
    }, asNpmStart());
    const imported = await fetch(`${server.base}/api/v1/manifest`, {
      method: 'POST',
      headers: { Authorization: 'Bearer bench-admin-token-0123456789abcdef', 'Content-Type': 'application/json' },
      body: JSON.stringify(manifestOfPolicyMap(world.map)),
    });
    if (imported.status !== 201) throw new Error(`manifest import failed: ${imported.status}`);
    await load(server.base, single, 16, 2); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const connections of CONNECTIONS) {
        const bare = await baseline('pg', url('bare_bench'), connections, duration, flows);
        record('pg', connections, bare.changes / bare.seconds);
        const one = await load(server.base, single, connections, duration);
        record('flowgate-pg', connections, one.rate, one);
        console.log(`PostgreSQL round ${round + 1}, ${connections} connections: Flowgate ${fmt(one.rate)}, bare pg ${fmt(bare.changes / bare.seconds)} changes/s`);
      }
    }
    return { version };
  } finally {
    await server?.stop();
    cluster.stop();
  }
}

/** The markdown table: medians per system and connections, Flowgate's ratios and the targets. */
function table(results: ReadonlyMap<string, Measured>, withPostgres: boolean): string[] {
  const rate = (system: System, c: number) => median(results.get(`${system}@${c}`)?.rates ?? [NaN]);
  const lines = [
    '| database | connections | Flowgate changes/s | p99 ms | bare script, same driver | Flowgate ÷ bare | better-sqlite3 script | Flowgate ÷ better-sqlite3 | server CPU µs per change | requests per commit |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const verdict = (ratio: number, target: number, c: number) =>
    `${ratio.toFixed(2)}×${TARGET_AT.includes(c) ? ` (≥ ${target}: ${ratio >= target ? 'met' : '**not met**'})` : ''}`;
  for (const c of CONNECTIONS) {
    const fg = rate('flowgate', c);
    const p99 = median(results.get(`flowgate@${c}`)?.p99 ?? [NaN]);
    const s3 = rate('sqlite3', c);
    const bs = rate('better-sqlite3', c);
    const m = results.get(`flowgate@${c}`);
    const cpuUs = median(m?.cpuUs.length ? m.cpuUs : [NaN]);
    const batch = median(m?.batch.length ? m.batch : [NaN]);
    lines.push(
      `| SQLite | ${c} | ${fmt(fg)} | ${p99} | ${fmt(s3)} (sqlite3) | ${verdict(fg / s3, TARGETS.sqlite3, c)} | ${fmt(bs)} | ${verdict(fg / bs, TARGETS['better-sqlite3'], c)} | ${fmt(cpuUs)} | ${batch.toFixed(1)} |`,
    );
  }
  if (withPostgres) {
    for (const c of CONNECTIONS) {
      const fg = rate('flowgate-pg', c);
      const p99 = median(results.get(`flowgate-pg@${c}`)?.p99 ?? [NaN]);
      const bare = rate('pg', c);
      lines.push(`| PostgreSQL | ${c} | ${fmt(fg)} | ${p99} | ${fmt(bare)} (pg) | ${verdict(fg / bare, TARGETS.pg, c)} | | | | |`);
    }
  }
  return lines;
}

function markdown(
  lines: readonly string[],
  r: { acked: number; stored: number; duration: number; rounds: number; flows: number; fiveRate: number; postgres: PostgresNote | null },
): string {
  return `## Consent writes (acknowledged, \`synchronous=FULL\`)

${lines.join('\n')}

Five changes per request (\`PUT /api/v1/me/preferences\`, atomic), 64 connections: ${fmt(r.fiveRate)} changes/s.

**What is measured.** A 2xx from a consent write means the change is committed: SQLite in WAL
mode with \`synchronous=FULL\` (checked at boot; the server refuses to start otherwise), so the
commit is fsynced before the answer. Each change is a hash-chained \`consent_event\`, the
\`consent_state\` projection, the user's chain head (\`consent_subject\`) and a \`change_log\` row
for the SSE feed; each group-commit batch also gets one Ed25519-signed \`consent_checkpoint\`; all
in one transaction. Each figure is the median of ${r.rounds} interleaved rounds of ${r.duration} s
(every round runs the three systems one after the other at each connection count).

**Flowgate.** The server runs as \`npm start\` does (compiled, in its own process, its access log
to a file), on a fresh SQLite file
with the synthetic map (${r.flows} consent-based flows); autocannon in the bench process sends
\`PUT /api/v1/me/preferences/:flowKey {"granted": …}\` with end-user tokens of ${fmt(USERS)} users (a
random user and flow per request). Writes that arrive while a transaction runs wait for the
next one, which takes all of them: multi-row statements, prepared once and reused, on the
sqlite3 connection; chain heads and next ids held by the writer while \`PRAGMA data_version\`
says no other connection wrote (read inside each transaction, alongside its statements).
"Server CPU µs per change" is the server process's CPU time (all its threads, from /proc)
during the run over the changes it acknowledged (median of the rounds); "requests per
commit" is the mean group-commit size in that run (the server's
\`flowgate_consent_commit_batch_requests\` histogram).

**Baselines** (\`bench/consent-writes-baseline.ts\`, each run in a process of its own, as the
server is). A bare script writes the same rows, into the same schema (Flowgate's migrations,
triggers included), with the same pragmas, hashing and signing with the same functions, for the
same random users and flows: *N* async clients each write one change and wait for its commit
before the next (as one HTTP connection does), and a writer group-commits every waiting change
into one transaction (at most 500, as Flowgate's writer), multi-row statements prepared once,
heads and ids in memory. One through the same \`sqlite3\` driver, one through better-sqlite3
(synchronous: the batch is taken after one \`setImmediate\`, so every ready client joins it).
There is no HTTP, token check, validation or change feed in the baselines: Flowgate's figure
pays for all of them (and shares the two cores with autocannon), so the ratio includes the HTTP
platform's cost, which is measured apart in the decision-API section.
${
  r.postgres
    ? `
**PostgreSQL.** A throwaway PostgreSQL ${r.postgres.version} cluster (\`test/support/postgres-cluster.cjs\`, with
\`fsync\` and \`synchronous_commit\` left on: a 2xx means the commit is durable), one Flowgate
instance (\`DATABASE_URL\`, pool of 10) and a bare \`pg\` script on one connection writing the same
rows with the same group commit (named prepared statements), interleaved the same way. Flowgate's batch on
PostgreSQL is one statement in autocommit, \`flowgate_consent_write\` (migration 1798700000001): built on
the heads, newest checkpoint and next event id the writer remembers of its own last batch, which
the function checks under the locks before it writes every row, the change log and the NOTIFY (the
first batch, and one another instance outdated twice, take the two round trips of
\`flowgate_consent_begin\` and \`flowgate_consent_commit\`); the bare script sends one statement at a time.
`
    : `
**PostgreSQL.** Not measured in this run (PostgreSQL not installed).
`
}
**Check.** After the SQLite runs the server was stopped and its database opened directly:
${fmt(r.stored)} events stored for ≈ ${fmt(r.acked)} acknowledged changes (autocannon stops counting
at the end of each run, so a few more may be stored; never fewer). Survival of acknowledged
changes across \`kill -9\` is tested in \`test/e2e/durability.e2e-spec.ts\`.

**Machine.** ${machineNote()}. Shared 2-core VM (load generator, server and baselines share it),
local disk; fsync latency and other work on the machine move these numbers between runs, which
is why the systems are interleaved and compared by ratio.

**Reproduce.** \`npm run bench -- consent-writes\` (\`--write-docs\` rewrites this section).
`;
}
