import type { ConsentMode } from '../vocabulary.js';
import {
  compileConsents,
  compilePolicy,
  decide,
  EMPTY_CONSENTS,
  MAX_PAYLOAD_DEPTH,
  MAX_VERSION,
  PolicyMapError,
  REASON_CODES,
  unavailableDecision,
  type ConsentChoice,
  type Decision,
  type DecisionRequest,
  type Policy,
  type PolicyMap,
  type PolicyMapFlow,
  type ReasonCode,
} from './index.js';

const flow = (
  subprocessor: string,
  purpose: string,
  mode: ConsentMode,
  fields: [string, number][],
  excludedFields: string[] = [],
  version = 1,
): PolicyMapFlow => ({
  key: `${subprocessor}.${purpose}`,
  subprocessor,
  purpose,
  mode,
  legalBasis: mode === 'opt-in' ? 'consent' : mode === 'required' ? 'contract' : 'legitimate-interests',
  version,
  fields: fields.map(([key, since]) => ({ key, since })),
  excludedFields,
});

const MAP: PolicyMap = {
  version: 7,
  fields: [
    { key: 'user.contact.email', paths: ['email', 'customer.email', 'to[*].email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name', 'customer.name'], sensitivity: 'personal' },
    { key: 'user.contact.phone', paths: ['phone'], sensitivity: 'personal' },
    { key: 'user.address', paths: ['address'], sensitivity: 'personal' },
    { key: 'payment.card', paths: ['card'], sensitivity: 'special' },
    { key: 'device.ip', paths: ['ip', 'meta.ip'], sensitivity: 'pseudonymous' },
    { key: 'order.items', paths: ['items[*].sku'], sensitivity: 'none' },
  ],
  subprocessors: [{ key: 'mailer' }, { key: 'tracker' }, { key: 'helpdesk' }, { key: 'multi' }, { key: 'idle' }],
  purposes: [{ key: 'email-delivery' }, { key: 'product-analytics' }, { key: 'support' }, { key: 'marketing' }],
  flows: [
    flow('mailer', 'email-delivery', 'required', [['user.contact.email', 1], ['user.name', 1], ['user.address', 1], ['order.items', 1]], ['payment.card']),
    flow('tracker', 'product-analytics', 'opt-out', [['device.ip', 1], ['user.contact.email', 3]], ['user.name'], 3),
    // opt-in, version 2 added the phone number
    flow('helpdesk', 'support', 'opt-in', [['user.contact.email', 1], ['user.name', 1], ['user.contact.phone', 2]], ['payment.card'], 2),
    flow('multi', 'support', 'opt-out', [['user.contact.email', 1]]),
    flow('multi', 'marketing', 'opt-in', [['user.contact.email', 1]]),
  ],
};
const policy = compilePolicy(MAP);

const granted = (version: number): ConsentChoice => ({ granted: true, version });
const denied = (version: number): ConsentChoice => ({ granted: false, version });
const consentsOf = (choices: Record<string, ConsentChoice>, gpc = false) =>
  compileConsents(policy, choices, { gpc });

/** `[allow, reason, allowedFields, blocked as field:reason]`, for compact expectations. */
const summary = (d: Decision) => [d.allow, d.reason, d.allowedFields, d.blocked.map((b) => `${b.field}:${b.reason}`)];

