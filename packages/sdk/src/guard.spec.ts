import type { PolicyMap } from '@flowgate/core';
import { ConsentDeniedError, FlowgateError, isFlowgateError } from './errors.js';
import { createGuard } from './guard.js';
import type { PolicySource } from './policy-source.js';
import { memoryReporter, type Reporter } from './reporter.js';
import { staticSource } from './sources/static-source.js';

const MAP: PolicyMap = {
  version: 4,
  fields: [
    { key: 'user.contact.email', paths: ['email', 'to[*].email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name'], sensitivity: 'personal' },
    { key: 'user.payment.card', paths: ['card'], sensitivity: 'personal' },
  ],
  subprocessors: [{ key: 'vendor-a' }, { key: 'vendor-b' }],
  purposes: [{ key: 'email-delivery' }, { key: 'support' }, { key: 'marketing' }],
  flows: [
    {
      key: 'vendor-a.email-delivery',
      subprocessor: 'vendor-a',
      purpose: 'email-delivery',
      mode: 'required',
      legalBasis: 'contract',
      version: 1,
      fields: [{ key: 'user.contact.email', since: 1 }],
      excludedFields: ['user.payment.card'],
    },
    {
      key: 'vendor-b.support',
      subprocessor: 'vendor-b',
      purpose: 'support',
      mode: 'opt-out',
      legalBasis: 'legitimate-interests',
      version: 1,
      fields: [{ key: 'user.contact.email', since: 1 }],
      excludedFields: [],
    },
    {
      key: 'vendor-b.marketing',
      subprocessor: 'vendor-b',
      purpose: 'marketing',
      mode: 'opt-in',
      legalBasis: 'consent',
      version: 2,
      fields: [
        { key: 'user.contact.email', since: 1 },
        { key: 'user.name', since: 2 },
      ],
      excludedFields: [],
    },
  ],
};

/** A source cut off from its server: the policy it has was last confirmed `ageMs` ago. */
function cutOff(ageMs: number): PolicySource {
  const inner = staticSource({ map: MAP });
  const state = inner.state()!;
  return { ...inner, state: () => ({ ...state, live: false, confirmedAt: Date.now() - ageMs }) };
}

