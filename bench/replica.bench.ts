/**
 * Read replicas: decisions for users an instance has not cached (each one a consent-cache
 * fill), on PostgreSQL, from an instance reading the primary and from one with
 * `DATABASE_REPLICA_URL` at a streaming standby of it — both instances on the same database,
 * the cells interleaved in one run. Kept apart from scale.bench.ts (its own cluster and
 * standby). On this 2-core machine the standby shares the cores with the primary, both
 * instances and autocannon, so the figure says what a fill from a replica costs here, not
 * what a replica on its own machine would add.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { aConsentManifest } from '../test/factories/consent-app.factory';
import { startServerProcess, type ServerProcess } from '../test/factories/server-process.factory';
import { asNpmStart } from './support/as-npm-start';
import { adminQuery } from '../test/support/test-database';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { loadServers, markdownTable, medianOf, type LoadRequest, type LoadResult } from './support/load';

interface Cluster {
  url: string;
  bin: string;
  stop(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster, startStandby } = require('../test/support/postgres-cluster.cjs') as {
  startCluster(options?: { durable?: boolean }): Promise<Cluster>;
  startStandby(primary: Cluster, options?: { durable?: boolean }): Promise<{ url: string; remove(): void }>;
};

const ADMIN = 'replica-bench-admin-token-0123456789abcdef';
const CONNECTIONS = 16;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const inDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function replicaReads(server: ServerProcess): Promise<Record<'replica' | 'lagging' | 'down', number>> {
  const text = await (await fetch(`${server.base}/metrics`, { headers: { Authorization: `Bearer ${ADMIN}` } })).text();
  const count = (o: string) => Number(new RegExp(`^flowgate_replica_reads_total\\{outcome="${o}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { replica: count('replica'), lagging: count('lagging'), down: count('down') };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const duration = options.quick ? 1 : 4;
  const rounds = options.quick ? 1 : 3;
  console.log('\nReplica: starting PostgreSQL, a streaming standby and two instances…');
  const loadAtStart = loadavg()[0];
  // Durable, as in production: a commit is flushed before it is acknowledged and streamed.
  const primary = await startCluster({ durable: true });
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-replica-bench-'));
  let standby: { url: string; remove(): void } | undefined;
  const servers: ServerProcess[] = [];
  try {
    await adminQuery(primary.url, 'CREATE DATABASE flowgate_bench');
    standby = await startStandby(primary, { durable: true });
    const env = {
      DATABASE_URL: inDatabase(primary.url, 'flowgate_bench'),
      FLOWGATE_DEMO: '0',
      FLOWGATE_ADMIN_TOKEN: ADMIN,
      FLOWGATE_USER_TOKEN_SECRET: 'replica-bench-user-token-secret-0123456789',
      FLOWGATE_SEED_MANIFEST: '',
      FLOWGATE_DATA_DIR: dir,
      AUDIT_RETENTION_DAYS: '0',
    };
    const onPrimary = await startServerProcess(env, asNpmStart());
    servers.push(onPrimary);
    const withReplica = await startServerProcess({ ...env, DATABASE_REPLICA_URL: inDatabase(standby.url, 'flowgate_bench') }, asNpmStart());
    servers.push(withReplica);
    const admin = { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' };
    const posted = async (path: string, body: unknown) => {
      const res = await fetch(`${onPrimary.base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ token: string }>;
    };
    await posted('/api/v1/manifest', aConsentManifest());
    const { token } = await posted('/api/v1/service-tokens', { name: 'replica-bench' });
    const service = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

    // Every request a user never decided before (so every decision waits for a fill).
    let run = 0;
    const fresh = (): LoadRequest[] => {
      run++;
      return Array.from({ length: 60_000 }, (_, i) => ({
        method: 'POST',
        path: '/api/v1/decisions',
        headers: service,
        body: JSON.stringify({ userId: `u${run}-${i}`, subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'] }),
      }));
    };
    const sides = [
      { name: 'primary only', server: onPrimary },
      { name: 'caught-up replica', server: withReplica },
    ];
    for (const s of sides) await loadServers([{ base: s.server.base, requests: fresh() }], CONNECTIONS, 1); // warm-up
    const runs = sides.map(() => [] as LoadResult[]);
    const before = await replicaReads(withReplica);
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of sides.entries()) runs[i].push(await loadServers([{ base: s.server.base, requests: fresh() }], CONNECTIONS, duration));
    }
    const after = await replicaReads(withReplica);
    const loadAtEnd = loadavg()[0];
    const rows = sides.map((s, i) => {
      const m = medianOf(runs[i]);
      return {
        'decisions for uncached users': s.name,
        'decisions/s (runs)': `${fmt(m.rate)} (${m.all.map(fmt).join(', ')})`,
        'p50 ms': m.p50.toFixed(1),
        'p99 ms': m.p99.toFixed(1),
        'non-2xx / errors': `${m.non2xx} / ${m.errors}`,
      };
    });
    const failures = runs.flat().reduce((n, r) => n + r.non2xx + r.errors, 0);
    const fills = { replica: after.replica - before.replica, lagging: after.lagging - before.lagging, down: after.down - before.down };
    const markdown = `## Read replicas: decisions for uncached users

\`npm run bench -- replica\`. One PostgreSQL primary (durable), a streaming standby of it
(\`pg_basebackup -R\`, on the same machine), and two instances on the same database: one reads
the primary only, the other has \`DATABASE_REPLICA_URL\` at the standby. Every request decides
for a user the instance has never seen (no consent rows), so every decision waits for a
consent-cache fill; ${CONNECTIONS} connections, ${rounds} × ${duration} s per side, interleaved.
Load average ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at the end. ${machineNote()}

${markdownTable(rows, ['decisions for uncached users'])}

Fill reads of the instance with the replica during the measured runs (each one read for every
user missing at that moment): ${fmt(fills.replica)} from the replica, ${fmt(fills.lagging)} from the primary because it
lagged, ${fmt(fills.down)} because it did not answer. The runs vary by more than the two sides differ
on a shared machine; what holds is that nothing fell back and no answer failed. On this machine the standby, the primary, both instances and autocannon share two cores: a
replica here takes cores from the primary rather than adding any, so this says what a fill
through the replica path costs, not the capacity a replica on its own machine adds.
`;
    return { name: 'replica', markdown, failures };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    standby?.remove();
    primary.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
