/**
 * A throwaway PostgreSQL cluster for the tests: `initdb` + `pg_ctl` from Debian's
 * `postgresql` package (/usr/lib/postgresql/<version>/bin, newest version found, or
 * FLOWGATE_PG_BIN), in a temp folder, on a free loopback port, run as the `postgres` user
 * when we are root (PostgreSQL refuses to run as root). Durability settings are off (the
 * cluster lives for one test run) unless `{ durable: true }`: then commits are flushed as in
 * production (`fsync`, `synchronous_commit`, `full_page_writes` at their defaults), for
 * benchmarks that count acknowledged writes.
 *
 * A cluster cannot outlive the process that started it for long, even when that process dies
 * without running its teardown (SIGKILL, heap exhaustion, Ctrl-C): its folder holds an
 * `owner.json` (the owner's pid and start time), and a detached watchdog
 * (postgres-watchdog.cjs, polling the owner every WATCH_MS) stops the postmaster and removes
 * the folder once the owner is gone. Should the watchdog die too, the next `startCluster` in
 * any process reaps the folders whose owner is gone (`reapOrphans`). Folders without an
 * `owner.json` (older code, another tool) are never touched.
 */
const { execFileSync, spawn } = require('node:child_process');
const { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
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

const PREFIX = 'flowgate-pg-';
const OWNER_FILE = 'owner.json';
/** How often the watchdog looks at the owner (ms). */
const WATCH_MS = 500;

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22), so a reused pid is not taken for the owner; undefined once it is gone. */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs; a zombie (exited, not yet reaped by its parent) does not. */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

/** Whether the process that wrote `owner` (an owner.json record) still runs. */
function ownerAlive(owner) {
  if (!isAlive(owner.pid)) return false;
  const started = startTime(owner.pid);
  return started === undefined || owner.started === undefined || started === owner.started;
}

function readOwner(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The folder a cluster lives in, owned by `postgres` when we are root, recorded as this process's. */
function clusterDir(asPostgres) {
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, started: startTime(process.pid) }));
  if (asPostgres) {
    const uid = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(uid), Number(gid));
  }
  return dir;
}

/** The postmaster's pid from `<dir>/data/postmaster.pid`, if that process still runs on this folder. */
function postmasterPid(dir) {
  let pid;
  try {
    pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    // A reused pid belongs to some other program: its command line does not name this folder.
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Stops the cluster in `dir` without its owner: SIGQUIT to the postmaster (PostgreSQL's
 * immediate shutdown, what `pg_ctl -m immediate` sends; we may signal `postgres`'s processes
 * as root), SIGKILL if it is still there after 10 s, then removes the folder. Synchronous.
 */
function stopOrphan(dir) {
  const pid = postmasterPid(dir);
  const signal = (name) => {
    try {
      process.kill(pid, name);
    } catch {
      // It exited meanwhile.
    }
  };
  if (pid !== undefined) {
    signal('SIGQUIT');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) sleep(50);
    if (isAlive(pid)) {
      signal('SIGKILL');
      while (isAlive(pid) && Date.now() < deadline + 5_000) sleep(50);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops and removes every cluster folder in the temp folder whose owner.json names a process
 * that is gone (its watchdog died with it, or the machine went down); returns their paths.
 */
function reapOrphans() {
  const reaped = [];
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = readOwner(dir);
    if (owner === undefined || ownerAlive(owner)) continue;
    try {
      stopOrphan(dir);
      reaped.push(dir);
    } catch {
      // Another process reaps it at the same moment, or it is not ours to stop: leave it.
    }
  }
  return reaped;
}

/** Starts the detached watchdog of the cluster in `dir` (see the top of this file); returns its pid. */
function watch(dir) {
  const child = spawn(process.execPath, [join(__dirname, 'postgres-watchdog.cjs'), dir, String(WATCH_MS)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}

/** Ends a watchdog once its cluster is stopped by its owner. */
function unwatch(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
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

/** Starts a cluster; resolves with `{ url, dir, bin, watchdog, stop() }` (`url`: the `postgres` database, user `flowgate`; `watchdog`: its pid). */
async function startCluster({ durable = false } = {}) {
  reapOrphans();
  const bin = findBin();
  const asPostgres = userInfo().uid === 0;
  const dir = clusterDir(asPostgres);
  // Watched from before initdb: the owner may die while the server starts.
  const watchdog = watch(dir);
  const data = join(dir, 'data');
  const port = await freePort();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    unwatch(watchdog);
    try {
      if (existsSync(join(data, 'postmaster.pid'))) run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // An owner that exits without calling stop() (a crashed teardown, process.exit) stops it on the way out.
  process.on('exit', stop);
  try {
    run(join(bin, 'initdb'), ['-D', data, '-U', 'flowgate', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync'], asPostgres);
    const options = serverOptions(port, dir, durable);
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], asPostgres);
  } catch (error) {
    stop();
    throw error;
  }
  const url = `postgres://flowgate@127.0.0.1:${port}/postgres`;
  return { url, dir, bin, watchdog, stop };
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
  const watchdog = watch(dir);
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
      unwatch(watchdog);
      try {
        stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

module.exports = { startCluster, startStandby, reapOrphans, stopOrphan, readOwner, ownerAlive, postmasterPid, isAlive, WATCH_MS };
