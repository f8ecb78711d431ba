import { DataSource } from 'typeorm';
import { ConsentService } from '../../src/consent/consent.service';
import { ChangeLogService, type LogEntry } from '../../src/policy/change-log.service';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * PostgreSQL only: a consent batch is one statement (`flowgate_consent_write`, in autocommit)
 * while the writer's memory of its own last writes holds, and falls back, writing nothing
 * first, when another instance wrote in between. The statements are counted where they
 * leave for the database: on the pool's clients.
 */
type Statement = 'write' | 'begin' | 'commit';

/** Stands in for the pool client's `query` of a one-statement batch (`send` runs the real one). */
type Intercept = (sql: string, send: () => Promise<unknown>) => Promise<unknown>;

/**
 * Every consent-writer round trip `app` sends from now on, in order (and its follower's reads
 * of the change log into `reads`); `intercepting.write`, while set, stands in for sending each
 * one-statement batch.
 */
function recordStatements(app: TestApp['app'], reads: string[] = [], intercepting: { write: Intercept | null } = { write: null }): Statement[] {
  const seen: Statement[] = [];
  const driver = app.get(DataSource).driver as unknown as {
    obtainMasterConnection(): Promise<[{ query: (...args: unknown[]) => unknown; counted?: boolean }, unknown]>;
  };
  const obtain = driver.obtainMasterConnection.bind(driver);
  driver.obtainMasterConnection = async () => {
    const got = await obtain();
    const client = got[0];
    if (!client.counted) {
      client.counted = true;
      const query = client.query.bind(client);
      client.query = (...args: unknown[]) => {
        const sql = args[0];
        if (typeof sql === 'string') {
          if (sql.includes('flowgate_consent_write(')) {
            seen.push('write');
            if (intercepting.write !== null) return intercepting.write(sql, () => query(...args) as Promise<unknown>);
          }
          else if (sql.includes('flowgate_consent_begin(')) seen.push('begin');
          else if (sql.includes('flowgate_consent_commit(')) seen.push('commit');
          else if (/FROM change_log WHERE id > \$1/.test(sql)) reads.push(sql);
        }
        return query(...args);
      };
    }
    return got;
  };
  return seen;
}

const FLOWS = ['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing'];

