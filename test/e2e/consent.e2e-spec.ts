import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { ConsentService } from '../../src/consent/consent.service';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { runCli } from '../../src/cli/run-cli';
import { ADMIN_TOKEN, startTestApp } from '../support/test-app';

interface FlowView {
  key: string;
  version: number;
  mode: string;
  choice: { value: string; flowVersion: number; source: string } | null;
  status: string;
  reason: string | null;
  canChange: boolean;
  needsReconsent: boolean;
  newFields: string[];
  subprocessor: { name: string; url: string | null; locations: string[]; region: string };
  fields: Array<{ key: string }>;
  excludedFields: Array<{ key: string }>;
}

const flowsOf = (body: { purposes: Array<{ key: string; flows: FlowView[] }> }) =>
  new Map(body.purposes.flatMap((p) => p.flows.map((f) => [f.key, f] as const)));

describe(ConsentService.name, () => {
  let t: ConsentTestApp;
  let db: { query: ConsentTestApp['query'] };
  beforeAll(async () => {
    t = await startConsentApp();
    db = t;
  });
  afterAll(() => t.close());

  const prefs = async (userId: string, gpc = false) => {
    const req = t.http().get('/api/v1/me/preferences').set('Authorization', t.user(userId));
    if (gpc) req.set('Sec-GPC', '1');
    return flowsOf((await req.expect(200)).body);
  };
  const put = (userId: string, flowKey: string, body: object) =>
    t.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', t.user(userId)).send(body);

  describe('GET /api/v1/me/preferences', () => {
    it('lists every flow by purpose, with vendor, region, fields sent and excluded, and the defaults of each mode', async () => {
      const res = await t.http().get('/api/v1/me/preferences').set('Authorization', t.user('u-view')).expect(200);
      expect(res.body).toMatchObject({ userId: 'u-view', mapVersion: 1, stateVersion: 0, gpc: false });
      expect(res.body.purposes.map((p: { key: string }) => p.key).sort()).toEqual(['email-delivery', 'marketing', 'product-analytics', 'support']);
      const flows = flowsOf(res.body);
      expect(flows.size).toBe(5);
      expect(flows.get('vendor-a.email-delivery')).toMatchObject({
        mode: 'required',
        status: 'allowed',
        canChange: false,
        choice: null,
        subprocessor: { name: 'Vendor A', url: 'https://vendor-a.example', locations: ['DE'], region: 'eea' },
        fields: [{ key: 'user.contact.email' }, { key: 'user.name' }],
        excludedFields: [{ key: 'user.health' }],
      });
      expect(flows.get('vendor-b.product-analytics')).toMatchObject({ mode: 'opt-in', status: 'blocked', reason: 'not-opted-in', canChange: true, subprocessor: { region: 'third-country' } });
      expect(flows.get('vendor-c.support')).toMatchObject({ mode: 'opt-out', status: 'allowed', reason: null, subprocessor: { region: 'eea' } });
    });
  });

  describe('PUT /api/v1/me/preferences/:flowKey', () => {
    it('records a choice as a chained event and shows it as the current choice', async () => {
      const res = await put('u-put', 'vendor-b.product-analytics', { granted: true }).expect(200);
      expect(res.body).toMatchObject({ userId: 'u-put', version: 1, replayed: false });
      expect(res.body.events).toEqual([
        expect.objectContaining({ seq: 1, flowKey: 'vendor-b.product-analytics', choice: 'granted', source: 'preference-centre', flowVersion: 1, actor: 'user:u-put', prevHash: '0'.repeat(64), hash: expect.stringMatching(/^[0-9a-f]{64}$/), noticeHash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
      ]);
      const flows = await prefs('u-put');
      expect(flows.get('vendor-b.product-analytics')).toMatchObject({ status: 'allowed', choice: { value: 'granted', flowVersion: 1, source: 'preference-centre' } });
      const denied = await put('u-put', 'vendor-c.support', { granted: false }).expect(200);
      expect(denied.body.events[0]).toMatchObject({ seq: 2, prevHash: res.body.events[0].hash });
      expect((await prefs('u-put')).get('vendor-c.support')).toMatchObject({ status: 'blocked', reason: 'opted-out' });
    });

    it('keeps the notice shown, word for word, under the hash the event refers to', async () => {
      const res = await put('u-notice', 'vendor-d.marketing', { granted: true }).expect(200);
      const [row] = await db.query('SELECT text FROM consent_notice WHERE hash = ?', [res.body.events[0].noticeHash]);
      expect(row.text).toContain('Vendor D');
      expect(row.text).toContain('Email address');
      expect(row.text).toContain('version 1');
    });

    it('answers 409 FLOW_IS_REQUIRED with a reason for a required flow, and records nothing', async () => {
      for (const granted of [false, true]) {
        const res = await put('u-req', 'vendor-a.email-delivery', { granted }).expect(409);
        expect(res.body.code).toBe('FLOW_IS_REQUIRED');
        expect(res.body.message).toMatch(/required: Vendor A receives this data to provide the service \(legal basis: contract\)/);
      }
      const history = await t.http().get('/api/v1/me/history').set('Authorization', t.user('u-req')).expect(200);
      expect(history.body.items).toEqual([]);
    });

    it('answers 404 for an unknown flow', async () => {
      const res = await put('u-404', 'vendor-z.support', { granted: true }).expect(404);
      expect(res.body.code).toBe('FLOW_NOT_FOUND');
    });

    it('answers 409 FLOW_VERSION_CHANGED when the version shown is not the current one', async () => {
      const res = await put('u-ver', 'vendor-d.marketing', { granted: true, flowVersion: 7 }).expect(409);
      expect(res.body).toMatchObject({ code: 'FLOW_VERSION_CHANGED', details: [{ path: 'flowVersion', message: 'version 7 was shown; "vendor-d.marketing" is now version 1' }] });
      await put('u-ver', 'vendor-d.marketing', { granted: true, flowVersion: 1 }).expect(200);
    });

    it.each([
      ['no granted', {}, 'granted', 'is required'],
      ['granted as a string', { granted: 'yes' }, 'granted', 'must be true or false'],
      ['a version of 0', { granted: true, flowVersion: 0 }, 'flowVersion', 'must be a positive integer'],
      ['an unknown property', { granted: true, note: 'x' }, 'note', 'is not a known property'],
    ])('answers 400 for %s, naming the field', async (_, body, path, message) => {
      const res = await put('u-bad', 'vendor-d.marketing', body).expect(400);
      expect(res.body.details).toContainEqual({ path, message });
    });

    it('answers 400 for a flow key that is not one, naming it', async () => {
      const res = await put('u-bad', 'Not A Key', { granted: true }).expect(400);
      expect(res.body.details[0].path).toBe('flowKey');
    });
  });

  describe('PUT /api/v1/me/preferences (several at once)', () => {
    it('applies every change in one write, each its own chained event', async () => {
      const res = await t.http().put('/api/v1/me/preferences').set('Authorization', t.user('u-batch')).send({
        changes: [
          { flowKey: 'vendor-b.product-analytics', granted: true },
          { flowKey: 'vendor-d.marketing', granted: true },
          { flowKey: 'vendor-c.support', granted: false },
        ],
      }).expect(200);
      expect(res.body.version).toBe(3);
      expect(res.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3]);
      expect(res.body.events[1].prevHash).toBe(res.body.events[0].hash);
      const flows = await prefs('u-batch');
      expect([...flows.values()].filter((f) => f.choice !== null).map((f) => [f.key, f.choice!.value]).sort()).toEqual([
        ['vendor-b.product-analytics', 'granted'],
        ['vendor-c.support', 'denied'],
        ['vendor-d.marketing', 'granted'],
      ]);
    });

    it.each([
      ['a required flow among them', { flowKey: 'vendor-a.email-delivery', granted: false }, 409],
      ['an unknown flow among them', { flowKey: 'vendor-z.support', granted: false }, 404],
    ])('records none of them when %s fails', async (_, bad, status) => {
      await t.http().put('/api/v1/me/preferences').set('Authorization', t.user('u-atomic')).send({
        changes: [{ flowKey: 'vendor-d.marketing', granted: true }, bad],
      }).expect(status);
      const [count] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" = 'u-atomic'`);
      expect(Number(count.n)).toBe(0);
    });

    it.each([
      ['no changes', { changes: [] }, 'changes', 'must contain at least 1 elements'],
      ['a flow listed twice', { changes: [{ flowKey: 'vendor-d.marketing', granted: true }, { flowKey: 'vendor-d.marketing', granted: false }] }, 'changes[1].flowKey', '"vendor-d.marketing" is listed more than once'],
      ['a change without granted', { changes: [{ flowKey: 'vendor-d.marketing' }] }, 'changes[0].granted', 'is required'],
    ])('answers 400 for %s, naming the field', async (_, body, path, message) => {
      const res = await t.http().put('/api/v1/me/preferences').set('Authorization', t.user('u-bad')).send(body).expect(400);
      expect(res.body.details).toContainEqual({ path, message });
    });
  });

  describe('Idempotency-Key', () => {
    it('records one event for the same key twice, and answers the same', async () => {
      const send = () => put('u-idem', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', 'click-1');
      const first = await send().expect(200);
      const second = await send().expect(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect({ ...second.body, replayed: false }).toEqual(first.body);
      const [count] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" = 'u-idem'`);
      expect(Number(count.n)).toBe(1);
    });

    it('records one event for the same key sent concurrently', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => put('u-idem-c', 'vendor-b.product-analytics', { granted: true }).set('Idempotency-Key', 'k')),
      );
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
      const [count] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" = 'u-idem-c'`);
      expect(Number(count.n)).toBe(1);
    });

    it('refuses the same key for a different request with 422', async () => {
      await put('u-idem2', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', 'k-2').expect(200);
      const res = await put('u-idem2', 'vendor-d.marketing', { granted: false }).set('Idempotency-Key', 'k-2').expect(422);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('keeps keys per user', async () => {
      await put('u-idem3', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', 'shared').expect(200);
      const other = await put('u-idem4', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', 'shared').expect(200);
      expect(other.body.replayed).toBe(false);
    });

    it("stores a key with quotes, backslashes and SQL in it as it was sent, and replays it", async () => {
      // On PostgreSQL the writer sends values inside its statements' text (escaped literals).
      const key = `it's\\');DROP/**/TABLE/**/consent_event;--"\\n$$`;
      const send = () => put('u-idem6', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', key);
      await send().expect(200);
      const again = await send().expect(200);
      expect(again.body.replayed).toBe(true);
      const rows = await db.query<{ key: string }>(`SELECT key FROM consent_idempotency WHERE "userId" = 'u-idem6'`);
      expect(rows.map((r) => r.key)).toEqual([key]);
      const [count] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" = 'u-idem6'`);
      expect(Number(count.n)).toBe(1);
    });

    it('answers 400 naming the header for a key with spaces', async () => {
      const res = await put('u-idem5', 'vendor-d.marketing', { granted: true }).set('Idempotency-Key', 'a b').expect(400);
      expect(res.body.details[0].path).toBe('Idempotency-Key');
    });
  });

  describe('Sec-GPC', () => {
    it('records the signal once and denies opt-out flows without an explicit choice', async () => {
      await put('u-gpc', 'vendor-c.support', { granted: true }).expect(200);
      const before = await prefs('u-gpc');
      expect(before.get('vendor-c.support')!.status).toBe('allowed');

      const withSignal = await prefs('u-gpc2', true);
      expect(withSignal.get('vendor-c.support')).toMatchObject({ status: 'blocked', reason: 'opted-out', choice: null });
      expect(withSignal.get('vendor-a.email-delivery')!.status).toBe('allowed');
      await prefs('u-gpc2', true);
      await t.http().get('/api/v1/me/history').set('Authorization', t.user('u-gpc2')).set('Sec-GPC', '1').expect(200);
      const history = await t.http().get('/api/v1/me/history').set('Authorization', t.user('u-gpc2')).expect(200);
      expect(history.body.items).toEqual([expect.objectContaining({ seq: 1, source: 'gpc', flowKey: null, choice: 'denied' })]);

      // An explicit choice wins over the signal.
      const explicit = await prefs('u-gpc', true);
      expect(explicit.get('vendor-c.support')).toMatchObject({ status: 'allowed', choice: { value: 'granted' } });
    });

    it('records the signal before the change when a write carries it', async () => {
      const res = await put('u-gpc3', 'vendor-d.marketing', { granted: true }).set('Sec-GPC', '1').expect(200);
      expect(res.body.events.map((e: { source: string }) => e.source)).toEqual(['gpc', 'preference-centre']);
      const consents = await t.http().get('/api/v1/users/u-gpc3/consents').set('Authorization', t.service).expect(200);
      expect(consents.body).toEqual({ userId: 'u-gpc3', version: 2, gpc: true, choices: { 'vendor-d.marketing': { granted: true, version: 1 } } });
    });
  });

  describe('history, receipt and verification', () => {
    beforeAll(async () => {
      await put('u-hist', 'vendor-b.product-analytics', { granted: true }).expect(200);
      await put('u-hist', 'vendor-b.product-analytics', { granted: false }).expect(200);
      await put('u-hist', 'vendor-d.marketing', { granted: true }).expect(200);
    });

    it('lists my events newest first, a page at a time', async () => {
      const page1 = await t.http().get('/api/v1/me/history?limit=2').set('Authorization', t.user('u-hist')).expect(200);
      expect(page1.body.items.map((e: { seq: number }) => e.seq)).toEqual([3, 2]);
      expect(page1.body.nextBefore).toBe(2);
      const page2 = await t.http().get('/api/v1/me/history?limit=2&before=2').set('Authorization', t.user('u-hist')).expect(200);
      expect(page2.body.items.map((e: { seq: number }) => e.seq)).toEqual([1]);
      expect(page2.body.nextBefore).toBeNull();
      const admin = await t.http().get('/api/v1/users/u-hist/history').set('Authorization', t.admin).expect(200);
      expect(admin.body.items).toHaveLength(3);
    });

    it('answers 400 for a history limit out of range, naming it', async () => {
      const res = await t.http().get('/api/v1/me/history?limit=0').set('Authorization', t.user('u-hist')).expect(400);
      expect(res.body.details[0].path).toBe('limit');
    });

    it('gives a receipt of my current consents with the map version they refer to', async () => {
      const res = await t.http().get('/api/v1/me/receipt').set('Authorization', t.user('u-hist')).expect(200);
      expect(res.body).toMatchObject({
        version: 'KI-CR-v1.1.0',
        piiPrincipalId: 'u-hist',
        piiControllers: [{ piiController: 'Example Org' }],
        consentReceiptID: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        consentTimestamp: expect.any(Number),
        flowgate: { mapVersion: 1, stateVersion: 3 },
      });
      const purposes = res.body.services.flatMap((s: { purposes: object[] }) => s.purposes);
      expect(purposes).toContainEqual(expect.objectContaining({ flowKey: 'vendor-b.product-analytics', consentType: 'EXPLICIT', choice: 'denied', status: 'blocked', thirdPartyName: 'Vendor B' }));
      expect(purposes).toContainEqual(expect.objectContaining({ flowKey: 'vendor-d.marketing', choice: 'granted', status: 'allowed', choiceFlowVersion: 1 }));
      expect(purposes).toContainEqual(expect.objectContaining({ flowKey: 'vendor-a.email-delivery', consentType: 'NOT-REQUIRED', primaryPurpose: true }));
    });

    it('signs the receipt as a JWT that verifies against the public key set, and fails once a byte changes', async () => {
      const json = await t.http().get('/api/v1/me/receipt').set('Authorization', t.user('u-hist')).expect(200);
      const signed = await t
        .http()
        .get('/api/v1/me/receipt?format=jwt')
        .set('Authorization', t.user('u-hist'))
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect(signed.headers['content-type']).toMatch(/^application\/jwt/);
      const [header, payload, signature] = (signed.body as string).split('.');

      // The key set is public: whoever holds a receipt can check it.
      const keys = await t.http().get('/api/v1/receipts/keys').expect(200);
      expect(keys.body.keys).toHaveLength(1);
      const [jwk] = keys.body.keys as (JsonWebKey & { kid: string })[];
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(jwk).not.toHaveProperty('d');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: jwk.kid });

      const key = createPublicKey({ key: jwk, format: 'jwk' });
      const checks = (claims: string) => verify(null, Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'));
      expect(checks(payload)).toBe(true);
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const { flowgate, ...receipt } = json.body;
      expect(claims).toMatchObject({ ...receipt, flowgate: { ...flowgate, issuedAt: expect.any(String) }, sub: 'u-hist', jti: receipt.consentReceiptID });
      expect(claims.iat).toBe(Math.floor(Date.parse(claims.flowgate.issuedAt) / 1000));

      const forged = JSON.stringify({ ...claims, services: claims.services.map((s: object) => ({ ...s, purposes: [] })) });
      expect(checks(Buffer.from(forged).toString('base64url'))).toBe(false);
    });

    it('answers 400 naming format for a receipt format it does not have', async () => {
      const res = await t.http().get('/api/v1/me/receipt?format=pdf').set('Authorization', t.user('u-hist')).expect(400);
      expect(res.body.details[0]).toMatchObject({ path: 'format', message: expect.stringContaining('json, jwt') });
    });

    it('verifies an intact chain', async () => {
      const res = await t.http().get('/api/v1/users/u-hist/verify').set('Authorization', t.admin).expect(200);
      expect(res.body).toEqual({ userId: 'u-hist', version: 3, ok: true, events: 3, problems: [], log: [] });
    });

    it('refuses UPDATE and DELETE of events in the database itself', async () => {
      await expect(db.query(`UPDATE consent_event SET choice = 'granted' WHERE "userId" = 'u-hist'`)).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM consent_event WHERE "userId" = 'u-hist'`)).rejects.toThrow(/append-only/);
    });

    it('detects a flipped byte in a stored event', async () => {
      await put('u-tamper', 'vendor-d.marketing', { granted: false }).expect(200);
      await put('u-tamper', 'vendor-d.marketing', { granted: true }).expect(200);
      // Someone with file access drops the trigger and edits the first event's choice.
      const pg = t.database === 'postgres';
      await db.query(pg ? 'ALTER TABLE consent_event DISABLE TRIGGER consent_event_no_update' : 'DROP TRIGGER consent_event_no_update');
      try {
        // One digit of the time, changed to another digit.
        await db.query(
          `UPDATE consent_event SET "recordedAt" = substr("recordedAt", 1, 22) || (CASE substr("recordedAt", 23, 1) WHEN '9' THEN '0' ELSE '9' END) || 'Z' WHERE "userId" = 'u-tamper' AND seq = 1`,
        );
      } finally {
        await db.query(
          pg
            ? 'ALTER TABLE consent_event ENABLE TRIGGER consent_event_no_update'
            : `CREATE TRIGGER "consent_event_no_update" BEFORE UPDATE ON "consent_event" BEGIN SELECT RAISE(ABORT, 'consent_event is append-only: UPDATE is not allowed'); END`,
        );
      }
      const res = await t.http().get('/api/v1/users/u-tamper/verify').set('Authorization', t.admin).expect(200);
      expect(res.body.ok).toBe(false);
      expect(res.body.problems).toContainEqual(expect.objectContaining({ seq: 1, problem: 'content does not match its hash' }));
    });
  });

  describe('admin and service writes', () => {
    it('records on behalf of a user with source api or import and the actor', async () => {
      const res = await t.http().put('/api/v1/users/u-api/preferences').set('Authorization', t.service).send({ changes: [{ flowKey: 'vendor-d.marketing', granted: true }], source: 'import' }).expect(200);
      expect(res.body.events[0]).toMatchObject({ source: 'import', actor: expect.stringMatching(/^service:\d+$/) });
      const admin = await t.http().put('/api/v1/users/u-api/preferences').set('Authorization', t.admin).send({ changes: [{ flowKey: 'vendor-d.marketing', granted: false }] }).expect(200);
      expect(admin.body.events[0]).toMatchObject({ source: 'api', actor: 'admin' });
      const view = await t.http().get('/api/v1/users/u-api/preferences').set('Authorization', t.admin).expect(200);
      expect(flowsOf(view.body).get('vendor-d.marketing')!.choice).toMatchObject({ value: 'denied', source: 'api' });
    });

    it('refuses a source users own (preference-centre, gpc), naming the field', async () => {
      const res = await t.http().put('/api/v1/users/u-api/preferences').set('Authorization', t.admin).send({ changes: [{ flowKey: 'vendor-d.marketing', granted: true }], source: 'gpc' }).expect(400);
      expect(res.body.details).toEqual([{ path: 'source', message: 'must be one of api, import, feature-activation' }]);
    });

    it('answers 400 for a user id that is not one, naming it', async () => {
      const res = await t.http().get('/api/v1/users/a%20b/history').set('Authorization', t.admin).expect(400);
      expect(res.body.details[0].path).toBe('userId');
    });
  });

  describe('stale consent', () => {
    it('asks for re-consent when an opt-in flow adds a field, and the new grant covers it', async () => {
      await put('u-stale', 'vendor-d.marketing', { granted: true }).expect(200);
      await t.http().patch('/api/v1/flows/vendor-d.marketing').set('Authorization', t.admin).send({ fields: ['user.contact.email', 'user.name'] }).expect(200);
      const stale = (await prefs('u-stale')).get('vendor-d.marketing')!;
      expect(stale).toMatchObject({ version: 2, status: 'allowed', needsReconsent: true, newFields: ['user.name'], choice: { value: 'granted', flowVersion: 1 } });
      const decision = await t.http().post('/api/v1/decisions').set('Authorization', t.service).send({ userId: 'u-stale', subprocessor: 'vendor-d', purpose: 'marketing', fields: ['user.contact.email', 'user.name'] }).expect(200);
      expect(decision.body).toMatchObject({ allow: false, allowedFields: ['user.contact.email'], blocked: [{ field: 'user.name', reason: 'stale-consent' }] });

      await put('u-stale', 'vendor-d.marketing', { granted: true, flowVersion: 2 }).expect(200);
      expect((await prefs('u-stale')).get('vendor-d.marketing')).toMatchObject({ needsReconsent: false, newFields: [] });
      const after = await t.http().post('/api/v1/decisions').set('Authorization', t.service).send({ userId: 'u-stale', subprocessor: 'vendor-d', purpose: 'marketing', fields: ['user.contact.email', 'user.name'] }).expect(200);
      expect(after.body.allow).toBe(true);
    });
  });

  describe('rebuild', () => {
    it('rebuilds the same state from the events', async () => {
      const snapshot = async () => ({
        states: await db.query('SELECT * FROM consent_state ORDER BY "userId", "flowKey"'),
        subjects: await db.query('SELECT * FROM consent_subject ORDER BY "userId"'),
      });
      const before = await snapshot();
      expect(before.states.length).toBeGreaterThan(10);
      const counts = await t.app.get(ConsentService).rebuild();
      expect(counts.users).toBe(before.subjects.length);
      expect(await snapshot()).toEqual(before);
      // And the caches read the rebuilt state.
      const consents = await t.http().get('/api/v1/users/u-gpc3/consents').set('Authorization', t.service).expect(200);
      expect(consents.body.gpc).toBe(true);
    });
  });
});

describe('the receipt-signing key', () => {
  it('is kept in the data folder, so receipts signed before a restart still verify after it', async () => {
    const first = await startTestApp();
    const before = (await first.http().get('/api/v1/receipts/keys').expect(200)).body;
    await first.close({ keepFiles: true });
    const second = await startTestApp({}, first.dir);
    try {
      expect((await second.http().get('/api/v1/receipts/keys').expect(200)).body).toEqual(before);
    } finally {
      await second.close({ keepFiles: true });
    }

    // Rotated with the CLI: the next start signs with a new key and still lists the old one.
    const out: string[] = [];
    const env = { ...first.databaseEnv, FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' };
    expect(await runCli(['receipt-key', 'rotate'], { out: (x) => out.push(x), err: (x) => out.push(x), env })).toBe(0);
    const third = await startTestApp({}, first.dir);
    try {
      const keys = (await third.http().get('/api/v1/receipts/keys').expect(200)).body.keys as { kid: string }[];
      expect(keys).toHaveLength(2);
      expect(keys[1]).toEqual(before.keys[0]);
      expect(keys[0].kid).not.toBe(before.keys[0].kid);
      expect(out.join('\n')).toContain(`${keys[0].kid} signs from the server's next start; ${before.keys[0].kid} is retired`);
    } finally {
      await third.close();
    }
  });
});
