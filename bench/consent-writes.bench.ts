/**
 * Consent writes: acknowledged changes per second and latency, with SQLite in WAL mode and
 * `synchronous=FULL` (the server refuses to start otherwise), against the real server in a
 * child process, driven by autocannon over loopback with end-user tokens. After the load the
 * database is opened directly to check that every acknowledged change is stored.
 */
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import {
  fmt,
  load,
  medianLoad,
  startBenchServer,
  userToken,
  type LoadRequest,
} from './decision-api.bench';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { createRng, DEFAULT_WORLD, pick, sample, syntheticWorld } from './synthetic-map';

const RUNS = 3;
const USERS = 5000;

type Row = Record<'write' | 'connections' | 'requests/s' | 'changes/s' | 'p50 ms' | 'p99 ms' | 'non-2xx', string>;

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

export async function run(options: BenchOptions): Promise<BenchReport> {
  const quick = options.quick;
  const duration = quick ? 2 : 10;
  const runs = quick ? 1 : RUNS;
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

  console.log(`\nConsent writes: ${fmt(flows.length)} consent-based flows, ${fmt(USERS)} users`);
  const b = await startBenchServer(world);
  let acked = 0;
  try {
    const rows: Row[] = [];
    const measure = async (write: string, requests: LoadRequest[], connections: number, perRequest: number) => {
      const r = await medianLoad(runs, async () => {
        const one = await load(b.server.base, requests, connections, duration);
        acked += Math.round(one.rate * duration) * perRequest;
        return one;
      });
      rows.push({
        write,
        connections: String(connections),
        'requests/s': fmt(r.rate),
        'changes/s': fmt(r.rate * perRequest),
        'p50 ms': String(r.p50),
        'p99 ms': String(r.p99),
        'non-2xx': String(r.non2xx + r.errors),
      });
      console.log(`${write}, ${connections} connections: ${fmt(r.rate * perRequest)} changes/s (runs ${r.all.map((x) => fmt(x * perRequest)).join(', ')}), p99 ${r.p99} ms`);
    };
    acked += Math.round((await load(b.server.base, single, 16, quick ? 1 : 3)).rate * (quick ? 1 : 3)); // warm-up
    await measure('PUT /me/preferences/:flowKey (1 change)', single, 1, 1);
    await measure('PUT /me/preferences/:flowKey (1 change)', single, 16, 1);
    await measure('PUT /me/preferences/:flowKey (1 change)', single, 64, 1);
    await measure('PUT /me/preferences/:flowKey (1 change)', single, 256, 1);
    await measure('PUT /me/preferences (5 changes, atomic)', five, 64, 5);
    console.table(rows);

    await b.server.stop();
    const stored = await countEvents(join(b.dir, 'flowgate.sqlite'));
    // autocannon counts only responses that arrived in time: a few more may be stored.
    const failures = stored >= acked ? 0 : 1;
    console.log(`acknowledged ≈ ${fmt(acked)} changes; ${fmt(stored)} events stored`);
    return { name: 'consent-writes', markdown: markdown(rows, acked, stored, duration, runs, flows.length), failures };
  } finally {
    await b.stop();
  }
}

function markdown(rows: readonly Row[], acked: number, stored: number, duration: number, runs: number, flows: number): string {
  const headers = Object.keys(rows[0]) as (keyof Row)[];
  const table = [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h) => (h === 'write' ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
  return `## Consent writes (acknowledged, \`synchronous=FULL\`)

${table}

**What is measured.** A 2xx from a consent write means the change is committed: SQLite in WAL
mode with \`synchronous=FULL\` (checked at boot; the server refuses to start otherwise), so the
commit is fsynced before the answer. Each change is a hash-chained \`consent_event\`, its notice,
the \`consent_state\` projection, the user's chain head and a \`change_log\` row for the SSE feed,
all in one transaction. "changes/s" counts acknowledged changes; each row is the median of ${runs}
runs of ${duration} s (p50/p99 of that run).

**How.** The server runs as \`npm start\` does, in its own process, on a fresh SQLite file with the
synthetic map (${flows} consent-based flows); autocannon 9 in this process sends
\`PUT /api/v1/me/preferences/:flowKey {"granted": …}\` with end-user tokens of ${fmt(USERS)} users
(a random user and flow per request), or five changes per \`PUT /api/v1/me/preferences\`.

**Group commit.** Writes that arrive while a transaction runs wait for the next one, which takes
all of them (set-based INSERTs, one commit, one fsync): throughput grows with concurrency while
each request stays all-or-nothing and is answered only after its commit.

**Check.** After the runs the server was stopped and the database opened directly:
${fmt(stored)} events stored for ≈ ${fmt(acked)} acknowledged changes (autocannon stops counting
at the end of each run, so a few more may be stored; never fewer). Survival of acknowledged
changes across \`kill -9\` is tested in \`test/e2e/durability.e2e-spec.ts\`.

**Machine.** ${machineNote()}. Shared 2-core VM (load generator and server share it), local
disk; fsync latency and other work on the machine move these numbers between runs.

**Reproduce.** \`npm run bench -- consent-writes\` (\`--write-docs\` rewrites this section).
`;
}
