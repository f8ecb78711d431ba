/**
 * Not a bench (bench/run.ts does not run it): where PostgreSQL's time goes in write cells
 * like the scale bench's. A durable throwaway cluster with pg_stat_statements (track = all,
 * so the statements inside the consent functions count too), one deployment as the scale
 * bench starts it (A and B on one database, the synthetic map, 5,000 writers), and per cell
 * the writes/s, the cores of the servers loaded and of PostgreSQL, and the top statements.
 *
 *   npx ts-node-transpile-only bench/pg-statements.ts [all|idle|alone] [seconds] [connections, default 1,16]
 *
 * `all`: A alone (B idle), A and B, A alone after them, at 1 and 16 connections; `idle`: A
 * with B idle only; `alone`: A with no B at all. Each cell also reports the servers' group
 * commits (from `/metrics`): batches/s, requests a batch, ms a batch. `PROBE_EXPLAIN=<ms>`
 * loads auto_explain too and prints the server log (each statement's analyzed plan, nested
 * ones included) at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signUserToken } from '../src/auth/user-token';
import { startServerProcess, type ServerProcess } from '../test/factories/server-process.factory';
import { asNpmStart } from './support/as-npm-start';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import { startCpuCount, withChildren } from './support/cpu';
import { loadServers, type LoadRequest } from './support/load';
import { createRng, pick, syntheticWorld } from './synthetic-map';
import { SCALE_ADMIN, SCALE_USER_SECRET, scaleServerEnv } from './support/scale-env';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/support/postgres-cluster.cjs') as {
  startCluster(o: { durable: boolean }): Promise<{ url: string; dir: string; bin: string; stop(): void }>;
};
const ADMIN = SCALE_ADMIN;
const USER_SECRET = SCALE_USER_SECRET;
const bearer = (t: string) => ({ Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' });

async function q(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function main() {
  let stopCluster = () => {};
  process.on('exit', () => stopCluster());
  const mode = process.argv[2] ?? 'all';
  const dur = Number(process.argv[3] ?? 4);
  const connections = (process.argv[4] ?? '1,16').split(',').map(Number);
  const cluster = await startCluster({ durable: true });
  stopCluster = () => cluster.stop();
  const asPg = userInfo().uid === 0;
  const ctl = (args: string[]) =>
    execFileSync(asPg ? 'runuser' : join(cluster.bin, 'pg_ctl'), asPg ? ['-u', 'postgres', '--', join(cluster.bin, 'pg_ctl'), ...args] : args);
  // PROBE_EXPLAIN=<ms>: also log the plan (analyzed) of every statement, nested ones too, slower than that.
  const explain = process.env.PROBE_EXPLAIN;
  await q(cluster.url, `ALTER SYSTEM SET shared_preload_libraries = ${explain ? "pg_stat_statements, auto_explain" : 'pg_stat_statements'}`);
  try {
    ctl(['-D', join(cluster.dir, 'data'), '-l', join(cluster.dir, 'server.log'), '-w', '-t', '60', 'restart']);
  } catch (error) {
    console.error(readFileSync(join(cluster.dir, 'server.log'), 'utf8').slice(-2000));
    throw error;
  }
  console.log('restarted');
  await q(cluster.url, `ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
  if (explain) {
    for (const [k, v] of [['log_min_duration', `${Number(explain)}ms`], ['log_nested_statements', 'on'], ['log_analyze', 'on']])
      await q(cluster.url, `ALTER SYSTEM SET auto_explain.${k} = '${v}'`);
  }
  await q(cluster.url, `SELECT pg_reload_conf()`);
  const name = 'flowgate_probe';
  await q(cluster.url, `CREATE DATABASE ${name}`);
  const url = cluster.url.replace(/\/postgres$/, `/${name}`);
  await q(url, 'CREATE EXTENSION pg_stat_statements');
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-probe-'));
  const env = scaleServerEnv(dir, { DATABASE_URL: url });
  const world = syntheticWorld({ users: 10_000 });
  const optional = world.map.flows.filter((f) => f.mode !== 'required').map((f) => f.key);
  const rng = createRng(1313);
  const tokens = Array.from({ length: 5000 }, (_, i) =>
    bearer(signUserToken(USER_SECRET, { sub: `writer-${i}`, exp: Math.floor(Date.now() / 1000) + 6 * 3600 })),
  );
  const writes: LoadRequest[] = Array.from({ length: 20_000 }, () => ({
    method: 'PUT',
    path: `/api/v1/me/preferences/${pick(rng, optional)}`,
    headers: pick(rng, tokens),
    body: JSON.stringify({ granted: rng() < 0.5 }),
  }));
  const a = await startServerProcess(env, asNpmStart());
  const b: ServerProcess | null = mode === 'alone' ? null : await startServerProcess(env, asNpmStart());
  const res = await fetch(`${a.base}/api/v1/manifest`, { method: 'POST', headers: bearer(ADMIN), body: JSON.stringify(manifestOfPolicyMap(world.map)) });
  if (res.status !== 201) throw new Error(String(res.status));
  const postmaster = Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const target = (s: ServerProcess) => ({ base: s.base, requests: writes });
  await loadServers(b ? [target(a), target(b)] : [target(a)], 16, 3);
  // Group commits so far (count, requests) of each server, from its `/metrics`.
  const batches = async (servers: ServerProcess[]) => {
    let count = 0;
    let sum = 0;
    for (const s of servers) {
      const text = await (await fetch(`${s.base}/metrics`, { headers: bearer(ADMIN) })).text();
      count += Number(/^flowgate_consent_commit_batch_requests_count (\S+)/m.exec(text)?.[1] ?? 0);
      sum += Number(/^flowgate_consent_commit_batch_requests_sum (\S+)/m.exec(text)?.[1] ?? 0);
    }
    return { count, sum };
  };
  const cell = async (label: string, servers: ServerProcess[], c: number) => {
    await q(url, 'SELECT pg_stat_statements_reset()');
    const before = await batches(servers);
    const cpu = startCpuCount({ servers: () => servers.map((s) => s.child.pid!), pg: () => withChildren(postmaster) });
    const r = await loadServers(servers.map(target), c, dur);
    const used = cpu.stop();
    const after = await batches(servers);
    const n = after.count - before.count;
    const perServer = (r: number) => (r * servers.length) / n;
    const rows = await q(
      url,
      `SELECT calls, round(total_exec_time::numeric,1) AS ms, round((total_exec_time/calls)::numeric,3) AS per, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '${name}') ORDER BY total_exec_time DESC LIMIT 14`,
    );
    console.log(`\n== ${label} c=${c}: ${Math.round(r.rate)} writes/s, servers ${used.groups.servers.toFixed(2)} pg ${used.groups.pg.toFixed(2)} machine ${used.machine.toFixed(2)} load ${loadavg()[0].toFixed(2)} non2xx ${r.non2xx + r.errors}; ` +
        `${n} batches (${(n / dur).toFixed(0)}/s) of ${((after.sum - before.sum) / n).toFixed(1)} requests, ${perServer(dur * 1000).toFixed(2)} ms a batch per server`);
    console.table(rows);
  };
  for (const c of connections) {
    await cell('A alone' + (b ? ' (B idle)' : ''), [a], c);
    if (b && mode !== 'idle') {
      await cell('A+B', [a, b], c);
      await cell('A after A+B', [a], c);
    }
  }
  if (explain) console.log(readFileSync(join(cluster.dir, 'server.log'), 'utf8'));
  await a.stop();
  await b?.stop();
  stopCluster = () => {};
  cluster.stop();
}
void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
