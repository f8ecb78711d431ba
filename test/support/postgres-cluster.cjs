/**
 * A throwaway PostgreSQL cluster for the tests: `initdb` + `pg_ctl` from Debian's
 * `postgresql` package (/usr/lib/postgresql/<version>/bin, newest version found, or
 * FLOWGATE_PG_BIN), in a temp folder, on a free loopback port, run as the `postgres` user
 * when we are root (PostgreSQL refuses to run as root). Durability settings are off (the
 * cluster lives for one test run) unless `{ durable: true }`: then commits are flushed as in
 * production (`fsync`, `synchronous_commit`, `full_page_writes` at their defaults), for
 * benchmarks that count acknowledged writes.
 */
const { execFileSync } = require('node:child_process');
const { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');

function findBin() {
  if (process.env.FLOWGATE_PG_BIN) return process.env.FLOWGATE_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error('PostgreSQL not found (/usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or set FLOWGATE_PG_BIN');
  }
  return join(root, versions[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function run(bin, args, asPostgres) {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();
}

/** The folder a cluster lives in, owned by `postgres` when we are root. */
function clusterDir(asPostgres) {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-pg-'));
  if (asPostgres) {
    const uid = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(uid), Number(gid));
  }
  return dir;
}

function serverOptions(port, dir, durable) {
  return [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    '-c max_connections=300',
    '-c shared_buffers=64MB',
  ].join(' ');
}

/** Starts a cluster; resolves with `{ url, dir, bin, stop() }` (`url`: the `postgres` database, user `flowgate`). */
async function startCluster({ durable = false } = {}) {
  const bin = findBin();
  const asPostgres = userInfo().uid === 0;
  const dir = clusterDir(asPostgres);
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'flowgate', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync'], asPostgres);
  const options = serverOptions(port, dir, durable);
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], asPostgres);
  const url = `postgres://flowgate@127.0.0.1:${port}/postgres`;
  return {
    url,
    dir,
    bin,
    stop() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Starts a streaming standby of `primary` (a cluster from `startCluster`, or any `{ url, bin }`
 * whose server allows replication connections from 127.0.0.1, as initdb's trust setup does):
 * `pg_basebackup -R` (WAL streamed during the copy, `standby.signal` and
 * `primary_conninfo` written) into a folder of its own, started on its own port as a hot
 * standby. Resolves with `{ url, dir, stop(), start(), remove() }`: `url` is its `postgres`
 * database; `stop()` halts the server and keeps its files (`start()` again), `remove()`
 * halts it and deletes them.
 */
async function startStandby(primary, { durable = false } = {}) {
  const bin = primary.bin ?? findBin();
  const asPostgres = userInfo().uid === 0;
  const dir = clusterDir(asPostgres);
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'pg_basebackup'), ['-D', data, '-d', primary.url, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], asPostgres);
  const options = `${serverOptions(port, dir, durable)} -c hot_standby=on`;
  let running = false;
  const start = () => {
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], asPostgres);
    running = true;
  };
  const stop = () => {
    if (!running) return;
    running = false;
    run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
  };
  start();
  return {
    url: `postgres://flowgate@127.0.0.1:${port}/postgres`,
    dir,
    start,
    stop,
    remove() {
      try {
        stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

module.exports = { startCluster, startStandby };
