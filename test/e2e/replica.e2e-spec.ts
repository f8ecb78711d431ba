import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { aConsentManifest } from '../factories/consent-app.factory';
import { startServerProcess, type ServerProcess } from '../factories/server-process.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';

/**
 * docs/deployment.md "Read replicas", on PostgreSQL only (project `e2e-postgres`): a
 * primary of its own and a streaming standby of it (`pg_basebackup -R`), instance A with
 * `DATABASE_REPLICA_URL` at the standby, instance B on the primary alone (the other
 * writer). Decisions for users A has not cached are read from the standby when it has
 * replayed every change A applied; with replay paused, writes through A and through B are
 * still honoured at once by A (read from the primary); with the standby stopped, A keeps
 * answering from the primary and says it is degraded.
 */
// The specs run as ES modules; the cluster helper is CommonJS (jest runs from the repository root).
const { startCluster, startStandby } = createRequire(join(process.cwd(), 'package.json'))('./test/support/postgres-cluster.cjs') as {
  startCluster(): Promise<{ url: string; bin: string; stop(): void }>;
  startStandby(primary: { url: string; bin: string }): Promise<{ url: string; stop(): void; remove(): void }>;
};

const ADMIN = 'replica-spec-admin-token-0123456789';
const admin = `Bearer ${ADMIN}`;
const DATABASE = 'flowgate_replica';

let dir: string;
let primary: { url: string; bin: string; stop(): void } | undefined;
let standby: { url: string; stop(): void; remove(): void } | undefined;
let a: ServerProcess | undefined;
let b: ServerProcess | undefined;
let serviceToken: string;

const withDatabase = (url: string) => {
  const u = new URL(url);
  u.pathname = `/${DATABASE}`;
  return u.toString();
};

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