describe(createGuard.name, () => {
  it('is immutable; extend derives a guard and leaves the original as it was', () => {
    const guard = createGuard({ source: staticSource({ map: MAP }) });
    const monitor = guard.extend({ mode: 'monitor' });
    expect(Object.isFrozen(guard)).toBe(true);
    expect(Object.isFrozen(guard.options)).toBe(true);
    expect(guard.options.mode).toBe('enforce');
    expect(monitor.options.mode).toBe('monitor');
    expect(monitor.options.source).toBe(guard.options.source);
  });

  it('names every bad option at once', () => {
    const bad = () =>
      createGuard({ source: {} as PolicySource, mode: 'block' as 'enforce', maxStalenessMs: -1, failClosed: 'no' as unknown as boolean });
    expect(bad).toThrow(FlowgateError);
    expect(bad).toThrow(/source: must be a policy source.*mode: must be one of enforce, redact, monitor.*failClosed: must be a boolean.*maxStalenessMs/);
  });

  it('refuses a gated call without a payloads array with an error naming it, before deciding', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: staticSource({ map: MAP }), reporter });
    for (const payloads of [undefined, null, 'ada@example.com', { email: 'ada@example.com' }]) {
      const call = { userId: 'ada', subprocessor: 'vendor-a', payloads } as unknown as Parameters<typeof guard.gate>[0];
      await expect(guard.gate(call)).rejects.toThrow(FlowgateError);
      await expect(guard.gate(call)).rejects.toThrow(/payloads: must be an array/);
    }
    expect(reporter.events()).toEqual([]);
  });

  it('answers with the engine decision, including stale consent after a flow grew', async () => {
    const source = staticSource({ map: MAP, consents: { ada: { 'vendor-b.marketing': { granted: true, version: 1 } } } });
    const guard = createGuard({ source });
    const decision = await guard.check({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'marketing', fields: ['user.contact.email', 'user.name'] });
    expect(decision).toMatchObject({
      allow: false,
      reason: null,
      allowedFields: ['user.contact.email'],
      blocked: [{ field: 'user.name', reason: 'stale-consent' }],
      flowKey: 'vendor-b.marketing',
      policyVersion: 4,
    });
    expect(guard.checkCached({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'marketing' })?.allow).toBe(true);
  });

  it('allows a flow scheduled by a change notice once its clock passes the instant, with no field scheduled', async () => {
    // Only the flow is scheduled (a new vendor announced): the guard must still read its clock.
    const map: PolicyMap = { ...MAP, flows: MAP.flows.map((f) => (f.key === 'vendor-a.email-delivery' ? { ...f, effectiveFrom: 5_000 } : f)) };
    let now = 4_999;
    const guard = createGuard({ source: staticSource({ map }), clock: () => now });
    const request = { userId: 'ada', subprocessor: 'vendor-a', fields: ['user.contact.email'] };
    expect(guard.checkCached(request)).toMatchObject({ allow: false, reason: 'not-yet-effective' });
    const send = guard.wrap({ subprocessor: 'vendor-a' }, (payload: unknown) => payload, { userId: 'ada' });
    await expect(send({ email: 'ada@example.com' })).rejects.toBeInstanceOf(ConsentDeniedError);
    now = 5_000;
    expect(guard.checkCached(request)).toMatchObject({ allow: true, reason: null });
    await expect(send({ email: 'ada@example.com' })).resolves.toEqual({ email: 'ada@example.com' });
  });

  describe('fails closed', () => {
    const call = { userId: 'ada', subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com' }] };

    it('denies with policy-unavailable while no policy was ever loaded', async () => {
      const reporter = memoryReporter();
      const guard = createGuard({ source: staticSource(), reporter });
      await expect(guard.gate(call)).rejects.toThrow(/vendor-a .*policy-unavailable/);
      // Without a map nothing is known about the payload: each leaf is blocked by path.
      expect(reporter.events()).toEqual([
        expect.objectContaining({ kind: 'blocked', field: 'email', reason: 'policy-unavailable', policyVersion: 0 }),
      ]);
    });

    it('uses the last policy while it is fresh enough, then denies', async () => {
      expect((await createGuard({ source: cutOff(5_000), maxStalenessMs: 10_000 }).gate(call)).decision.allow).toBe(true);
      const stale = createGuard({ source: cutOff(15_000), maxStalenessMs: 10_000 });
      const error = await stale.gate(call).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConsentDeniedError);
      expect((error as ConsentDeniedError).reasons).toEqual(['policy-unavailable']);
      expect((error as ConsentDeniedError).decision.policyVersion).toBe(4);
    });

    it('lets calls through, reported as monitored, when configured to fail open', async () => {
      const reporter = memoryReporter();
      const guard = createGuard({ source: cutOff(60_000), maxStalenessMs: 1_000, failClosed: false, reporter });
      const result = await guard.gate(call);
      expect(result.payloads).toEqual(call.payloads);
      expect(reporter.events()).toEqual([expect.objectContaining({ kind: 'monitored', reason: 'policy-unavailable' })]);
    });

    it('denies and reports an unknown subprocessor or purpose with a clear reason', async () => {
      const reporter = memoryReporter();
      const guard = createGuard({ source: staticSource({ map: MAP }), reporter });
      await expect(guard.gate({ ...call, subprocessor: 'vendor-x' })).rejects.toThrow(
        'Flowgate denied the call to vendor-x (purpose not given): flow no-flow: vendor-x is not in the data map, or has several purposes and none was given; blocked user.contact.email (no-flow) [policy v4]',
      );
      await expect(guard.gate({ ...call, subprocessor: 'vendor-b', purpose: 'payments' })).rejects.toThrow(
        'flow no-flow: the data map declares no flow vendor-b × payments',
      );
      await expect(guard.gate({ ...call, subprocessor: 'vendor-b' })).rejects.toThrow(/no-flow/);
      expect(reporter.events().map((e) => [e.subprocessor, e.purpose, e.reason])).toEqual([
        ['vendor-x', null, 'no-flow'],
        ['vendor-b', 'payments', 'no-flow'],
        ['vendor-b', null, 'no-flow'],
      ]);
    });

    it('throws NO_USER_CONTEXT for a call without a user', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }) });
      const error = await guard.gate({ ...call, userId: '' }).catch((e: unknown) => e);
      expect(isFlowgateError(error) && error.code).toBe('NO_USER_CONTEXT');
    });
  });

  describe('wrap', () => {
    it('never invokes fn for a denied call and names subprocessor, purpose, fields and reasons', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }) });
      let calls = 0;
      const send = guard.wrap({ subprocessor: 'vendor-a', purpose: 'email-delivery' }, (_payload: object) => ++calls, { userId: 'ada' });
      const error = await send({ email: 'ada@example.com', card: '4242' }).catch((e: unknown) => e);
      expect(calls).toBe(0);
      expect(error).toBeInstanceOf(ConsentDeniedError);
      expect(isFlowgateError(error)).toBe(true);
      expect((error as ConsentDeniedError).message).toBe(
        'Flowgate denied the call to vendor-a (purpose email-delivery): blocked user.payment.card (excluded) [policy v4]',
      );
      expect((error as ConsentDeniedError).fields).toEqual(['user.payment.card']);
      expect(await send({ email: 'ada@example.com' })).toBe(1);
    });

    it('in redact mode passes a copy without the blocked fields, keeps `this`, and leaves the caller object alone', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }), mode: 'redact' });
      const client = {
        sent: [] as unknown[],
        send(this: { sent: unknown[] }, payload: unknown, note: string) {
          this.sent.push([payload, note]);
          return this.sent.length;
        },
      };
      const guarded = guard.wrap({ subprocessor: 'vendor-a' }, client.send, { userId: 'ada', payloadArg: 0 });
      const payload = { email: 'ada@example.com', card: '4242', to: [{ email: 'grace@example.com' }] };
      expect(await guarded.call(client, payload, 'hi')).toBe(1);
      expect(client.sent).toEqual([[{ email: 'ada@example.com', to: [{ email: 'grace@example.com' }] }, 'hi']]);
      expect(payload.card).toBe('4242');
    });

    it('in redact mode still denies when the flow itself is denied', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }), mode: 'redact' });
      const send = guard.wrap({ subprocessor: 'vendor-b', purpose: 'marketing' }, (_payload: object) => 'sent', { userId: 'ada' });
      await expect(send({ email: 'ada@example.com' })).rejects.toThrow(/not-opted-in/);
    });

    it('calls fn in the same tick when the user is cached, and returns its own promise', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }) });
      let calls = 0;
      const sent = Promise.resolve('sent');
      const send = guard.wrap({ subprocessor: 'vendor-a', purpose: 'email-delivery' }, (_payload: object) => (++calls, sent), { userId: 'ada' });
      const returned = send({ email: 'ada@example.com' });
      expect(calls).toBe(1);
      expect(returned).toBe(sent);
      expect(await returned).toBe('sent');
    });

    it('reports every failure as a rejection, never a synchronous throw', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }) });
      const fails = guard.wrap({ subprocessor: 'vendor-a' }, (_payload: object): string => {
        throw new Error('vendor SDK exploded');
      }, { userId: 'ada' });
      const anonymous = guard.wrap({ subprocessor: 'vendor-a' }, (_payload: object) => 'sent', { userId: () => '' });
      const denied = guard.wrap({ subprocessor: 'vendor-a' }, (_payload: object) => 'sent', { userId: 'ada' });
      const results = [fails({ email: 'a@example.com' }), anonymous({}), denied({ card: '4242' })];
      for (const result of results) expect(result).toBeInstanceOf(Promise);
      const errors = await Promise.all(results.map((r) => r.then(() => null, (e: unknown) => e)));
      expect(errors.map((e) => (isFlowgateError(e) ? e.code : (e as Error).message))).toEqual([
        'vendor SDK exploded',
        'NO_USER_CONTEXT',
        'CONSENT_DENIED',
      ]);
    });

    it('decides on the flow alone with payloadArg null, and takes GPC from the arguments', async () => {
      const guard = createGuard({ source: staticSource({ map: MAP }) });
      const ping = guard.wrap({ subprocessor: 'vendor-b', purpose: 'support' }, (_url: string, _gpc: boolean) => 'sent', {
        userId: 'ada',
        payloadArg: null,
        gpc: (_url, gpc) => gpc,
      });
      expect(await ping('https://vendor-b.example/ping', false)).toBe('sent');
      await expect(ping('https://vendor-b.example/ping', true)).rejects.toThrow(/opted-out/);
    });
  });

  it('never fails a call because the reporter throws', async () => {
    const broken: Reporter = {
      report: () => {
        throw new Error('disk full');
      },
      flush: async () => undefined,
      close: async () => undefined,
    };
    const guard = createGuard({ source: staticSource({ map: MAP }), mode: 'monitor', reporter: broken });
    const result = await guard.gate({ userId: 'ada', subprocessor: 'vendor-a', payloads: [{ card: '4242', phone_number: '+44 20 7946 0958' }] });
    expect(result.redacted).toBe(false);
  });

  it('reports drift: personal-looking data no field of the flow declares', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: staticSource({ map: MAP }), mode: 'monitor', reporter });
    await guard.gate({ userId: 'ada', subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com', name: 'Ada', phone_number: '+44 20 7946 0958', plan: 'pro' }] });
    expect(reporter.events().filter((e) => e.kind === 'drift').map((e) => [e.field, e.reason])).toEqual([
      ['user.name', 'map-field'],
      ['phone_number', 'key-name'],
    ]);
  });
});

