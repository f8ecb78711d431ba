import fc from 'fast-check';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/run-cli';
import { consentRebuildCommand, VERIFY_PROGRESS_EVERY } from '../../src/cli/consent.cli';
import { ConsentService } from '../../src/consent/consent.service';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { ADMIN_TOKEN } from '../support/test-app';

const FLOWS = ['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'];
const USERS = Array.from({ length: 8 }, (_, i) => `cli-user-${i}`);

describe(consentRebuildCommand.usage, () => {
  let t: ConsentTestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startConsentApp();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DATABASE_PATH: join(t.dir, 'flowgate.sqlite'), FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' };
    const code = await runCli(argv, { out: (x) => out.push(x), err: (x) => err.push(x), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const snapshot = async () => ({
    states: await db.query('SELECT * FROM consent_state ORDER BY userId, flowKey'),
    subjects: await db.query('SELECT * FROM consent_subject ORDER BY userId'),
  });

  it('rebuilds, from the events alone, the state that random writes left', async () => {
    const ops = fc.sample(
      fc.record({
        user: fc.constantFrom(...USERS),
        changes: fc.uniqueArray(fc.record({ flowKey: fc.constantFrom(...FLOWS), granted: fc.boolean() }), { minLength: 1, maxLength: 3, selector: (c) => c.flowKey }),
        gpc: fc.boolean(),
        asAdmin: fc.boolean(),
      }),
      { numRuns: 80, seed: 7 },
    );
    for (const op of ops) {
      const req = op.asAdmin
        ? t.http().put(`/api/v1/users/${op.user}/preferences`).set('Authorization', t.admin).send({ changes: op.changes, source: 'import' })
        : t.http().put('/api/v1/me/preferences').set('Authorization', t.user(op.user)).send({ changes: op.changes });
      if (op.gpc && !op.asAdmin) req.set('Sec-GPC', '1');
      await req.expect(200);
    }
    const before = await snapshot();
    expect(before.subjects).toHaveLength(USERS.length);

    // Lose the projection (and leave a wrong one behind), then rebuild it.
    await db.query('DELETE FROM consent_state WHERE rowid % 2 = 0');
    await db.query("UPDATE consent_subject SET gpc = 1 - gpc, version = version + 5, lastHash = 'x'");
    expect(await snapshot()).not.toEqual(before);
    const res = await run('consent', 'rebuild');
    expect(res).toMatchObject({ code: 0, out: expect.stringMatching(/^Rebuilt consent state from \d+ events: 8 users, \d+ current choices/) });
    expect(await snapshot()).toEqual(before);
  }, 60_000); // 80 writes over HTTP, then the CLI boots the app: more than jest's 5 s on a loaded box

  it('verifies every chain, and exits 1 naming a broken one', async () => {
    expect(await run('consent', 'verify')).toMatchObject({ code: 0, out: expect.stringMatching(/^Checked 8 users against \d+ signed checkpoints: every chain is intact\.$/) });
    await db.query('DROP TRIGGER consent_event_no_delete');
    try {
      await db.query("DELETE FROM consent_event WHERE userId = 'cli-user-3' AND seq = 1");
    } finally {
      await db.query(`CREATE TRIGGER "consent_event_no_delete" BEFORE DELETE ON "consent_event" BEGIN SELECT RAISE(ABORT, 'consent_event is append-only: DELETE is not allowed'); END`);
    }
    const res = await run('consent', 'verify');
    expect(res.code).toBe(1);
    expect(res.err).toContain('cli-user-3: event 1: event 1 is missing');
    expect(res.out).toMatch(/^Checked 8 users against \d+ signed checkpoints: 1 broken\.$/);
    expect((await run('consent', 'verify', '--user', 'cli-user-4')).code).toBe(0);
  });

  it('shows progress on stderr while it checks many users', async () => {
    const consent = t.app.get(ConsentService);
    const many = Array.from({ length: VERIFY_PROGRESS_EVERY + 5 }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < many.length; i += 200) {
      await Promise.all(
        many.slice(i, i + 200).map((user) => consent.record(user, [{ flowKey: 'vendor-d.marketing', granted: true }], { source: 'api', actor: 'admin' })),
      );
    }
    const total = (await consent.users()).length;
    const res = await run('consent', 'verify');
    expect(res.code).toBe(1); // cli-user-3 is still broken from the test before
    const progress = res.err.split('\n').filter((line) => line.startsWith('…'));
    expect(progress).toEqual(
      Array.from({ length: Math.floor((total - 1) / VERIFY_PROGRESS_EVERY) }, (_, k) =>
        expect.stringMatching(new RegExp(`^… ${((k + 1) * VERIFY_PROGRESS_EVERY).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} users checked, [01] broken so far$`)),
      ),
    );
    expect(res.out).toMatch(new RegExp(`^Checked ${total} users against \\d+ signed checkpoints: 1 broken\\.$`));
  }, 60_000);

  it('refuses a --user that is not a user id', async () => {
    expect(await run('consent', 'verify', '--user', 'a b')).toMatchObject({ code: 2 });
  });
});
