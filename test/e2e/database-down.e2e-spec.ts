import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { aConsentManifest } from '../factories/consent-app.factory';
import { startServerProcess, type ServerProcess } from '../factories/server-process.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * docs/deployment.md "When the database is down", on PostgreSQL (project `e2e-postgres`
 * only: a SQLite file has no server to lose). The server runs in its own process; its
 * database is taken away by refusing connections to it and ending the open ones, then
 * given back.
 */
const ADMIN = 'database-down-admin-token-0123456789';
const admin = `Bearer ${ADMIN}`;

let dir: string;
let database: TestDatabase;
let server: ServerProcess;
let serviceToken: string;

async function api(
  method: string,
  path: string,
  authorization: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${server.base}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Runs SQL on the cluster's maintenance database (not the one taken away). */
async function onCluster(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.FLOWGATE_TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const databaseName = () => new URL(database.env.DATABASE_URL).pathname.slice(1);
const takeDatabaseAway = async () => {
  await onCluster(`ALTER DATABASE ${databaseName()} ALLOW_CONNECTIONS false`);
  await onCluster(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${databaseName()}'`,
  );
};
const giveDatabaseBack = () => onCluster(`ALTER DATABASE ${databaseName()} ALLOW_CONNECTIONS true`);

/** Polls until `probe` holds; the ms it took, or throws after `timeoutMs`. */
async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

const support = (userId: string) => ({
  userId,
  subprocessor: 'vendor-c',
  purpose: 'support',
  fields: ['user.contact.email'],
});
const ready = async () => (await api('GET', '/api/health/ready', '')).status;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowgate-down-'));
  database = await openTestDatabase(dir, 'postgres');
  server = await startServerProcess({
    ...database.env,
    FLOWGATE_DEMO: '0',
    FLOWGATE_ADMIN_TOKEN: ADMIN,
    FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
    FLOWGATE_SEED_MANIFEST: '',
    AUDIT_RETENTION_DAYS: '0',
  });
  expect((await api('POST', '/api/v1/manifest', admin, aConsentManifest())).status).toBe(201);
  serviceToken = (
    (await (
      await api('POST', '/api/v1/service-tokens', admin, { name: 'host-service' })
    ).json()) as { token: string }
  ).token;
  await until('ready', async () => (await ready()) === 200, 10_000);
}, 90_000);

afterAll(async () => {
  if (database) await giveDatabaseBack().catch(() => undefined);
  await server?.stop();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('one instance whose PostgreSQL database goes away and comes back', () => {
  it('decides from its caches, acknowledges no write, leaves readiness, and recovers without a restart', async () => {
    // Ada is cached as opted out, Bob as allowed (opt-out flow, no choice); the token too.
    expect(
      (
        await api(
          'PUT',
          '/api/v1/me/preferences/vendor-c.support',
          bearer(aUserToken('ada@example.com')),
          { granted: false },
        )
      ).status,
    ).toBe(200);
    const before = await Promise.all(
      ['ada@example.com', 'bob@example.com'].map(
        async (u) =>
          (await (
            await api('POST', '/api/v1/decisions', bearer(serviceToken), support(u))
          ).json()) as { allow: boolean },
      ),
    );
    expect(before.map((d) => d.allow)).toEqual([false, true]);

    await takeDatabaseAway();
    const outMs = await until(
      '/api/health/ready answers 503',
      async () => (await ready()) === 503,
      7000,
    );
    expect(outMs).toBeLessThan(7000);

    // Cached users are decided as before, from the cached policy and consents.
    for (const [user, allow] of [
      ['ada@example.com', false],
      ['bob@example.com', true],
    ] as const) {
      const res = await api('POST', '/api/v1/decisions', bearer(serviceToken), support(user));
      expect({
        user,
        status: res.status,
        allow: ((await res.json()) as { allow: boolean }).allow,
      }).toEqual({ user, status: 200, allow });
    }
    // A user not cached needs a read: a plain 500, never an answer.
    const uncached = await api(
      'POST',
      '/api/v1/decisions',
      bearer(serviceToken),
      support('carol@example.com'),
    );
    expect(uncached.status).toBe(500);
    // A write is not acknowledged, and a new feed stream is refused, so a guard's staleness bound runs.
    const write = await api(
      'PUT',
      '/api/v1/me/preferences/vendor-c.support',
      bearer(aUserToken('dan@example.com')),
      { granted: false },
    );
    expect(write.status).toBe(500);
    const feed = await api('GET', '/api/v1/changes', bearer(serviceToken));
    expect(feed.status).toBe(503);
    await feed.body?.cancel();

    await giveDatabaseBack();
    await until('/api/health/ready answers 200 again', async () => (await ready()) === 200, 10_000);
    // The refused write left nothing behind; writes and reads work again.
    const history = (await (
      await api('GET', '/api/v1/users/dan%40example.com/history', admin)
    ).json()) as { items: unknown[] };
    expect(history.items).toEqual([]);
    expect(
      (
        await api(
          'PUT',
          '/api/v1/me/preferences/vendor-c.support',
          bearer(aUserToken('dan@example.com')),
          { granted: false },
        )
      ).status,
    ).toBe(200);
    for (const [user, allow] of [
      ['carol@example.com', true],
      ['dan@example.com', false],
    ] as const) {
      const res = await api('POST', '/api/v1/decisions', bearer(serviceToken), support(user));
      expect({
        user,
        status: res.status,
        allow: ((await res.json()) as { allow: boolean }).allow,
      }).toEqual({ user, status: 200, allow });
    }
  }, 60_000);
});
