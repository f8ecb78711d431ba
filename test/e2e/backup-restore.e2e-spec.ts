import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { startTestApp, type TestApp } from '../support/test-app';
import { openTestDatabase } from '../support/test-database';

/** pg_dump and pg_restore of the test cluster (test/e2e/global-setup.cjs), or from PATH. */
const pgTool = (name: string) => (process.env.FLOWGATE_TEST_PG_BIN ? join(process.env.FLOWGATE_TEST_PG_BIN, name) : name);

/**
 * The backup and restore docs/deployment.md describes, done while the server runs: SQLite
 * `VACUUM INTO` a new file, PostgreSQL `pg_dump -Fc` then `pg_restore` into a new database.
 * A server started on the copy has the same map, the same consents and intact chains.
 */
describe('backup and restore', () => {
  const users = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
  let source: TestApp;
  let restored: TestApp | undefined;
  let restoreDir: string;
  afterAll(async () => {
    await restored?.close();
    await source?.close();
  });

  it('restores a copy taken from a running server into one that serves the same state', async () => {
    source = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET });
    await source.http().post('/api/v1/manifest').set('Authorization', source.admin).send(aConsentManifest()).expect(201);
    for (const [i, user] of users.entries()) {
      await source.http().put('/api/v1/me/preferences/vendor-c.support').set('Authorization', bearer(aUserToken(user))).send({ granted: i % 2 === 0 }).expect(200);
      await source.http().put('/api/v1/me/preferences/vendor-d.marketing').set('Authorization', bearer(aUserToken(user))).send({ granted: true }).expect(200);
    }
    const policy = (await source.http().get('/api/v1/policy').set('Authorization', source.admin).expect(200)).headers.etag;

    restoreDir = mkdtempSync(join(tmpdir(), 'flowgate-restore-'));
    if (source.database === 'sqlite') {
      const copy = join(restoreDir, 'backup.sqlite');
      await source.query(`VACUUM INTO '${copy}'`);
      copyFileSync(copy, join(restoreDir, 'flowgate.sqlite'));
    } else {
      const dump = join(restoreDir, 'flowgate.dump');
      execFileSync(pgTool('pg_dump'), ['-Fc', '-f', dump, source.databaseEnv.DATABASE_URL]);
      const target = await openTestDatabase(restoreDir);
      execFileSync(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', '-d', target.env.DATABASE_URL, dump]);
    }
    // Keys and secrets live in the data folder: a restore brings that folder's files too.
    copyFileSync(join(source.dir, 'receipt-signing-key.pem'), join(restoreDir, 'receipt-signing-key.pem'));

    restored = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET }, restoreDir);
    expect((await restored.http().get('/api/v1/policy').set('Authorization', restored.admin).expect(200)).headers.etag).toBe(policy);
    for (const user of users) {
      const id = encodeURIComponent(user);
      const [before, after] = await Promise.all(
        [source, restored].map(async (t) => (await t.http().get(`/api/v1/users/${id}/consents`).set('Authorization', t.admin).expect(200)).body),
      );
      expect(after).toEqual(before);
      const verified = await restored.http().get(`/api/v1/users/${id}/verify`).set('Authorization', restored.admin).expect(200);
      expect(verified.body).toMatchObject({ ok: true, version: 2 });
    }
    // And it takes writes, continuing each chain.
    const next = await restored.http().put('/api/v1/me/preferences/vendor-c.support').set('Authorization', bearer(aUserToken(users[0]))).send({ granted: false }).expect(200);
    expect(next.body.events[0].seq).toBe(3);
    expect((await restored.http().get(`/api/v1/users/${encodeURIComponent(users[0])}/verify`).set('Authorization', restored.admin).expect(200)).body.ok).toBe(true);
  }, 60_000);

  afterAll(() => rmSync(restoreDir, { recursive: true, force: true }));
});
