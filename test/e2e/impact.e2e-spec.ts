import { DataSource } from 'typeorm';
import { flowKeyOf } from '@flowgate/core';
import { normalizeManifest } from '../../src/data-map/manifest/manifest.diff';
import { sentFields, type Manifest } from '../../src/data-map/manifest/manifest.types';
import { callFieldsOf, compileConsents, compilePolicy, decide, type PolicyMap } from '@flowgate/core';
import { PolicyService } from '../../src/policy/policy.service';
import { createRng, pick } from '../../bench/synthetic-map';
import { auditEvent } from '../factories/audit-event.factory';
import { aConsentManifest, startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { aField, aFlow, aSubprocessor } from '../factories/manifest.factory';

const DAY = 24 * 60 * 60 * 1000;

/** The change whose impact is measured: stricter, looser, widened, removed and new flows. */
function nextMap(): Manifest {
  const m = aConsentManifest();
  m.fields.push(aField({ key: 'user.phone', name: 'Phone', paths: ['phone'] }));
  m.subprocessors.push(aSubprocessor({ key: 'vendor-e', name: 'Vendor E', url: 'https://vendor-e.example', locations: ['DE'], category: 'support' }));
  m.flows = m.flows.flatMap((f) => {
    const key = flowKeyOf(f.subprocessor, f.purpose);
    if (key === 'vendor-a.email-delivery') return [{ ...f, fields: [...(f.fields as string[]), 'user.health'], excludedFields: [] }];
    if (key === 'vendor-b.product-analytics') return [{ ...f, mode: 'opt-out' as const, legalBasis: 'legitimate-interests' as const }];
    if (key === 'vendor-c.support') return [{ ...f, mode: 'required' as const, legalBasis: 'contract' as const }];
    if (key === 'vendor-d.marketing') return [];
    if (key === 'vendor-d.product-analytics') return [{ ...f, fields: [...(f.fields as string[]), 'user.name'] }];
    return [f];
  });
  m.flows.push(aFlow({ subprocessor: 'vendor-e', purpose: 'support', fields: ['user.contact.email'] }));
  return m;
}

/** The map as the engine reads it (flow versions do not matter for whether a flow is allowed). */
function policyOf(m: Manifest): PolicyMap {
  const n = normalizeManifest(m);
  return {
    version: 1,
    fields: n.fields.map((f) => ({ key: f.key, paths: f.paths, sensitivity: f.sensitivity })),
    subprocessors: n.subprocessors.map((s) => ({ key: s.key })),
    purposes: n.purposes.map((p) => ({ key: p.key })),
    flows: n.flows.map((f) => ({
      key: flowKeyOf(f.subprocessor, f.purpose), subprocessor: f.subprocessor, purpose: f.purpose, mode: f.mode, legalBasis: f.legalBasis,
      version: 1, fields: sentFields(f).map((key) => ({ key, since: 1 })), excludedFields: f.excludedFields ?? [],
    })),
  };
}

describe('Impact of a change (e2e)', () => {
  let t: ConsentTestApp;
  const now = Date.now();
  beforeAll(async () => {
    t = await startConsentApp();
    const rng = createRng(15);
    for (let i = 0; i < 40; i++) {
      const userId = `user-${i}@example.com`;
      const changes = (['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'] as const)
        .map((flowKey) => ({ flowKey, choice: pick(rng, ['none', 'granted', 'denied'] as const) }))
        .filter((c) => c.choice !== 'none')
        .map((c) => ({ flowKey: c.flowKey, granted: c.choice === 'granted' }));
      if (changes.length > 0) await t.http().put(`/api/v1/users/${userId}/preferences`).set('Authorization', t.admin).send({ changes }).expect(200);
      if (rng() < 0.3) await t.http().get('/api/v1/me/preferences').set('Authorization', t.user(userId)).set('Sec-GPC', '1').expect(200);
    }
    const at = (ms: number) => new Date(ms).toISOString();
    const recent = { firstAt: at(now - DAY - 1000), lastAt: at(now - DAY) };
    const events = [
      auditEvent({ subprocessor: 'vendor-c', purpose: 'support', field: '*', reason: 'opted-out', count: 5, ...recent }),
      auditEvent({ subprocessor: 'vendor-b', purpose: 'product-analytics', field: '*', reason: 'not-opted-in', count: 7, ...recent }),
      auditEvent({ subprocessor: 'vendor-b', purpose: 'product-analytics', field: '*', reason: 'opted-out', count: 4, ...recent }),
      auditEvent({ subprocessor: 'vendor-a', purpose: 'email-delivery', field: 'user.health', reason: 'excluded', count: 3, ...recent }),
      auditEvent({ subprocessor: 'vendor-e', purpose: 'support', field: '*', reason: 'no-flow', count: 2, mode: 'monitor', kind: 'monitored', ...recent }),
      // Outside the 7-day window: not counted.
      auditEvent({ subprocessor: 'vendor-c', purpose: 'support', field: '*', reason: 'opted-out', count: 100, firstAt: at(now - 20 * DAY), lastAt: at(now - 20 * DAY) }),
    ];
    await t.http().post('/api/v1/audit/events').set('Authorization', t.service).send({ service: 'app', events }).expect(202);
  });
  afterAll(() => t.close());

  it('reports per flow the users who gain, lose or must consent again, equal to a direct count over every stored user', async () => {
    const res = await t.http().post('/api/v1/impact?days=7&prune=true').set('Authorization', t.admin).send(nextMap()).expect(200);
    const flows = res.body.flows as Array<{ flow: string; change: string; users: { gain: number; lose: number; reconsent: number }; calls: { unblocked: number } }>;

    // The direct count: every user in the database, decided by the engine under both maps.
    const db = t.app.get(DataSource);
    const subjects = (await db.query('SELECT "userId", "gpc" FROM "consent_subject"')) as Array<{ userId: string; gpc: number }>;
    const states = (await db.query('SELECT "userId", "flowKey", "choice", "flowVersion" FROM "consent_state"')) as Array<{ userId: string; flowKey: string; choice: string; flowVersion: number }>;
    const before = compilePolicy(policyOf(aConsentManifest()));
    const after = compilePolicy(policyOf(nextMap()));
    const direct = new Map<string, { gain: number; lose: number; reconsent: number }>();
    for (const { userId, gpc } of subjects) {
      const choices = states.filter((s) => s.userId === userId).map((s) => [s.flowKey, { granted: s.choice === 'granted', version: 1 }] as const);
      const allowedIn = (policy: typeof before, key: string) => {
        const [subprocessor, purpose] = key.split('.');
        return decide(policy, compileConsents(policy, choices, { gpc: Boolean(gpc) }), { subprocessor, purpose }).reason === null;
      };
      for (const { flow } of flows) {
        const entry = direct.get(flow) ?? { gain: 0, lose: 0, reconsent: 0 };
        const was = allowedIn(before, flow);
        const is = allowedIn(after, flow);
        if (was && !is) entry.lose += 1;
        if (!was && is) entry.gain += 1;
        if (flow === 'vendor-d.product-analytics' && choices.some(([k, c]) => k === flow && c.granted)) entry.reconsent += 1;
        direct.set(flow, entry);
      }
    }
    expect(res.body.knownUsers).toBe(subjects.length);
    expect(Object.fromEntries(flows.map((f) => [f.flow, f.users]))).toEqual(Object.fromEntries(direct));
    // The seeded choices make every kind of change count something.
    expect(direct.get('vendor-c.support')!.gain).toBeGreaterThan(0);
    expect(direct.get('vendor-d.marketing')!.lose).toBeGreaterThan(0);
    expect(direct.get('vendor-d.product-analytics')!.reconsent).toBeGreaterThan(0);
    expect(flows.map((f) => [f.flow, f.change])).toEqual([
      ['vendor-a.email-delivery', 'changed'],
      ['vendor-b.product-analytics', 'changed'],
      ['vendor-c.support', 'changed'],
      ['vendor-d.marketing', 'removed'],
      ['vendor-d.product-analytics', 'changed'],
      ['vendor-e.support', 'added'],
    ]);
  });

  it('counts the recently blocked calls the new map would let through, from the audit reports of the window only', async () => {
    const res = await t.http().post('/api/v1/impact?days=7&prune=true').set('Authorization', t.admin).send(nextMap()).expect(200);
    const calls = Object.fromEntries((res.body.flows as Array<{ flow: string; calls: { unblocked: number } }>).map((f) => [f.flow, f.calls.unblocked]));
    // opted-out under opt-out stays blocked for those users; not-opted-in under opt-out now goes.
    expect(calls).toEqual({
      'vendor-a.email-delivery': 3,
      'vendor-b.product-analytics': 7,
      'vendor-c.support': 5,
      'vendor-d.marketing': 0,
      'vendor-d.product-analytics': 0,
      'vendor-e.support': 2,
    });
    const wide = await t.http().post('/api/v1/impact?days=30&prune=true').set('Authorization', t.admin).send(nextMap()).expect(200);
    expect((wide.body.flows as Array<{ flow: string; calls: { unblocked: number } }>).find((f) => f.flow === 'vendor-c.support')!.calls.unblocked).toBe(105);
  });

  it('writes nothing, and names a bad query parameter', async () => {
    const before = await t.http().get('/api/v1/manifest?format=json').set('Authorization', t.admin).expect(200);
    await t.http().post('/api/v1/impact').set('Authorization', t.admin).send(nextMap()).expect(200);
    expect((await t.http().get('/api/v1/manifest?format=json').set('Authorization', t.admin)).text).toBe(before.text);
    const bad = await t.http().post('/api/v1/impact?days=0').set('Authorization', t.admin).send(nextMap()).expect(400);
    expect(bad.body.details).toEqual([{ path: 'days', message: 'must be an integer from 1 to 365' }]);
    const invalid = await t.http().post('/api/v1/impact').set('Authorization', t.admin).send({ version: 2 }).expect(400);
    expect(invalid.body.code).toBe('INVALID_MANIFEST');
  });
});

/**
 * Calls that would change outcome, from the guards' `call` reports (consent category, not
 * user): on a seeded database, equal to a direct count that decides every simulated call
 * with that user's own stored consents under the real policies before and after the import.
 */
describe('Impact of a change on recent calls (e2e)', () => {
  let t: ConsentTestApp;
  const now = Date.now();
  type Call = { userId: string; subprocessor: string; purpose: string; fields: string[] };
  const calls: Call[] = [];
  beforeAll(async () => {
    t = await startConsentApp();
    const rng = createRng(1515);
    const users = Array.from({ length: 30 }, (_, i) => `caller-${i}@example.com`);
    for (const userId of users) {
      const changes = (['vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'] as const)
        .map((flowKey) => ({ flowKey, choice: pick(rng, ['none', 'granted', 'denied'] as const) }))
        .filter((c) => c.choice !== 'none')
        .map((c) => ({ flowKey: c.flowKey, granted: c.choice === 'granted' }));
      if (changes.length > 0) await t.http().put(`/api/v1/users/${userId}/preferences`).set('Authorization', t.admin).send({ changes }).expect(200);
      if (rng() < 0.3) await t.http().get('/api/v1/me/preferences').set('Authorization', t.user(userId)).set('Sec-GPC', '1').expect(200);
    }
    // 600 calls: a user, one of the map's flows, some of its fields and sometimes one it does not send.
    const map = aConsentManifest();
    const extra = ['user.health', 'user.name', 'user.phone'];
    for (let i = 0; i < 600; i++) {
      const flow = pick(rng, map.flows);
      const fields = sentFields(flow).filter(() => rng() < 0.7);
      if (rng() < 0.3) fields.push(pick(rng, extra));
      calls.push({ userId: pick(rng, users), subprocessor: flow.subprocessor, purpose: flow.purpose, fields: [...new Set(fields)] });
    }
    // What a guard with `reportCalls` sends: each call's consent category, counted by identity.
    const db = t.app.get(DataSource);
    const subjects = new Map(((await db.query('SELECT "userId", "gpc" FROM "consent_subject"')) as Array<{ userId: string; gpc: number }>).map((s) => [s.userId, Boolean(s.gpc)]));
    const states = (await db.query('SELECT "userId", "flowKey", "choice" FROM "consent_state"')) as Array<{ userId: string; flowKey: string; choice: string }>;
    const choice = new Map(states.map((s) => [`${s.userId} ${s.flowKey}`, s.choice]));
    const counted = new Map<string, ReturnType<typeof auditEvent>>();
    const at = new Date(now - DAY).toISOString();
    for (const c of calls) {
      const stored = choice.get(`${c.userId} ${flowKeyOf(c.subprocessor, c.purpose)}`);
      const reason = stored ?? (subjects.get(c.userId) ? 'gpc' : 'none');
      const field = callFieldsOf(c.fields);
      const key = `${c.subprocessor} ${c.purpose} ${field} ${reason}`;
      const event = counted.get(key) ?? auditEvent({ kind: 'call', subprocessor: c.subprocessor, purpose: c.purpose, field, reason, count: 0, firstAt: at, lastAt: at });
      event.count = (event.count as number) + 1;
      counted.set(key, event);
    }
    const sent = await t.http().post('/api/v1/audit/events').set('Authorization', t.service).send({ service: 'app', events: [...counted.values()] });
    expect([sent.status, sent.status === 202 ? null : sent.body]).toEqual([202, null]);
  }, 60_000);
  afterAll(() => t.close());

  it('counts per flow the calls that would send less or more, equal to a direct count', async () => {
    const res = await t.http().post('/api/v1/impact?days=7&prune=true').set('Authorization', t.admin).send(nextMap()).expect(200);
    type Calls = { reported: number; changed: number; newlyBlocked: number; newlyAllowed: number };
    const reported = Object.fromEntries(
      (res.body.flows as Array<{ flow: string; calls: Calls }>).map(({ flow, calls: c }) => [
        flow,
        { reported: c.reported, changed: c.changed, newlyBlocked: c.newlyBlocked, newlyAllowed: c.newlyAllowed },
      ]),
    );
    expect(res.body.reportedCalls).toBe(calls.length);

    // The direct count: import for real, then decide every call with the user's own consents under both policies.
    const policies = t.app.get(PolicyService);
    const before = (await policies.current()).policy!;
    await t.http().post('/api/v1/manifest?prune=true').set('Authorization', t.admin).send(nextMap()).expect(201);
    const after = (await policies.current()).policy!;
    expect(after.version).toBeGreaterThan(before.version);
    const db = t.app.get(DataSource);
    const subjects = new Map(((await db.query('SELECT "userId", "gpc" FROM "consent_subject"')) as Array<{ userId: string; gpc: number }>).map((s) => [s.userId, Boolean(s.gpc)]));
    const states = (await db.query('SELECT "userId", "flowKey", "choice", "flowVersion" FROM "consent_state"')) as Array<{ userId: string; flowKey: string; choice: string; flowVersion: number }>;
    const direct = new Map<string, Calls>();
    for (const c of calls) {
      const choices = states.filter((s) => s.userId === c.userId).map((s) => [s.flowKey, { granted: s.choice === 'granted', version: s.flowVersion }] as const);
      const outcome = (policy: typeof before) =>
        decide(policy, compileConsents(policy, choices, { gpc: subjects.get(c.userId) ?? false }), { subprocessor: c.subprocessor, purpose: c.purpose, fields: c.fields, at: now });
      const was = outcome(before);
      const will = outcome(after);
      const flow = will.flowKey ?? was.flowKey!;
      const entry = direct.get(flow) ?? { reported: 0, changed: 0, newlyBlocked: 0, newlyAllowed: 0 };
      entry.reported += 1;
      const lost = was.allowedFields.some((f) => !will.allowedFields.includes(f)) || (was.allow && !will.allow);
      const gained = will.allowedFields.some((f) => !was.allowedFields.includes(f)) || (!was.allow && will.allow);
      if (lost || gained) entry.changed += 1;
      if (lost) entry.newlyBlocked += 1;
      if (gained) entry.newlyAllowed += 1;
      direct.set(flow, entry);
    }
    // Flows of the report are the changed ones; the direct count of each equals it.
    for (const [flow, counts] of Object.entries(reported)) {
      expect({ flow, ...counts }).toEqual({ flow, ...(direct.get(flow) ?? { reported: 0, changed: 0, newlyBlocked: 0, newlyAllowed: 0 }) });
    }
    // Unchanged flows keep every outcome, and the seeded calls make every kind of change count.
    for (const [flow, counts] of direct) if (!(flow in reported)) expect({ flow, changed: counts.changed }).toEqual({ flow, changed: 0 });
    expect(reported['vendor-d.marketing'].newlyBlocked).toBeGreaterThan(0);
    expect(reported['vendor-c.support'].newlyAllowed).toBeGreaterThan(0);
    expect(reported['vendor-a.email-delivery'].newlyAllowed).toBeGreaterThan(0);
    // Opt-in and widened: a call carrying the new field stays blocked (stale-consent for those who granted).
    expect(reported['vendor-d.product-analytics']).toMatchObject({ reported: expect.any(Number), changed: 0 });
    expect(reported['vendor-d.product-analytics'].reported).toBeGreaterThan(0);
  });

  it('refuses a call report that is not a consent category and field keys, naming the field', async () => {
    const at = new Date(now - DAY).toISOString();
    const bad = await t.http().post('/api/v1/audit/events').set('Authorization', t.service).send({
      service: 'app',
      events: [
        auditEvent({ kind: 'call', field: 'user.name', reason: 'opted-out', firstAt: at, lastAt: at }),
        auditEvent({ kind: 'call', field: 'user.name, <b>', reason: 'granted', firstAt: at, lastAt: at }),
      ],
    }).expect(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(['events[0].reason', 'events[1].field']);
  });
});