describe('an allowed call', () => {
  it('carries the decision the full path builds, built once when read, with no report', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: staticSource({ map: MAP }), reporter });
    const call = { userId: 'ada', subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com', to: [{ email: 'bob@example.com' }] }], urlPath: '/v1/send' };
    const result = guard.gateCached(call)!;
    expect(result.redacted).toBe(false);
    expect(result.payloads).toBe(call.payloads);
    // What the full path decides for the same call (a monitored guard takes it for every call).
    const full = { allow: true, reason: null, allowedFields: ['user.contact.email'], blocked: [], flowKey: 'vendor-a.email-delivery', policyVersion: 4 };
    expect(result.decision).toEqual(full);
    expect(result.decision).toBe(result.decision);
    // Serialised like a result of the full path: with its decision.
    expect(JSON.parse(JSON.stringify(result))).toEqual({ decision: full, payloads: call.payloads, redacted: false });
    expect((await guard.gate(call)).decision).toEqual(full);
    expect(reporter.events()).toEqual([]);
    // One field more and it is the full path's refusal, with the same decision shape.
    const error = await guard.gate({ ...call, payloads: [{ email: 'ada@example.com', card: '4242' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentDeniedError);
    expect((error as ConsentDeniedError).decision.blocked.map((b) => b.field)).toEqual(['user.payment.card']);
  });

  it('is decided on the full path when it is reported (reportCalls) or carries an unreadable part', () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: staticSource({ map: MAP }), reporter, reportCalls: true });
    guard.gateCached({ userId: 'ada', subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com' }] });
    expect(reporter.events().map((e) => [e.kind, e.field])).toEqual([['call', 'user.contact.email']]);
    expect(() => guard.gateCached({ userId: 'ada', subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com' }], unreadable: ['(payload: a Proxy)'] })).toThrow(ConsentDeniedError);
  });
});