describe(compilePolicy.name, () => {
  it('freezes the compiled policy and echoes the map version', () => {
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.flows)).toBe(true);
    expect(Object.isFrozen(policy.flows[0])).toBe(true);
    expect(Object.isFrozen(policy.paths)).toBe(true);
    expect(Object.isFrozen(policy.subprocessors) && Object.isFrozen(policy.fieldIds)).toBe(true);
    expect(policy.version).toBe(7);
  });

  it.each<[string, (m: PolicyMap) => PolicyMap, string]>([
    ['duplicate field', (m) => ({ ...m, fields: [...m.fields, m.fields[0]] }), 'fields[7].key: duplicate key "user.contact.email"'],
    ['unknown field in a flow', (m) => ({ ...m, flows: [flow('idle', 'support', 'opt-out', [['user.shoe-size', 1]])] }), 'flows[0].fields[0]: unknown field "user.shoe-size"'],
    ['field both sent and excluded', (m) => ({ ...m, flows: [flow('idle', 'support', 'opt-out', [['user.name', 1]], ['user.name'])] }), 'flows[0].excludedFields[0]: field "user.name" listed twice'],
    ['unknown subprocessor', (m) => ({ ...m, flows: [flow('nobody', 'support', 'opt-out', [])] }), 'flows[0].subprocessor: unknown subprocessor "nobody"'],
    ['two flows for one pair', (m) => ({ ...m, flows: [m.flows[0], { ...m.flows[0], key: 'other' }] }), 'flows[1]: a second flow for mailer × email-delivery'],
    ['bad payload path', (m) => ({ ...m, fields: [{ key: 'x', paths: ['a..b'], sensitivity: 'none' }], flows: [] }), 'fields[0].paths[0]: not a payload path: "a..b"'],
    ['too deep a path', (m) => ({ ...m, fields: [{ key: 'x', paths: [Array(33).fill('a').join('.')], sensitivity: 'none' }], flows: [] }), `fields[0].paths[0]: deeper than ${MAX_PAYLOAD_DEPTH}`],
    ['negative since', (m) => ({ ...m, flows: [flow('idle', 'support', 'opt-out', [['user.name', -1]])] }), `flows[0].fields[0].since: must be an integer from 0 to ${MAX_VERSION}`],
  ])('rejects a map with: %s', (_, change, message) => {
    expect(() => compilePolicy(change(MAP))).toThrow(PolicyMapError);
    expect(() => compilePolicy(change(MAP))).toThrow(message);
  });
});