function api(server: ServerProcess, method: string, path: string, authorization: string, body?: unknown): Promise<Response> {
  return fetch(`${server.base}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function decide(userId: string): Promise<boolean> {
  const res = await api(a!, 'POST', '/api/v1/decisions', bearer(serviceToken), {
    userId,
    subprocessor: 'vendor-c',
    purpose: 'support',
    fields: ['user.contact.email'],
  });
  expect({ userId, status: res.status }).toEqual({ userId, status: 200 });
  return ((await res.json()) as { allow: boolean }).allow;
}

async function optOut(server: ServerProcess, userId: string): Promise<void> {
  const res = await api(server, 'PUT', '/api/v1/me/preferences/vendor-c.support', bearer(aUserToken(userId)), { granted: false });
  expect({ userId, status: res.status }).toEqual({ userId, status: 200 });
}

type Outcome = 'replica' | 'lagging' | 'down';
async function replicaReads(): Promise<Record<Outcome, number>> {
  const text = await (await api(a!, 'GET', '/metrics', admin)).text();
  const count = (outcome: Outcome) => Number(new RegExp(`^flowgate_replica_reads_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { replica: count('replica'), lagging: count('lagging'), down: count('down') };
}

interface Health {
  status: string;
  replicas: Array<{ name: string; state: string; lagBytes: number | null; replayLsn: string | null; error: string | null }>;
}
async function health(): Promise<{ status: number; body: Health }> {
  const res = await api(a!, 'GET', '/api/health', '');
  return { status: res.status, body: (await res.json()) as Health };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until A's change-log follower has applied every entry `writer` has (so A requires it of the replica). */
async function appliedByA(writer: ServerProcess): Promise<void> {
  const lastId = async (server: ServerProcess) =>
    ((await (await api(server, 'GET', '/api/health', '')).json()) as { changeLog: { lastId: number } }).changeLog.lastId;
  const target = await lastId(writer);
  await until(`A applied change-log entry ${target}`, async () => (await lastId(a!)) >= target, 5000);
}

let users = 0;
const freshUser = (label: string) => `${label}-${++users}@example.com`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowgate-replica-'));
  primary = await startCluster();
  await sql(primary.url, `CREATE DATABASE ${DATABASE}`);
  standby = await startStandby(primary);
  const common = {
    DATABASE_URL: withDatabase(primary.url),
    FLOWGATE_DEMO: '0',
    FLOWGATE_ADMIN_TOKEN: ADMIN,
    FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
    FLOWGATE_SEED_MANIFEST: '',
    AUDIT_RETENTION_DAYS: '0',
  };
  // One after the other: both would migrate the same empty database at once (the advisory lock serialises it anyway).
  a = await startServerProcess({ ...common, DATABASE_REPLICA_URL: withDatabase(standby.url), FLOWGATE_DATA_DIR: join(dir, 'a') });
  b = await startServerProcess({ ...common, FLOWGATE_DATA_DIR: join(dir, 'b') });
  expect((await api(a, 'POST', '/api/v1/manifest', admin, aConsentManifest())).status).toBe(201);
  serviceToken = ((await (await api(a, 'POST', '/api/v1/service-tokens', admin, { name: 'host-service' })).json()) as { token: string }).token;
  await until('A ready', async () => (await api(a!, 'GET', '/api/health/ready', '')).status === 200, 15_000);
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  standby?.remove();
  primary?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('decisions on an instance with a streaming read replica', () => {
  it('reads the consents of users not cached from the replica once it has caught up', async () => {
    // The replica replays the manifest and the token within a moment; until then fills go to the primary.
    await until('a fill answered by the replica', async () => {
      const before = (await replicaReads()).replica;
      await decide(freshUser('warmup'));
      return (await replicaReads()).replica > before;
    }, 15_000);

    const before = await replicaReads();
    const decided = [];
    for (let i = 0; i < 5; i++) decided.push(await decide(freshUser('caught-up')));
    expect(decided).toEqual([true, true, true, true, true]); // opt-out flow, no choice made
    const after = await replicaReads();
    expect(after.replica - before.replica).toBe(5);
    expect(after.lagging - before.lagging).toBe(0);

    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.replicas).toEqual([expect.objectContaining({ state: 'ok', lagBytes: 0, error: null })]);
    expect(body.replicas[0].name).toMatch(/^127\.0\.0\.1:\d+\/flowgate_replica$/);
  }, 60_000);

  it('never answers from a replica that has not replayed a write: replay paused, reads go to the primary', async () => {
    const ownWriter = freshUser('own');
    const otherWriter = freshUser('other');
    const uncached = freshUser('uncached');
    // Cached as allowed on A, from the replica.
    expect(await decide(ownWriter)).toBe(true);
    expect(await decide(otherWriter)).toBe(true);

    await sql(withDatabase(standby!.url), 'SELECT pg_wal_replay_pause()');
    try {
      const before = await replicaReads();
      // A write through A, and a decision by A right after it: A's own write, read-your-writes.
      await optOut(a!, ownWriter);
      expect(await decide(ownWriter)).toBe(false);
      // A write through B reaches A by the change log (NOTIFY); A must then read the primary.
      await optOut(b!, otherWriter);
      await until('A denies what B recorded', async () => !(await decide(otherWriter)), 5000);
      for (let i = 0; i < 3; i++) expect(await decide(otherWriter)).toBe(false);
      // A user A never cached, opted out through B: not found on the paused replica, and not read from it.
      await optOut(b!, uncached);
      expect(await decide(uncached)).toBe(false);

      const during = await replicaReads();
      expect(during.replica - before.replica).toBe(0);
      expect(during.lagging - before.lagging).toBeGreaterThanOrEqual(3);
      const { body } = await health();
      expect(body.status).toBe('ok'); // lagging is not down
      expect(body.replicas[0].state).toBe('ok');
      expect(body.replicas[0].lagBytes).toBeGreaterThan(0);
    } finally {
      await sql(withDatabase(standby!.url), 'SELECT pg_wal_replay_resume()');
    }

    // Resumed: fills go back to the replica, and what it now holds is the new state.
    const opted = freshUser('resumed');
    await optOut(b!, opted);
    await appliedByA(b!);
    await until('a fill answered by the replica again', async () => {
      const before = (await replicaReads()).replica;
      expect(await decide(freshUser('after-resume'))).toBe(true);
      return (await replicaReads()).replica > before;
    }, 15_000);
    const before = (await replicaReads()).replica;
    expect(await decide(opted)).toBe(false);
    expect((await replicaReads()).replica - before).toBe(1);
    expect(await decide(ownWriter)).toBe(false);
    expect(await decide(otherWriter)).toBe(false);
  }, 60_000);

  it('keeps answering from the primary when the replica is stopped, and says degraded (not 503)', async () => {
    const opted = freshUser('stopped');
    await optOut(b!, opted);
    standby!.stop();
    const before = await replicaReads();
    expect(await decide(opted)).toBe(false);
    expect(await decide(freshUser('stopped'))).toBe(true);
    const after = await replicaReads();
    expect(after.replica - before.replica).toBe(0);
    expect(after.down - before.down).toBe(2);

    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.replicas).toEqual([expect.objectContaining({ state: 'down', error: expect.any(String) })]);
    expect((await api(a!, 'GET', '/api/health/ready', '')).status).toBe(200);
  }, 30_000);
});