describe('consent batches on PostgreSQL in one statement', () => {
  let a: ConsentTestApp;
  let b: TestApp;
  let onA: Statement[];
  let onB: Statement[];
  const put = (t: TestApp, userId: string, flowKey: string, granted: boolean, key?: string) => {
    const req = t.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', bearer(aUserToken(userId)));
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send({ granted });
  };
  const verify = async (userId: string) => {
    const res = await a.http().get(`/api/v1/users/${userId}/verify`).set('Authorization', a.admin).expect(200);
    expect(res.body).toMatchObject({ ok: true });
  };

  beforeAll(async () => {
    a = await startConsentApp();
    // A second instance on the same database and data folder (signing key, witness), as a second process would be.
    b = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET }, a.dir);
    onA = recordStatements(a.app);
    onB = recordStatements(b.app);
  });
  afterAll(async () => {
    await b?.close({ keepFiles: true });
    await a?.close();
  });

  it('writes each batch in one statement in steady state, keys included, and replays a stored key in one', async () => {
    for (let i = 0; i < 24; i++) {
      const res = await put(a, `one-${i % 6}`, FLOWS[i % 3], i % 2 === 0, i % 4 === 0 ? `key-${i}` : undefined);
      expect(res.status).toBe(200);
      expect(res.body.replayed).toBe(false);
    }
    // The first batch learns the state (two steps); every later one is a single statement.
    expect(onA).toEqual(['begin', 'commit', ...Array<Statement>(23).fill('write')]);

    onA.length = 0;
    const again = await put(a, 'one-0', FLOWS[0], true, 'key-0');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, version: 1 });
    // A key the writer did not know was stored: refused by the statement, answered from its reply.
    expect(onA).toEqual(['write']);
    for (let u = 0; u < 6; u++) await verify(`one-${u}`);
  });

  it('falls back when another instance wrote, writing nothing twice, and keeps one chain per user', async () => {
    const before = (await put(a, 'shared', FLOWS[0], true)).body.version as number;
    const viaB = await put(b, 'shared', FLOWS[1], true);
    expect(viaB.status).toBe(200);
    expect(viaB.body.version).toBe(before + 1);
    expect(onB).toEqual(['begin', 'commit']);

    onA.length = 0;
    const viaA = await put(a, 'shared', FLOWS[2], false);
    expect(viaA.status).toBe(200);
    expect(viaA.body.version).toBe(before + 2);
    // Refused on A's outdated head and checkpoint (nothing written), then written on the state it returned.
    expect(onA).toEqual(['write', 'write']);
    onA.length = 0;
    expect((await put(a, 'one-1', FLOWS[0], false)).status).toBe(200);
    expect(onA).toEqual(['write']);

    // A key stored through A, sent again through B: the same answer. B's last user it did not
    // remember ('shared') had a head, so it reads this one's under the locks (two steps, nothing to write) ...
    const first = await put(a, 'keyed', FLOWS[1], true, 'k-cross');
    onB.length = 0;
    const replay = await put(b, 'keyed', FLOWS[1], true, 'k-cross');
    expect(replay.body).toMatchObject({ replayed: true, version: first.body.version, events: first.body.events });
    expect(onB).toEqual(['begin']);
    // ... and so for the next unknown user, who has none: from then on it assumes none again, in one statement.
    onB.length = 0;
    expect((await put(b, 'new-on-b-1', FLOWS[0], true)).status).toBe(200);
    expect((await put(b, 'new-on-b-2', FLOWS[0], true)).status).toBe(200);
    expect(onB).toEqual(['begin', 'commit', 'write']);

    const [{ n }] = await a.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" = 'shared'`);
    expect(Number(n)).toBe(before + 2);
    await verify('shared');
    await verify('keyed');
  });

  it("brings every head another instance moved up to date with one refusal, not one per user", async () => {
    const users = ['delta-0', 'delta-1', 'delta-2', 'delta-3'];
    for (const u of users) expect((await put(a, u, FLOWS[0], true)).status).toBe(200);
    // B moves all four chains on: A's remembered heads of them are now outdated.
    for (const u of users) expect((await put(b, u, FLOWS[1], false)).status).toBe(200);

    onA.length = 0;
    expect((await put(a, 'delta-new', FLOWS[0], true)).status).toBe(200);
    // Refused once (the newest checkpoint is B's); the refusal lists every user B moved since.
    expect(onA).toEqual(['write', 'write']);
    onA.length = 0;
    for (const u of users) {
      const res = await put(a, u, FLOWS[2], true);
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(3);
    }
    // Each a single statement on the heads that refusal returned.
    expect(onA).toEqual(['write', 'write', 'write', 'write']);
    for (const u of users) await verify(u);
  });

  it('keeps the heads another instance moved before a two-step batch for the next refusal to list', async () => {
    // A remembers two users; it learns that users it does not remember may have heads (B wrote 'gap-w').
    for (const u of ['gap-x1', 'gap-x2']) expect((await put(a, u, FLOWS[0], true)).status).toBe(200);
    expect((await put(b, 'gap-w', FLOWS[0], true)).status).toBe(200);
    expect((await put(a, 'gap-w', FLOWS[1], true)).status).toBe(200);
    // B moves both chains on and starts one A has never seen.
    for (const u of ['gap-x1', 'gap-x2', 'gap-v']) expect((await put(b, u, FLOWS[1], false)).status).toBe(200);

    onA.length = 0;
    expect((await put(a, 'gap-v', FLOWS[0], true)).status).toBe(200);
    // An unknown user, after one had a head: two steps, which find B's checkpoint (B wrote since).
    expect(onA).toEqual(['begin', 'commit']);
    onA.length = 0;
    expect((await put(a, 'gap-w', FLOWS[2], true)).status).toBe(200);
    // Nobody wrote since that batch: one statement. It must not take A's memory for whole past B's writes.
    expect(onA).toEqual(['write']);
    onA.length = 0;
    expect((await put(a, 'gap-x1', FLOWS[2], true)).status).toBe(200);
    expect(onA).toEqual(['write', 'write']);
    onA.length = 0;
    const x2 = await put(a, 'gap-x2', FLOWS[2], true);
    expect(x2.status).toBe(200);
    expect(x2.body.version).toBe(3);
    // The refusal listed both users B moved: gap-x2's head was already up to date.
    expect(onA).toEqual(['write']);
    for (const u of ['gap-x1', 'gap-x2', 'gap-v', 'gap-w']) await verify(u);
  });

  it("publishes another instance's batches from their NOTIFY, without reading the change log", async () => {
    // An idle third instance, its fallback poll out of the way.
    const c = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, CHANGE_POLL_MS: '60000' }, a.dir);
    try {
      const followed = c.app.get(ChangeLogService);
      for (let i = 0; i < 200 && !followed.status().listening; i++) await new Promise((r) => setTimeout(r, 10));
      expect(followed.status().listening).toBe(true);
      await new Promise((r) => setTimeout(r, 100)); // the read LISTEN starts with
      const reads: string[] = [];
      recordStatements(c.app, reads);
      const seen: LogEntry[] = [];
      const subscription = followed.live.subscribe((e) => seen.push(e));
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
      };
      try {
        const written: Array<{ userId: string; version: number }> = [];
        for (let i = 0; i < 12; i++) {
          const userId = `idle-${i % 4}`;
          const res = await put(i % 3 === 0 ? b : a, userId, FLOWS[i % 3], i % 2 === 0);
          expect(res.status).toBe(200);
          written.push({ userId, version: res.body.version as number });
        }
        const ours = () => seen.filter((e) => e.kind === 'consent' && e.userId.startsWith('idle-'));
        await until(() => ours().length >= 12);
        expect(ours().map((e) => e.kind === 'consent' && [e.userId, e.version])).toEqual(written.map((w) => [w.userId, w.version]));
        expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((x, y) => x - y));
        expect(reads).toEqual([]);

        // A payload it cannot take entries from (an id, or anything else): it reads the log instead.
        await a.query(`SELECT pg_notify('flowgate_changes', '{"entries": "none"}')`);
        await until(() => reads.length > 0);
        expect(reads.length).toBeGreaterThan(0);
        const before = seen.length;
        expect((await put(a, 'idle-after', FLOWS[0], true)).status).toBe(200);
        await until(() => seen.length > before);
        expect(seen.at(-1)).toMatchObject({ kind: 'consent', userId: 'idle-after', version: 1 });
      } finally {
        subscription.unsubscribe();
      }
    } finally {
      await c.close({ keepFiles: true });
    }
  });

  it('interleaves two instances writing for the same users: every chain, checkpoint and the change log stay whole', async () => {
    const USERS = 6;
    const WRITES = 160;
    onA.length = 0;
    onB.length = 0;
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < WRITES) {
          const i = next++;
          const res = await put(i % 2 === 0 ? a : b, `both-${i % USERS}`, FLOWS[i % 3], i % 5 !== 0);
          statuses.push(res.status);
        }
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Each batch took at most two single statements, then at most the two steps.
    expect(onA.filter((s) => s === 'write').length).toBeGreaterThan(0);
    expect(onB.filter((s) => s === 'write').length).toBeGreaterThan(0);
    for (const seen of [onA, onB]) expect(seen.filter((s) => s === 'begin')).toHaveLength(seen.filter((s) => s === 'commit').length);

    const [{ n }] = await a.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" LIKE 'both-%'`);
    expect(Number(n)).toBe(WRITES);
    for (let u = 0; u < USERS; u++) await verify(`both-${u}`);
    const ledger = await a.app.get(ConsentService).ledger();
    expect(ledger.problems).toEqual([]);
    const checkpoints = await a.query<{ id: number; firstEventId: number; lastEventId: number }>(
      'SELECT id, "firstEventId", "lastEventId" FROM consent_checkpoint ORDER BY id',
    );
    for (let i = 1; i < checkpoints.length; i++) {
      expect(Number(checkpoints[i].id)).toBe(Number(checkpoints[i - 1].id) + 1);
      expect(Number(checkpoints[i].firstEventId)).toBeGreaterThan(Number(checkpoints[i - 1].lastEventId));
    }
    // The change log has each user's versions in id order, once each.
    const log = await a.query<{ userId: string; version: number }>(
      `SELECT "userId", version FROM change_log WHERE kind = 'consent' AND "userId" LIKE 'both-%' ORDER BY id`,
    );
    expect(log).toHaveLength(WRITES);
    const last = new Map<string, number>();
    for (const entry of log) {
      expect(Number(entry.version)).toBe((last.get(entry.userId) ?? 0) + 1);
      last.set(entry.userId, Number(entry.version));
    }
  }, 60_000);
});