describe(decide.name, () => {
  const ask = (req: DecisionRequest, consents = EMPTY_CONSENTS) => summary(decide(policy, consents, req));

  describe('consent table (mode × state)', () => {
    const requests = {
      required: { subprocessor: 'mailer', purpose: 'email-delivery', fields: ['user.contact.email'] },
      'opt-out': { subprocessor: 'tracker', purpose: 'product-analytics', fields: ['device.ip'] },
      'opt-in': { subprocessor: 'helpdesk', purpose: 'support', fields: ['user.contact.email'] },
    } as const;
    type State = 'no choice' | 'granted' | 'denied' | 'GPC, no choice' | 'GPC, granted' | 'GPC, denied';
    const stateOf = (state: State, flowKey: string) => {
      const gpc = state.startsWith('GPC');
      const choices: Record<string, ConsentChoice> = state.endsWith('granted')
        ? { [flowKey]: granted(9) }
        : state.endsWith('denied')
          ? { [flowKey]: denied(9) }
          : {};
      return consentsOf(choices, gpc);
    };
    it.each<[ConsentMode, State, ReasonCode | null]>([
      ['required', 'no choice', null],
      ['required', 'granted', null],
      ['required', 'denied', null], // cannot be set; a stored one is ignored
      ['required', 'GPC, no choice', null],
      ['required', 'GPC, denied', null],
      ['opt-out', 'no choice', null],
      ['opt-out', 'granted', null],
      ['opt-out', 'denied', 'opted-out'],
      ['opt-out', 'GPC, no choice', 'opted-out'],
      ['opt-out', 'GPC, granted', null], // an explicit grant beats GPC
      ['opt-out', 'GPC, denied', 'opted-out'],
      ['opt-in', 'no choice', 'not-opted-in'],
      ['opt-in', 'granted', null],
      ['opt-in', 'denied', 'opted-out'],
      ['opt-in', 'GPC, no choice', 'not-opted-in'],
      ['opt-in', 'GPC, granted', null],
      ['opt-in', 'GPC, denied', 'opted-out'],
    ])('%s × %s → %s', (mode, state, reason) => {
      const request = requests[mode];
      const consents = stateOf(state, `${request.subprocessor}.${request.purpose}`);
      const field = request.fields[0];
      expect(ask(request, consents)).toEqual(
        reason === null ? [true, null, [field], []] : [false, reason, [], [`${field}:${reason}`]],
      );
      // the flow alone: same verdict, nothing listed
      const flowOnly = decide(policy, consents, { subprocessor: request.subprocessor, purpose: request.purpose });
      expect(summary(flowOnly)).toEqual([reason === null, reason, [], []]);
    });

    it('takes GPC from the request as well as from the consents', () => {
      expect(ask({ ...requests['opt-out'], gpc: true })).toEqual([false, 'opted-out', [], ['device.ip:opted-out']]);
      expect(ask({ ...requests['opt-out'], gpc: false }, consentsOf({}, true))[1]).toBe('opted-out');
    });
  });

  describe('fields', () => {
    const tracker = { subprocessor: 'tracker', purpose: 'product-analytics' };
    it('blocks a field unknown to the map, or known but not sent by this flow, as undeclared', () => {
      expect(ask({ ...tracker, fields: ['device.ip', 'user.shoe-size', 'user.contact.phone'] })).toEqual([
        false,
        null,
        ['device.ip'],
        ['user.shoe-size:undeclared', 'user.contact.phone:undeclared'],
      ]);
    });
    it('blocks an excluded field as excluded', () => {
      expect(ask({ ...tracker, fields: ['user.name', 'device.ip'] })).toEqual([false, null, ['device.ip'], ['user.name:excluded']]);
    });
    it('puts undeclared and excluded before the flow reason', () => {
      const optedOut = consentsOf({ 'tracker.product-analytics': denied(3) });
      expect(ask({ ...tracker, fields: ['user.name', 'nope', 'device.ip'] }, optedOut)).toEqual([
        false,
        'opted-out',
        [],
        ['user.name:excluded', 'nope:undeclared', 'device.ip:opted-out'],
      ]);
    });
    it('answers every field asked for, in order, a repeated one each time', () => {
      expect(ask({ ...tracker, fields: ['x', 'device.ip', 'x', 'device.ip'] })).toEqual([
        false,
        null,
        ['device.ip', 'device.ip'],
        ['x:undeclared', 'x:undeclared'],
      ]);
    });
    it('answers about the flow alone when asked for no fields', () => {
      expect(decide(policy, EMPTY_CONSENTS, { ...tracker, fields: [] })).toEqual({
        allow: true,
        reason: null,
        allowedFields: [],
        blocked: [],
        flowKey: 'tracker.product-analytics',
        policyVersion: 7,
      });
    });
  });

  describe('stale consent', () => {
    const helpdesk = { subprocessor: 'helpdesk', purpose: 'support', fields: ['user.contact.email', 'user.name', 'user.contact.phone'] };
    it('blocks a field added to an opt-in flow after the grant; the old fields still go', () => {
      expect(ask(helpdesk, consentsOf({ 'helpdesk.support': granted(1) }))).toEqual([
        false,
        null,
        ['user.contact.email', 'user.name'],
        ['user.contact.phone:stale-consent'],
      ]);
    });
    it('allows every field once the user consents to the new version', () => {
      expect(ask(helpdesk, consentsOf({ 'helpdesk.support': granted(2) }))).toEqual([true, null, helpdesk.fields, []]);
    });
    it('is not stale on an opt-out flow, where a grant is not what allows it', () => {
      const request = { subprocessor: 'tracker', purpose: 'product-analytics', fields: ['user.contact.email'] };
      expect(ask(request, consentsOf({ 'tracker.product-analytics': granted(1) }))).toEqual([true, null, ['user.contact.email'], []]);
    });
    it('reads a malformed choice version as 0 (fails towards stale)', () => {
      expect(ask(helpdesk, consentsOf({ 'helpdesk.support': granted(Number.NaN) }))[3]).toEqual([
        'user.contact.email:stale-consent',
        'user.name:stale-consent',
        'user.contact.phone:stale-consent',
      ]);
    });
  });

  describe('flow lookup', () => {
    const fields = ['user.contact.email'];
    it.each<[string, DecisionRequest]>([
      ['an unknown subprocessor', { subprocessor: 'nobody', purpose: 'support', fields }],
      ['an unknown purpose', { subprocessor: 'helpdesk', purpose: 'astrology', fields }],
      ['a known pair with no flow', { subprocessor: 'helpdesk', purpose: 'marketing', fields }],
      ['no purpose, several flows (ambiguous)', { subprocessor: 'multi', fields }],
      ['no purpose, no flows', { subprocessor: 'idle', fields }],
    ])('denies %s with no-flow, blocking every field', (_, request) => {
      const decision = decide(policy, EMPTY_CONSENTS, request);
      expect(summary(decision)).toEqual([false, 'no-flow', [], ['user.contact.email:no-flow']]);
      expect(decision.flowKey).toBeNull();
      expect(decision.policyVersion).toBe(7);
    });
    it('is not fooled by keys of Object.prototype', () => {
      expect(decide(policy, EMPTY_CONSENTS, { subprocessor: '__proto__', fields }).reason).toBe('no-flow');
      expect(decide(policy, EMPTY_CONSENTS, { subprocessor: 'mailer', purpose: 'constructor' }).reason).toBe('no-flow');
      expect(ask({ subprocessor: 'mailer', fields: ['toString', '__proto__'] })[3]).toEqual([
        'toString:undeclared',
        '__proto__:undeclared',
      ]);
    });
    it("uses the subprocessor's only flow when no purpose is given", () => {
      const decision = decide(policy, EMPTY_CONSENTS, { subprocessor: 'mailer', fields });
      expect(decision.flowKey).toBe('mailer.email-delivery');
      expect(decision.allow).toBe(true);
    });
  });

  describe('payload', () => {
    const mailer = { subprocessor: 'mailer', purpose: 'email-delivery' };
    const ofPayload = (payload: unknown, req: Partial<DecisionRequest> = mailer, consents = EMPTY_CONSENTS) => {
      const d = decide(policy, consents, { subprocessor: 'mailer', ...req, payload });
      return { allow: d.allow, reason: d.reason, allowed: d.allowedFields, blocked: d.blocked };
    };

    it('finds fields at nested paths and in every array element', () => {
      expect(ofPayload({ customer: { email: 'ada@example.com', name: 'Ada' }, to: [{ email: 'a@example.com' }, { email: 'b@example.com' }] })).toEqual({
        allow: true,
        reason: null,
        allowed: ['user.contact.email', 'user.name'],
        blocked: [],
      });
    });
    it('blocks leaves no field declares by their normalized path', () => {
      expect(ofPayload({ customer: { email: 'ada@example.com', shoeSize: 38 }, to: [{ email: 'a@example.com', nick: 'a' }, { nick: 'b' }], tags: [['x']] })).toEqual({
        allow: false,
        reason: null,
        allowed: ['user.contact.email'],
        blocked: [
          { field: 'customer.shoeSize', reason: 'undeclared', paths: ['customer.shoeSize'] },
          { field: 'to[*].nick', reason: 'undeclared', paths: ['to[*].nick'] },
          { field: 'tags[*][*]', reason: 'undeclared', paths: ['tags[*][*]'] },
        ],
      });
    });
    it('blocks excluded and other-flow fields under their key, with every path they were found at', () => {
      expect(ofPayload({ card: { number: '4242' }, ip: '192.0.2.1', meta: { ip: '192.0.2.1' }, email: 'ada@example.com' })).toEqual({
        allow: false,
        reason: null,
        allowed: ['user.contact.email'],
        blocked: [
          { field: 'payment.card', reason: 'excluded', paths: ['card'] },
          { field: 'device.ip', reason: 'undeclared', paths: ['ip', 'meta.ip'] },
          // `card` is declared; the object below it is not (a path covers a value, not a subtree)
          { field: 'card.number', reason: 'undeclared', paths: ['card.number'] },
        ],
      });
    });
    it('takes a path as covering a value and its array elements, not the properties of an object below it', () => {
      expect(ofPayload({ address: { street: 'Main St 1', geo: { lat: 1, lng: 2 } }, items: [{ sku: 'a', qty: 1 }] })).toEqual({
        allow: false,
        reason: null,
        allowed: ['user.address', 'order.items'],
        blocked: [
          { field: 'address.street', reason: 'undeclared', paths: ['address.street'] },
          { field: 'address.geo.lat', reason: 'undeclared', paths: ['address.geo.lat'] },
          { field: 'address.geo.lng', reason: 'undeclared', paths: ['address.geo.lng'] },
          { field: 'items[*].qty', reason: 'undeclared', paths: ['items[*].qty'] },
        ],
      });
      expect(ofPayload({ address: ['Main St 1', 'Springfield'] }).allow).toBe(true);
    });
    it('takes a path ending in .** as covering everything below it', () => {
      const deep = compilePolicy({ ...MAP, fields: MAP.fields.map((f) => (f.key === 'user.address' ? { ...f, paths: ['address.**'] } : f)) });
      const d = decide(deep, EMPTY_CONSENTS, { ...mailer, payload: { address: { street: 'Main St 1', geo: { lat: 1, lng: 2 } } } });
      expect([d.allow, d.allowedFields]).toEqual([true, ['user.address']]);
      // still classified: an email somewhere below an address is not an address
      const hidden = decide(deep, EMPTY_CONSENTS, { ...mailer, payload: { address: { note: 'ada@example.com' } } });
      expect(hidden.blocked).toEqual([{ field: 'address.note', reason: 'personal-value', paths: ['address.note'] }]);
    });
    it('blocks a value the classifiers recognise as a kind its field may not carry (personal-value)', () => {
      expect(ofPayload({ name: 'ada@example.com' }).blocked).toEqual([{ field: 'name', reason: 'personal-value', paths: ['name'] }]);
      // free text, URL-encoded and base64 forms are read too
      expect(ofPayload({ name: 'write to ada@example.com please' }).blocked.map((b) => b.reason)).toEqual(['personal-value']);
      expect(ofPayload({ name: 'ada%40example.com' }).blocked.map((b) => b.reason)).toEqual(['personal-value']);
      expect(ofPayload({ name: btoa('ada@example.com') }).blocked.map((b) => b.reason)).toEqual(['personal-value']);
      expect(ofPayload({ name: 'DE89 3704 0044 0532 0130 00' }).blocked.map((b) => b.reason)).toEqual(['personal-value']);
      // the email field may carry an email; a plain name is no kind at all
      expect(ofPayload({ email: 'ada@example.com', name: 'Ada Lovelace' }).allow).toBe(true);
    });
    it('reads URL path segments: through a template a field, otherwise personal-looking segments undeclared', () => {
      const withTemplate = compilePolicy({
        ...MAP,
        fields: MAP.fields.map((f) => (f.key === 'user.contact.email' ? { ...f, paths: [...f.paths, 'url:/u/{}/track'] } : f)),
      });
      const onPath = (p: Policy, urlPath: string, purpose = 'email-delivery') =>
        decide(p, EMPTY_CONSENTS, { subprocessor: purpose === 'email-delivery' ? 'mailer' : 'tracker', purpose, urlPath });
      expect(onPath(policy, '/u/ada%40example.com/track').blocked).toEqual([{ field: 'url:/1', reason: 'undeclared', paths: ['url:/1'] }]);
      expect(onPath(policy, '/u/12345/track').allow).toBe(true);
      expect(onPath(withTemplate, '/u/ada%40example.com/track')).toMatchObject({ allow: true, allowedFields: ['user.contact.email'] });
      // the tracker's flow sends the email from v3 on, but excludes the name: a template only names the field
      expect(onPath(withTemplate, '/u/ada@example.com/track', 'product-analytics').allowedFields).toEqual(['user.contact.email']);
      expect(onPath(withTemplate, '/u/ada@example.com/other').blocked.map((b) => b.field)).toEqual(['url:/1']);
    });
    it('blocks found fields with the flow reason when consent denies the flow', () => {
      const request = { subprocessor: 'helpdesk', purpose: 'support' };
      expect(ofPayload({ email: 'ada@example.com', phone: '+1 555', card: 'x', extra: 1 }, request)).toEqual({
        allow: false,
        reason: 'not-opted-in',
        allowed: [],
        blocked: [
          { field: 'user.contact.email', reason: 'not-opted-in', paths: ['email'] },
          { field: 'user.contact.phone', reason: 'not-opted-in', paths: ['phone'] },
          { field: 'payment.card', reason: 'excluded', paths: ['card'] },
          { field: 'extra', reason: 'undeclared', paths: ['extra'] },
        ],
      });
    });
    it('marks stale fields found in a payload', () => {
      const consents = consentsOf({ 'helpdesk.support': granted(1) });
      expect(ofPayload({ email: 'ada@example.com', phone: '+1 555' }, { subprocessor: 'helpdesk' }, consents).blocked).toEqual([
        { field: 'user.contact.phone', reason: 'stale-consent', paths: ['phone'] },
      ]);
    });
    it('blocks everything with no-flow when there is no flow', () => {
      expect(ofPayload({ email: 'ada@example.com', other: 1 }, { subprocessor: 'multi' })).toEqual({
        allow: false,
        reason: 'no-flow',
        allowed: [],
        blocked: [
          { field: 'user.contact.email', reason: 'no-flow', paths: ['email'] },
          { field: 'other', reason: 'no-flow', paths: ['other'] },
        ],
      });
    });
    it('merges field keys named in the request with the payload', () => {
      const d = decide(policy, EMPTY_CONSENTS, { ...mailer, fields: ['user.name', 'payment.card'], payload: { email: 'a', name: 'b' } });
      expect(d.allowedFields).toEqual(['user.name', 'user.contact.email']);
      expect(d.blocked).toEqual([{ field: 'payment.card', reason: 'excluded', paths: [] }]);
    });
    it('quotes property names a path cannot spell, and names a top-level array or scalar', () => {
      expect(ofPayload({ 'a.b': 1, 'to[*]': 2, __proto__x: 3 }).blocked.map((b) => b.field)).toEqual(['["a.b"]', '["to[*]"]', '__proto__x']);
      expect(ofPayload([{ email: 'x' }]).blocked.map((b) => b.field)).toEqual(['[*].email']);
      expect(ofPayload('raw body').blocked).toEqual([{ field: '', reason: 'undeclared', paths: [''] }]);
    });
    it('ignores what JSON would drop, and reads toJSON objects (Date) as one value', () => {
      expect(ofPayload({ email: 'x', skip: undefined, fn: () => 1, empty: {}, none: [], at: new Date(0) }).blocked).toEqual([
        { field: 'at', reason: 'undeclared', paths: ['at'] },
      ]);
      expect(ofPayload({ address: new Date(0) }).allow).toBe(true);
      expect(ofPayload({ card: undefined, email: 'x' })).toMatchObject({ allow: true, allowed: ['user.contact.email'] });
    });
    it('stops at cycles and past the depth limit, blocking what it cannot see', () => {
      const cyclic: Record<string, unknown> = { email: 'x' };
      cyclic.self = cyclic;
      expect(ofPayload(cyclic).blocked).toEqual([{ field: 'self', reason: 'undeclared', paths: ['self'] }]);
      const covered: Record<string, unknown> = {};
      covered.loop = covered;
      // a field covers its value, not the object's properties: the loop below it is undeclared
      expect(ofPayload({ address: covered }).blocked).toEqual([{ field: 'address.loop', reason: 'undeclared', paths: ['address.loop'] }]);
      let deep: unknown = 'bottom';
      for (let i = 0; i < 40; i++) deep = { d: deep };
      const path = Array(MAX_PAYLOAD_DEPTH).fill('d').join('.');
      expect(ofPayload(deep).blocked).toEqual([{ field: path, reason: 'undeclared', paths: [path] }]);
    });
    it('is not fooled by prototype keys', () => {
      const payload = JSON.parse('{"__proto__": {"email": "x"}, "constructor": 1}') as unknown;
      expect(ofPayload(payload).blocked.map((b) => b.field)).toEqual(['__proto__.email', 'constructor']);
    });
  });

  it('returns a fresh result every call, sharing only frozen empty lists', () => {
    const request = { subprocessor: 'tracker', purpose: 'product-analytics', fields: ['device.ip', 'x'] };
    const first = decide(policy, EMPTY_CONSENTS, request);
    (first.allowedFields as string[]).push('tampered');
    (first.blocked as unknown[]).length = 0;
    expect(summary(decide(policy, EMPTY_CONSENTS, request))).toEqual([false, null, ['device.ip'], ['x:undeclared']]);
    const allowed = decide(policy, EMPTY_CONSENTS, { ...request, fields: ['device.ip'] });
    expect(Object.isFrozen(allowed.blocked)).toBe(true);
    expect(() => (allowed.blocked as unknown[]).push('x')).toThrow(TypeError);
  });
});

