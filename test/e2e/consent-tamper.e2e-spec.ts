import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { runCli } from '../../src/cli/run-cli';
import { hashEvent, type StoredChainedEvent } from '../../src/consent/consent-chain';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { ADMIN_TOKEN } from '../support/test-app';

/**
 * Someone with write access to the SQLite file but not to the signing key edits it
 * directly (a connection of their own, dropping the append-only triggers where they are
 * in the way, re-computing every hash the code would). Each edit must make `consent
 * verify` exit non-zero naming the user and the event, and `/users/:id/verify` say not ok.
 */

type Row = Record<string, string | number | null>;

/** A connection of the attacker's own to the database file. */
function openFile(file: string) {
  const db = new sqlite3.Database(file);
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  const all = (sql: string, params: unknown[] = []) =>
    new Promise<Row[]>((resolve, reject) => db.all(sql, params, (error, rows: Row[]) => (error ? reject(error) : resolve(rows))));
  const close = () => new Promise<void>((resolve) => db.close(() => resolve()));
  return { run, all, close };
}

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';

const asEvent = (r: Row): StoredChainedEvent => ({
  id: r.id as number,
  userId: r.userId as string,
  seq: r.seq as number,
  flowKey: r.flowKey as string | null,
  choice: r.choice as StoredChainedEvent['choice'],
  source: r.source as StoredChainedEvent['source'],
  flowVersion: r.flowVersion as number | null,
  noticeHash: r.noticeHash as string | null,
  actor: r.actor as string,
  recordedAt: r.recordedAt as string,
  prevHash: r.prevHash as string,
  hash: r.hash as string,
});