describe('consent batches on PostgreSQL, two in flight', () => {
  let a: ConsentTestApp;
  let seen: Statement[];
  const intercepting: { write: Intercept | null } = { write: null };
  const put = (userId: string, flowKey: string, granted: boolean) =>
    a.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', bearer(aUserToken(userId))).send({ granted });
  const signal = () => {
    let fire!: () => void;
    const fired = new Promise<void>((resolve) => (fire = resolve));
    return { fire, fired };
  };

  beforeAll(async () => {
    a = await startConsentApp(undefined, { DATABASE_CONSENT_IN_FLIGHT: '2' });
    seen = recordStatements(a.app, [], intercepting);
  });
  afterEach(() => {
    intercepting.write = null;
  });
  afterAll(async () => {
    await a?.close();
  });

  /**
   * Holds the first one-statement batch from now on (`first`: sent to the database and then
   * its answer held, or never sent and failed), lets the next through, and resolves
   * `secondSent` once that one was sent while the first was unanswered.
   */
  function holdFirst(first: 'answer' | 'fail') {
    const release = signal();
    const firstSent = signal();
    const secondSent = signal();
    let n = 0;
    intercepting.write = async (_sql, send) => {
      const i = n++;
      if (i === 1) secondSent.fire();
      if (i !== 0) return send();
      if (first === 'fail') {
        firstSent.fire();
        await release.fired;
        throw new Error('the statement failed before it ran');
      }
      const answer = await send();
      firstSent.fire();
      await release.fired;
      return answer;
    };
    return { release: release.fire, firstSent: firstSent.fired, secondSent: secondSent.fired };
  }

  /** Writes for `user` through the batch `holdFirst` holds and one sent behind it: their responses in the order they came. */
  async function twoInFlight(user: string, first: 'answer' | 'fail') {
    const held = holdFirst(first);
    const order: string[] = [];
    const one = put(user, FLOWS[1], false).then((res) => (order.push('first'), res));
    await held.firstSent;
    // Two requests behind it (a batch in flight is followed at once by two or more waiting, not by one).
    const two = put(user, FLOWS[2], false).then((res) => (order.push('second'), res));
    const other = put(`${user}-other`, FLOWS[2], true).then((res) => (order.push('second'), res));
    await held.secondSent; // sent while the first batch is unanswered ...
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(order).toEqual([]); // ... and not answered before it, whatever the database said
    held.release();
    const [r1, r2, r3] = await Promise.all([one, two, other]);
    expect(order).toEqual(['first', 'second', 'second']);
    expect(r3.status).toBe(200);
    return [r1, r2] as const;
  }

  const warm = async (user: string) => {
    // The first batch learns the state in two steps; from then on one statement a batch.
    const res = await put(user, FLOWS[0], true);
    expect(res.status).toBe(200);
    seen.length = 0;
    return res.body.version as number;
  };

  it('runs the consent functions without sequential scans (a later CREATE OR REPLACE must keep it)', async () => {
    const rows = await a.query<{ proname: string; proconfig: string[] | null }>(
      `SELECT proname, proconfig FROM pg_proc WHERE proname LIKE 'flowgate_consent_%' ORDER BY proname`,
    );
    expect(rows.map((r) => [r.proname, r.proconfig])).toEqual([
      ['flowgate_consent_begin', ['enable_seqscan=off']],
      ['flowgate_consent_commit', null], // calls flowgate_consent_insert, which has it
      ['flowgate_consent_insert', ['enable_seqscan=off']],
      ['flowgate_consent_write', ['enable_seqscan=off']],
    ]);
  });

  it('sends the next batch before the one in flight is answered, built on it, and answers them in order', async () => {
    const before = await warm('inflight');
    const [r1, r2] = await twoInFlight('inflight', 'answer');
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r1.body.version).toBe(before + 1);
    expect(r2.body.version).toBe(before + 2);
    expect(r2.body.events[0].prevHash).toBe(r1.body.events.at(-1).hash);
    // Built on what the first leaves, the second was written at once: no refusal, no two steps.
    expect(seen).toEqual(['write', 'write']);
    const res = await a.http().get('/api/v1/users/inflight/verify').set('Authorization', a.admin).expect(200);
    expect(res.body).toMatchObject({ ok: true });
    expect((await a.app.get(ConsentService).ledger()).problems).toEqual([]);
  });

  it('writes nothing on a batch in flight that failed: the one behind it is refused, then written on what the database holds', async () => {
    const before = await warm('inflight-fail');
    const [r1, r2] = await twoInFlight('inflight-fail', 'fail');
    expect(r1.status).toBeGreaterThanOrEqual(500);
    expect(r2.status).toBe(200);
    // On the chain as stored (the first wrote nothing), not on the failed batch's events.
    expect(r2.body.version).toBe(before + 1);
    // Refused under the locks (the first's checkpoint is not there), then written in two steps (the memory was dropped).
    expect(seen).toEqual(['write', 'write', 'begin', 'commit']);
    const events = await a.query<{ flowKey: string; seq: number }>(
      `SELECT "flowKey", seq FROM consent_event WHERE "userId" = 'inflight-fail' ORDER BY seq`,
    );
    expect(events.map((e) => [e.flowKey, Number(e.seq)])).toEqual([
      [FLOWS[0], 1],
      [FLOWS[2], 2],
    ]);
    const res = await a.http().get('/api/v1/users/inflight-fail/verify').set('Authorization', a.admin).expect(200);
    expect(res.body).toMatchObject({ ok: true });
    expect((await a.app.get(ConsentService).ledger()).problems).toEqual([]);
    // And the writer carries on in one statement.
    seen.length = 0;
    expect((await put('inflight-fail', FLOWS[1], true)).body.version).toBe(before + 2);
    expect(seen).toEqual(['write']);
  });
});