describe(compileConsents.name, () => {
  const request = { subprocessor: 'helpdesk', purpose: 'support', fields: ['user.contact.email'] };
  it('accepts a record, a Map or entries, and ignores unknown flow keys', () => {
    const inputs = [
      { 'helpdesk.support': granted(2), 'gone.flow': denied(1) },
      new Map([['helpdesk.support', granted(2)]]),
      [['gone.flow', denied(1)], ['helpdesk.support', granted(2)]] as const,
    ];
    for (const choices of inputs) expect(decide(policy, compileConsents(policy, choices), request).allow).toBe(true);
  });
  it('is frozen, and EMPTY_CONSENTS means no choices and no GPC', () => {
    const consents = consentsOf({ 'helpdesk.support': granted(2) });
    expect(Object.isFrozen(consents) && Object.isFrozen(consents.byFlowKey)).toBe(true);
    expect(Object.isFrozen(EMPTY_CONSENTS)).toBe(true);
    expect(decide(policy, EMPTY_CONSENTS, request).reason).toBe('not-opted-in');
  });
  it('still reads correctly (by flow key) against a newer policy', () => {
    const newer = compilePolicy({ ...MAP, version: 8, flows: [...MAP.flows].reverse() });
    const consents = consentsOf({ 'helpdesk.support': granted(1), 'tracker.product-analytics': denied(1) });
    for (const req of [request, { subprocessor: 'tracker', fields: ['device.ip'] }, { ...request, fields: ['user.contact.phone'] }]) {
      expect(decide(newer, consents, req)).toEqual(decide(newer, compileConsents(newer, consents.byFlowKey.map(([k]) => [k, k === 'helpdesk.support' ? granted(1) : denied(1)] as const)), req));
    }
    expect(decide(newer, consents, { subprocessor: 'tracker' }).reason).toBe('opted-out');
  });
});