describe('tamper evidence against someone with the database file', () => {
  let t: ConsentTestApp;
  let file: string;
  let sql: ReturnType<typeof openFile>;

  beforeEach(async () => {
    t = await startConsentApp();
    file = join(t.dir, 'flowgate.sqlite');
    const put = (user: string, flowKey: string, granted: boolean) =>
      t.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', t.user(user)).send({ granted }).expect(200);
    // Ada: three events in three batches (three checkpoints); Grace: one.
    await put(ADA, 'vendor-b.product-analytics', false);
    await put(ADA, 'vendor-c.support', false);
    await put(ADA, 'vendor-d.marketing', true);
    await put(GRACE, 'vendor-b.product-analytics', true);
    expect((await verifyCli()).code).toBe(0);
    sql = openFile(file);
  });
  afterEach(async () => {
    await sql.close();
    await t.close();
  });

  async function verifyCli() {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DATABASE_PATH: file, FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' };
    const code = await runCli(['consent', 'verify'], { out: (x) => out.push(x), err: (x) => err.push(x), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const eventsOf = async (user: string) => (await sql.all('SELECT * FROM consent_event WHERE userId = ? ORDER BY seq', [user])).map(asEvent);

  /** Re-writes the user's chain from `events` (already edited) as the code would, head and projection included. */
  async function rechain(user: string, events: StoredChainedEvent[]) {
    await sql.run('DROP TRIGGER consent_event_no_update');
    await sql.run('DROP TRIGGER consent_event_no_delete');
    await sql.run('DELETE FROM consent_event WHERE userId = ?', [user]);
    let prevHash = '0'.repeat(64);
    for (const [i, e] of events.entries()) {
      const unhashed = { ...e, seq: i + 1, prevHash };
      const hash = hashEvent(unhashed);
      await sql.run(
        'INSERT INTO consent_event (id, userId, seq, flowKey, choice, source, flowVersion, noticeHash, actor, recordedAt, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [e.id, e.userId, i + 1, e.flowKey, e.choice, e.source, e.flowVersion, e.noticeHash, e.actor, e.recordedAt, prevHash, hash],
      );
      prevHash = hash;
    }
    await sql.run('UPDATE consent_subject SET version = ?, lastHash = ? WHERE userId = ?', [events.length, prevHash, user]);
    await sql.run('DELETE FROM consent_state WHERE userId = ?', [user]);
    const latest = new Map<string, StoredChainedEvent>();
    for (const e of events) if (e.flowKey) latest.set(e.flowKey, e);
    for (const e of latest.values()) {
      await sql.run('INSERT INTO consent_state (userId, flowKey, choice, flowVersion, source, eventId, recordedAt) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        user, e.flowKey, e.choice, e.flowVersion, e.source, e.id, e.recordedAt,
      ]);
    }
  }

  /** `consent verify` exits 1, with a line naming the user and the event (by seq, and id when it has one). */
  async function expectCaught(user: string, event: { seq: number; id?: number }, problem: RegExp) {
    const res = await verifyCli();
    expect(res.code).toBe(1);
    const at = `${user}: event ${event.seq}${event.id === undefined ? '' : ` (id ${event.id})`}: `;
    const lines = res.err.split('\n').filter((l) => l.startsWith(at));
    expect({ lines, matches: lines.some((l) => problem.test(l.slice(at.length))) }).toEqual({ lines, matches: true });
    const api = await t.http().get(`/api/v1/users/${user}/verify`).set('Authorization', t.admin).expect(200);
    expect(api.body.ok).toBe(false);
    return res;
  }

  it('catches an inserted event with a correctly computed hash (the decision flipped to allow)', async () => {
    const [last] = (await eventsOf(ADA)).slice(-1);
    const first = (await eventsOf(ADA))[0];
    const forged = { ...first, id: 1000, seq: last.seq + 1, choice: 'granted' as const, recordedAt: new Date().toISOString(), prevHash: last.hash };
    const hash = hashEvent(forged);
    await sql.run(
      'INSERT INTO consent_event (id, userId, seq, flowKey, choice, source, flowVersion, noticeHash, actor, recordedAt, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [forged.id, ADA, forged.seq, forged.flowKey, 'granted', forged.source, forged.flowVersion, forged.noticeHash, forged.actor, forged.recordedAt, forged.prevHash, hash],
    );
    await sql.run('UPDATE consent_subject SET version = ?, lastHash = ? WHERE userId = ?', [forged.seq, hash, ADA]);
    await sql.run("UPDATE consent_state SET choice = 'granted', eventId = 1000, recordedAt = ? WHERE userId = ? AND flowKey = ?", [forged.recordedAt, ADA, forged.flowKey]);
    await expectCaught(ADA, { seq: forged.seq, id: 1000 }, /not covered by any signed checkpoint/);
  });

  it('catches a changed choice, re-chained', async () => {
    const events = await eventsOf(ADA);
    events[0] = { ...events[0], choice: 'granted' };
    await rechain(ADA, events);
    await expectCaught(ADA, { seq: 1, id: events[0].id }, /differs from what checkpoint \d+ signed/);
  });

  it('catches a backdated time, re-chained', async () => {
    const events = await eventsOf(ADA);
    events[1] = { ...events[1], recordedAt: '2020-01-01T00:00:00.000Z' };
    await rechain(ADA, events);
    await expectCaught(ADA, { seq: 2, id: events[1].id }, /differs from what checkpoint \d+ signed/);
  });

  it('catches a deleted tail event, the chain and head fixed', async () => {
    const events = await eventsOf(ADA);
    const tail = events.pop()!;
    await rechain(ADA, events);
    await expectCaught(ADA, { seq: tail.seq, id: tail.id }, /was signed in checkpoint \d+ but is missing/);
  });

  it('catches a deleted middle event, the chain re-numbered and fixed', async () => {
    const events = await eventsOf(ADA);
    const [middle] = events.splice(1, 1);
    await rechain(ADA, events);
    await expectCaught(ADA, { seq: middle.seq, id: middle.id }, /was signed in checkpoint \d+ but is missing/);
  });

  it("catches a user's whole history deleted (events, state and head)", async () => {
    const events = await eventsOf(ADA);
    await sql.run('DROP TRIGGER consent_event_no_delete');
    await sql.run('DELETE FROM consent_event WHERE userId = ?', [ADA]);
    await sql.run('DELETE FROM consent_state WHERE userId = ?', [ADA]);
    await sql.run('DELETE FROM consent_subject WHERE userId = ?', [ADA]);
    await expectCaught(ADA, { seq: 1, id: events[0].id }, /was signed in checkpoint \d+ but is missing/);
  });

  it('catches consent_state flipped alone', async () => {
    const events = await eventsOf(ADA);
    await sql.run("UPDATE consent_state SET choice = 'granted' WHERE userId = ? AND flowKey = 'vendor-c.support'", [ADA]);
    await expectCaught(ADA, { seq: 2, id: events[1].id }, /consent_state for vendor-c\.support says granted .* but the events say denied/);
    // Decisions read consent_state: the flip was real, and verify is what shows it.
    const consents = await t.http().get(`/api/v1/users/${ADA}/consents`).set('Authorization', t.admin).expect(200);
    expect(consents.body.choices['vendor-c.support'].granted).toBe(true);
  });

  it('catches consent_subject saying GPC when no event does', async () => {
    await sql.run('UPDATE consent_subject SET gpc = 1 WHERE userId = ?', [ADA]);
    await expectCaught(ADA, { seq: 0 }, /consent_subject says GPC on, but the events say off/);
  });

  it('catches a rewritten notice text', async () => {
    const events = await eventsOf(ADA);
    await sql.run("UPDATE consent_notice SET text = 'Vendor B receives nothing.' WHERE hash = ?", [events[0].noticeHash]);
    await expectCaught(ADA, { seq: 1, id: events[0].id }, /notice text it refers to .* was changed/);
  });

  it('catches INSERT OR REPLACE of an event, which gets past the UPDATE trigger', async () => {
    const [e] = await eventsOf(ADA);
    await sql.run(
      'INSERT OR REPLACE INTO consent_event (id, userId, seq, flowKey, choice, source, flowVersion, noticeHash, actor, recordedAt, prevHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [e.id, e.userId, e.seq, e.flowKey, 'granted', e.source, e.flowVersion, e.noticeHash, e.actor, e.recordedAt, e.prevHash, e.hash],
    );
    await expectCaught(ADA, { seq: 1, id: e.id }, /content does not match its hash/);
  });

  it('catches an edited checkpoint (its signature breaks), naming the events it covered', async () => {
    const [e] = await eventsOf(GRACE);
    await sql.run('DROP TRIGGER consent_checkpoint_no_update');
    await sql.run("UPDATE consent_checkpoint SET payload = replace(payload, '\"sealedAt\":\"', '\"sealedAt\":\"1') WHERE firstEventId <= ? AND lastEventId >= ?", [e.id, e.id]);
    const res = await expectCaught(GRACE, { seq: 1, id: e.id }, /not covered by any signed checkpoint/);
    expect(res.err).toMatch(/checkpoint \d+: its signature does not verify/);
  });

  it('catches a deleted checkpoint in the middle of the log', async () => {
    const events = await eventsOf(ADA);
    await sql.run('DROP TRIGGER consent_checkpoint_no_delete');
    await sql.run('DELETE FROM consent_checkpoint WHERE firstEventId <= ? AND lastEventId >= ?', [events[1].id, events[1].id]);
    const res = await expectCaught(ADA, { seq: 2, id: events[1].id }, /not covered by any signed checkpoint/);
    expect(res.err).toMatch(/checkpoint \d+: checkpoint \d+ is missing/);
  });

  it('catches the newest batch deleted with its checkpoint (the witness file outside the database remembers it)', async () => {
    const [e] = await eventsOf(GRACE);
    await sql.run('DROP TRIGGER consent_checkpoint_no_delete');
    await sql.run('DROP TRIGGER consent_event_no_delete');
    await sql.run('DELETE FROM consent_checkpoint WHERE firstEventId <= ? AND lastEventId >= ?', [e.id, e.id]);
    await sql.run('DELETE FROM consent_event WHERE userId = ?', [GRACE]);
    await sql.run('DELETE FROM consent_state WHERE userId = ?', [GRACE]);
    await sql.run('DELETE FROM consent_subject WHERE userId = ?', [GRACE]);
    const res = await verifyCli();
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/checkpoint \d+: is missing from the database, but the witness file/);
  });

  it('puts the checkpoint covering the latest event in the receipt, as stored', async () => {
    const res = await t.http().get('/api/v1/me/receipt').set('Authorization', t.user(ADA)).expect(200);
    const events = await eventsOf(ADA);
    const [row] = await sql.all('SELECT * FROM consent_checkpoint WHERE firstEventId <= ? AND lastEventId >= ?', [events[2].id, events[2].id]);
    expect(res.body.flowgate.checkpoint).toEqual({
      checkpoint: row.id,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      logHash: JSON.parse(row.payload as string).logHash,
      eventId: events[2].id,
      eventHash: events[2].hash,
      kid: row.kid,
    });
  });
});
