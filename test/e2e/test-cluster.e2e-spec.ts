import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The test run's throwaway PostgreSQL cluster (test/e2e/global-setup.cjs,
 * test/support/postgres-cluster.cjs) does not outlive a Jest process that dies without its
 * globalTeardown. Each test runs the real global setup in a child process, as Jest's main
 * process does, and kills that child: with SIGKILL the cluster's watchdog stops the
 * postmaster and removes the folder; with the watchdog killed too, the next setup's reaper
 * does; with SIGINT (Ctrl-C) the setup's own handler does it before the child dies.
 * PostgreSQL only (project `e2e-postgres`): it needs the binaries that project needs.
 */
const cluster = createRequire(join(process.cwd(), 'package.json'))('./test/support/postgres-cluster.cjs') as {
  reapOrphans(): string[];
  /** Whether a pid runs (a zombie, exited but not yet reaped, does not). */
  isAlive(pid: number): boolean;
  WATCH_MS: number;
};

interface Started {
  child: ChildProcess;
  dir: string;
  postmaster: number;
  watchdog: number;
}

// What Jest's main process does with the e2e-postgres project's globalSetup, then waits for tests.
const OWNER = `
const { readFileSync } = require('node:fs');
require('./test/e2e/global-setup.cjs')().then(() => {
  const c = globalThis.__flowgatePostgres;
  const postmaster = Number(readFileSync(c.dir + '/data/postmaster.pid', 'utf8').split('\\n')[0]);
  process.stdout.write('CLUSTER ' + JSON.stringify({ dir: c.dir, postmaster, watchdog: c.watchdog }) + '\\n');
  setInterval(() => undefined, 60000);
});
`;

const children: ChildProcess[] = [];
const alive = (pid: number) => cluster.isAlive(pid);


/** A child process that ran the global setup: its cluster's folder, postmaster and watchdog. */
function startOwner(): Promise<Started> {
  const env = { ...process.env };
  delete env.FLOWGATE_TEST_PG_URL;
  delete env.FLOWGATE_TEST_PG_BIN;
  const child = spawn(process.execPath, ['-e', OWNER], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^CLUSTER (.*)$/m.exec(out);
      if (line) resolve({ child, ...(JSON.parse(line[1]) as Omit<Started, 'child'>) });
    });
    child.once('exit', (code, signal) => reject(new Error(`global setup exited (${code ?? signal}): ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

/** Milliseconds until `done()` holds, or throws after `timeoutMs`. */
async function within(timeoutMs: number, done: () => boolean): Promise<number> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

const gone = (s: Started) => () => !alive(s.postmaster) && !existsSync(s.dir);

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the test run’s PostgreSQL cluster when Jest dies without its teardown', () => {
  it('is stopped and its folder removed by its watchdog soon after a SIGKILL of the owner', async () => {
    const s = await startOwner();
    expect(alive(s.postmaster)).toBe(true);
    expect(readFileSync(join(s.dir, 'owner.json'), 'utf8')).toContain(`"pid":${s.child.pid}`);
    s.child.kill('SIGKILL');
    await exited(s.child);
    // The watchdog polls every WATCH_MS (500 ms) and PostgreSQL's immediate shutdown takes
    // well under a second: 15 s is the margin of a loaded 2-core box.
    await within(15_000, gone(s));
    await within(5_000, () => !alive(s.watchdog));
  }, 60_000);

  it('is stopped and removed by the next setup when its watchdog was killed too', async () => {
    const s = await startOwner();
    process.kill(s.watchdog, 'SIGKILL');
    s.child.kill('SIGKILL');
    await exited(s.child);
    await within(5_000, () => !alive(s.watchdog));
    // Nobody else stops it: it still runs a few polls later.
    await new Promise((resolve) => setTimeout(resolve, 3 * cluster.WATCH_MS));
    expect(alive(s.postmaster)).toBe(true);
    // What every startCluster (the next run's global setup) does first.
    expect(cluster.reapOrphans()).toContain(s.dir);
    expect(gone(s)()).toBe(true);
  }, 60_000);

  it('is stopped by the owner itself on a Ctrl-C (SIGINT), and the owner still dies of it', async () => {
    const s = await startOwner();
    // Without its watchdog only the owner's own handler can stop it.
    process.kill(s.watchdog, 'SIGKILL');
    await within(5_000, () => !alive(s.watchdog));
    s.child.kill('SIGINT');
    expect(await exited(s.child)).toBe('SIGINT');
    // The folder goes in the handler, before the owner dies (`pg_ctl stop -w` returned first).
    expect(existsSync(s.dir)).toBe(false);
    await within(5_000, () => !alive(s.postmaster));
  }, 60_000);
});