describe(unavailableDecision.name, () => {
  it('fails closed, blocking every field and payload leaf with policy-unavailable', () => {
    expect(unavailableDecision({ subprocessor: 'mailer', fields: ['user.name'], payload: { to: [{ email: 'x' }] } })).toEqual({
      allow: false,
      reason: 'policy-unavailable',
      allowedFields: [],
      blocked: [
        { field: 'user.name', reason: 'policy-unavailable', paths: [] },
        { field: 'to[*].email', reason: 'policy-unavailable', paths: ['to[*].email'] },
      ],
      flowKey: null,
      policyVersion: 0,
    });
    expect(unavailableDecision({ subprocessor: 'mailer' }, 6)).toMatchObject({ allow: false, reason: 'policy-unavailable', policyVersion: 6 });
  });
});

describe('REASON_CODES', () => {
  it('are each produced by a decision (unreadable: by the guard, which reads the wire)', () => {
    const produced = new Set<ReasonCode | null>();
    const record = (d: Decision) => d.blocked.forEach((b) => produced.add(b.reason));
    const fields = ['user.contact.email', 'user.contact.phone', 'payment.card', 'x'];
    record(decide(policy, consentsOf({ 'helpdesk.support': granted(1) }), { subprocessor: 'helpdesk', fields }));
    record(decide(policy, consentsOf({ 'helpdesk.support': denied(1) }), { subprocessor: 'helpdesk', fields }));
    record(decide(policy, EMPTY_CONSENTS, { subprocessor: 'helpdesk', fields }));
    record(decide(policy, EMPTY_CONSENTS, { subprocessor: 'multi', fields }));
    record(unavailableDecision({ subprocessor: 'helpdesk', fields }));
    const scheduled = compilePolicy({ ...MAP, flows: MAP.flows.map((f) => ({ ...f, effectiveFrom: 1000 })) });
    record(decide(scheduled, EMPTY_CONSENTS, { subprocessor: 'mailer', purpose: 'email-delivery', fields, at: 999 }));
    record(decide(policy, EMPTY_CONSENTS, { subprocessor: 'mailer', payload: { name: 'ada@example.com' } }));
    produced.add('unreadable');
    expect([...produced].sort()).toEqual([...REASON_CODES].sort());
  });
});
