import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/run-cli';
import { loadConfig } from '../../src/config/configuration';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { aConsentManifest } from '../factories/consent-app.factory';
import { startServerProcess, type ServerProcess } from '../factories/server-process.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { startGuardProcess, type GuardProcess, type SeenMessage } from '../sdk/support/guard-client';
import { openTestDatabase, placeholders, testDatabaseKind, type TestDatabase } from '../support/test-database';

/**
 * Two server processes (`src/main.ts`) on one database — the same SQLite file in the `e2e`
 * project, one PostgreSQL database in `e2e-postgres` — and a guard in a third process
 * following A's change feed. What one instance (or the CLI) writes, the other serves.
 */
const ADMIN = 'multi-instance-admin-token-0123456789';
const admin = `Bearer ${ADMIN}`;
const kind = testDatabaseKind();
/** Opt-outs timed end to end, one after the other. */
const CHANGES = 500;
const wall = (): number => performance.timeOrigin + performance.now();

let dir: string;
let database: TestDatabase;
let env: Record<string, string>;
let a: ServerProcess;
let b: ServerProcess;
let guard: GuardProcess;
let serviceToken: string;

async function api(server: ServerProcess, method: string, path: string, authorization: string, body?: unknown): Promise<Response> {
  return fetch(`${server.base}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function ok<T>(res: Promise<Response>): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

const support = (userId: string) => ({ userId, subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'] });
const decideOnA = (userId: string) =>
  ok<{ allow: boolean }>(api(a, 'POST', '/api/v1/decisions', bearer(serviceToken), support(userId)));
const policyVersion = async (server: ServerProcess) =>
  (await ok<{ version: number }>(api(server, 'GET', '/api/v1/policy', bearer(serviceToken)))).version;

/** Polls `probe` until it returns true; the wall time it did, or null after `timeoutMs`. */
async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const started = wall();
  for (;;) {
    if (await probe()) return wall();
    if (wall() - started > timeoutMs) return null;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function p(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flowgate-multi-'));
  database = await openTestDatabase(dir, kind);
  env = {
    ...database.env,
    FLOWGATE_DEMO: '0',
    FLOWGATE_ADMIN_TOKEN: ADMIN,
    FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
    FLOWGATE_SEED_MANIFEST: '',
    AUDIT_RETENTION_DAYS: '0',
  };
  // One after the other: the first migrates the database and creates the keys in the data folder.
  a = await startServerProcess(env);
  b = await startServerProcess(env);
  await ok(api(b, 'POST', '/api/v1/manifest', admin, aConsentManifest()));
  serviceToken = (await ok<{ token: string }>(api(a, 'POST', '/api/v1/service-tokens', admin, { name: 'host-service' }))).token;
  guard = await startGuardProcess({
    FLOWGATE_URL: a.base,
    FLOWGATE_TOKEN: serviceToken,
    WATCH_REQUEST: JSON.stringify({ subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'] }),
  });
  await guard.ready();
}, 120_000);

afterAll(async () => {
  await guard?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe(`two instances on one ${kind === 'postgres' ? 'PostgreSQL database' : 'SQLite file'}`, () => {
  it('reports the database and a live change-log follower on both', async () => {
    for (const server of [a, b]) {
      const health = await ok<{ database: string; changeLog: { live: boolean } }>(api(server, 'GET', '/api/health', ''));
      expect(health).toMatchObject({ database: kind, changeLog: { live: true } });
      expect((await api(server, 'GET', '/api/health/ready', '')).status).toBe(200);
    }
  });

  it(`denies on A, by its decision API and a guard on its feed, within 100 ms (p95 of ${CHANGES}; p99 < 250 ms) of an opt-out acknowledged by B`, async () => {
    const seen = new Map<string, SeenMessage>();
    guard.onSeen((m) => {
      if (!m.allow) seen.set(m.userId, m);
    });
    const users = Array.from({ length: CHANGES }, (_, i) => `carol-${i}@example.com`);
    await guard.watch(users);
    const api99: number[] = [];
    const guard99: number[] = [];
    for (const user of users) {
      // A and the guard have the user cached as allowed (opt-out flow, no choice yet).
      expect((await decideOnA(user)).allow).toBe(true);
      expect((await guard.check(support(user))).allow).toBe(true);
      await ok(api(b, 'PUT', '/api/v1/me/preferences/vendor-c.support', bearer(aUserToken(user)), { granted: false }));
      const acknowledged = wall();
      const deniedAt = await until(async () => !(await decideOnA(user)).allow, 2000);
      expect(deniedAt).not.toBeNull();
      api99.push(deniedAt! - acknowledged);
      const guardAt = await until(async () => seen.has(user), 2000);
      expect(guardAt).not.toBeNull();
      guard99.push(seen.get(user)!.decidedAt - acknowledged);
    }
    const stats = (xs: number[]) => [0.5, 0.95, 0.99].map((q) => p(xs, q).toFixed(1)).join(' / ');
    const report = `decision API p50/p95/p99 ${stats(api99)} ms; guard ${stats(guard99)} ms (load ${loadavg()[0].toFixed(1)})`;
    process.stdout.write(`[multi-instance ${kind}] opt-out through B seen on A: ${report}\n`);
    // The target is p99 < 100 ms: met in most runs even on a 2-core box shared with other
    // jobs, but p99 reached 81 ms at load 12 and 147 / 262 ms in two runs of thirteen
    // (docs/deployment.md), so it is no bound to assert here; `npm run bench -- scale` reports
    // it as met / not met. Asserted with a margin for such a box: p95 under the target, p99
    // under 250 ms. Either fails at once if the follower falls back to slow polling (1 s).
    const bounds = { api95: p(api99, 0.95) < 100, guard95: p(guard99, 0.95) < 100, api99: p(api99, 0.99) < 250, guard99: p(guard99, 0.99) < 250 };
    expect({ report, ...bounds }).toEqual({ report, api95: true, guard95: true, api99: true, guard99: true });
  }, 120_000);

  it('refuses on A, within a second, a service token revoked through B', async () => {
    const created = await ok<{ id: number; token: string }>(api(a, 'POST', '/api/v1/service-tokens', admin, { name: 'short-lived' }));
    expect((await api(a, 'GET', '/api/v1/policy', bearer(created.token))).status).toBe(200); // cached on A
    expect((await api(b, 'DELETE', `/api/v1/service-tokens/${created.id}`, admin)).status).toBe(204);
    const revoked = wall();
    const refusedAt = await until(async () => (await api(a, 'GET', '/api/v1/policy', bearer(created.token))).status === 401, 3000);
    expect(refusedAt).not.toBeNull();
    expect(refusedAt! - revoked).toBeLessThan(1000);
  });

  it("moves A's policy and the guard on A's feed within a second of a map change through B and of `flowgate import`", async () => {
    const before = await policyVersion(a);
    const changed = await api(b, 'PATCH', '/api/v1/flows/vendor-c.support', admin, { mode: 'opt-in', legalBasis: 'consent' });
    expect(changed.status).toBe(200);
    const afterChange = wall();
    const onA = await until(async () => (await policyVersion(a)) > before, 3000);
    const onGuard = await until(async () => ((await guard.status()).policyVersion ?? 0) > before, 3000);
    expect(onA).not.toBeNull();
    expect(onGuard).not.toBeNull();
    expect(onA! - afterChange).toBeLessThan(1000);
    expect(onGuard! - afterChange).toBeLessThan(1000);
    // The new mode is what the guard decides on: opt-in, no choice, so a new user is denied.
    expect((await guard.check(support('dan@example.com'))).allow).toBe(false);

    const version = await policyVersion(a);
    const file = join(dir, 'changed.json');
    const manifest = aConsentManifest();
    manifest.subprocessors[2] = { ...manifest.subprocessors[2], name: 'Vendor C (renamed by the CLI)' };
    writeFileSync(file, JSON.stringify(manifest));
    const out: string[] = [];
    const code = await runCli(['import', file], { out: (x) => out.push(x), err: (x) => out.push(x), env: { ...env, LOG_LEVEL: 'error' } });
    expect({ code, out }).toMatchObject({ code: 0 });
    const imported = wall();
    const cliOnA = await until(async () => (await policyVersion(a)) > version, 3000);
    const cliOnGuard = await until(async () => ((await guard.status()).policyVersion ?? 0) > version, 3000);
    expect(cliOnA).not.toBeNull();
    expect(cliOnGuard).not.toBeNull();
    expect(cliOnA! - imported).toBeLessThan(1000);
    expect(cliOnGuard! - imported).toBeLessThan(1000);
  }, 60_000);

  it('takes 1,000 concurrent consent writes over both with no error, one valid chain per user, and the projection of the events', async () => {
    const flows = ['vendor-b.product-analytics', 'vendor-d.marketing', 'vendor-d.product-analytics'];
    const users = Array.from({ length: 50 }, (_, i) => `eve-${i}@example.com`);
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const user = users[i % users.length];
        const server = i % 2 === 0 ? a : b;
        const res = await api(server, 'PUT', `/api/v1/me/preferences/${flows[i % flows.length]}`, bearer(aUserToken(user)), {
          granted: (i * 7) % 3 !== 0,
        });
        return res.status === 200 ? null : `${res.status} ${await res.text()}`;
      }),
    );
    expect(results.filter((r) => r !== null)).toEqual([]);

    for (const user of users) {
      const verified = await ok<{ ok: boolean; version: number; events: number }>(api(b, 'GET', `/api/v1/users/${encodeURIComponent(user)}/verify`, admin));
      expect(verified).toMatchObject({ ok: true, version: 20, events: 20 });
    }
    const ds = await new DataSource(dataSourceOptions(loadConfig(env))).initialize();
    try {
      const q = (sql: string) => ds.query(placeholders(kind, sql)) as Promise<Array<Record<string, unknown>>>;
      const latest = await q(
        `SELECT e."userId", e."flowKey", e.choice, e."flowVersion", e.id AS "eventId" FROM consent_event e
          WHERE e."flowKey" IS NOT NULL AND e.seq = (SELECT MAX(x.seq) FROM consent_event x WHERE x."userId" = e."userId" AND x."flowKey" = e."flowKey")
          ORDER BY e."userId", e."flowKey"`,
      );
      const state = await q(
        `SELECT "userId", "flowKey", choice, "flowVersion", "eventId" FROM consent_state ORDER BY "userId", "flowKey"`,
      );
      expect(state.length).toBeGreaterThanOrEqual(users.length * flows.length);
      expect(state.map((r) => ({ ...r, eventId: Number(r.eventId) }))).toEqual(latest.map((r) => ({ ...r, eventId: Number(r.eventId) })));
    } finally {
      await ds.destroy();
    }
  }, 120_000);

  it('records one event per Idempotency-Key sent to both instances at once', async () => {
    const user = 'heidi@example.com';
    const keys = Array.from({ length: 20 }, (_, i) => `click-${i}`);
    const responses = await Promise.all(
      keys.flatMap((key, k) =>
        [a, b, a, b, a, b].map(async (server) => {
          const res = await fetch(`${server.base}/api/v1/me/preferences/vendor-d.marketing`, {
            method: 'PUT',
            headers: { authorization: bearer(aUserToken(user)), 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify({ granted: k % 2 === 0 }),
          });
          const body = (await res.json()) as { events: Array<{ id: number }> };
          return { key, status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', eventId: body.events[0]?.id };
        }),
      ),
    );
    expect(responses.filter((r) => r.status !== 200)).toEqual([]);
    for (const key of keys) {
      const own = responses.filter((r) => r.key === key);
      expect(own.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(own.map((r) => r.eventId)).size).toBe(1); // every answer names the one event
    }
    const verified = await ok<{ ok: boolean; events: number }>(api(a, 'GET', `/api/v1/users/${encodeURIComponent(user)}/verify`, admin));
    expect(verified).toMatchObject({ ok: true, events: keys.length });
  });

  it('loses no write acknowledged by B when B is killed with SIGKILL mid-stream, and A keeps serving', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `frank-${i}@example.com`);
    const acked: Array<{ user: string; seq: number; hash: string }> = [];
    const failedOnA: string[] = [];
    let failedOnB = 0;
    let ackedByB = 0;
    const victim = b;
    const writes = Array.from({ length: 400 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, 3 * i)); // spread over ~1.2 s, so the kill lands mid-stream
      const user = users[i % users.length];
      const server = i % 2 === 0 ? a : victim;
      try {
        const res = await api(server, 'PUT', '/api/v1/me/preferences/vendor-d.marketing', bearer(aUserToken(user)), { granted: i % 3 !== 0 });
        if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
        const body = (await res.json()) as { events: Array<{ seq: number; hash: string }> };
        acked.push({ user, seq: body.events[0].seq, hash: body.events[0].hash });
        if (server === victim && ++ackedByB >= 50 && victim.child.signalCode === null) victim.child.kill('SIGKILL');
      } catch (error) {
        if (server === a) failedOnA.push(String(error));
        else failedOnB++;
      }
    });
    await Promise.all(writes);
    expect(await victim.exited).toBe('SIGKILL');
    expect(failedOnA).toEqual([]);
    expect(failedOnB).toBeGreaterThan(0); // the kill really cut B's requests off

    for (const user of users) {
      const history = await ok<{ items: Array<{ seq: number; hash: string }> }>(
        api(a, 'GET', `/api/v1/users/${encodeURIComponent(user)}/history?limit=500`, admin),
      );
      const stored = new Map(history.items.map((e) => [e.seq, e.hash]));
      for (const ack of acked.filter((x) => x.user === user)) expect(stored.get(ack.seq)).toBe(ack.hash);
      expect((await ok<{ ok: boolean }>(api(a, 'GET', `/api/v1/users/${encodeURIComponent(user)}/verify`, admin))).ok).toBe(true);
    }
    // A still writes and decides after losing its peer.
    await ok(api(a, 'PUT', '/api/v1/me/preferences/vendor-c.support', bearer(aUserToken('grace@example.com')), { granted: true }));
    expect((await api(a, 'GET', '/api/health/ready', '')).status).toBe(200);
  }, 60_000);
});
