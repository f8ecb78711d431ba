import {
  createGuard,
  httpReporter,
  isFlowgateError,
  remoteSource,
  staticSource,
  type GuardMetric,
  type PolicySource,
  type SourceChange,
} from '@flowgate/sdk';
import { ChangeFeedService } from '../../src/policy/change-feed.service';
import { buildVendorMap, matrixConsents, USERS } from './factories/vendor-map.factory';
import { startFlowgateServer, type FlowgateServer } from './support/flowgate-server';

/** A hook that keeps every count, as a metrics library would add them up. */
function recorder() {
  const seen: GuardMetric[] = [];
  const hook = (m: GuardMetric) => void seen.push(m);
  const of = <K extends GuardMetric['kind']>(kind: K) => seen.filter((m): m is Extract<GuardMetric, { kind: K }> => m.kind === kind);
  return { seen, hook, of };
}

async function eventually(predicate: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const refusal = (promise: Promise<unknown>) => promise.then(() => 'sent', (e: unknown) => (isFlowgateError(e) ? e.code : String(e)));

describe('GuardOptions.metrics', () => {
  const source = () => staticSource({ map: buildVendorMap(), consents: matrixConsents() });

  it('counts allowed decisions by one shared, frozen metric, and each denied one by its own', async () => {
    const r = recorder();
    const guard = createGuard({ source: source(), metrics: r.hook });
    const allowed = { userId: USERS.granted, subprocessor: 'vendor-c', purpose: 'support', fields: ['user.name'] };
    expect(guard.checkCached(allowed)?.allow).toBe(true);
    expect((await guard.check(allowed)).allow).toBe(true);
    expect(guard.checkCached({ ...allowed, userId: USERS['no choice'] })?.allow).toBe(false);
    expect(guard.checkCached({ ...allowed, fields: ['user.name', 'not-a-field'] })?.allow).toBe(false);
    const [first, second, denied, blocked] = r.of('decision');
    expect(first).toEqual({ kind: 'decision', allow: true, reason: null });
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // A denial names its reason: the flow's, else the first blocked field's.
    expect(denied).toEqual({ kind: 'decision', allow: false, reason: 'not-opted-in' });
    expect(blocked).toEqual({ kind: 'decision', allow: false, reason: 'undeclared' });
  });

  it('counts each decision by outcome and reason, and each guarded call by outcome, once', async () => {
    const r = recorder();
    const enforce = createGuard({ source: source(), metrics: r.hook });
    let sends = 0;
    const send = async (_user: string, payload: unknown) => (sends++, payload);
    const toB = enforce.wrap({ subprocessor: 'vendor-b', purpose: 'product-analytics' }, send, { userId: (user) => user, payloadArg: 1 });

    expect(enforce.checkCached({ userId: USERS['no choice'], subprocessor: 'vendor-c', purpose: 'support', fields: ['user.name'] })?.allow).toBe(false);
    expect((await enforce.check({ userId: USERS.granted, subprocessor: 'vendor-c', purpose: 'support', fields: ['user.name'] })).allow).toBe(true);
    await toB(USERS['no choice'], { email: 'ada@example.com' });
    expect(await refusal(toB(USERS.denied, { email: 'ada@example.com' }))).toBe('CONSENT_DENIED');
    expect(await refusal(enforce.gate({ userId: USERS.granted, subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com', card: '4242' }] }))).toBe('CONSENT_DENIED');

    expect(r.of('decision')).toEqual([
      { kind: 'decision', allow: false, reason: 'not-opted-in' },
      { kind: 'decision', allow: true, reason: null },
      { kind: 'decision', allow: true, reason: null },
      { kind: 'decision', allow: false, reason: 'opted-out' },
      { kind: 'decision', allow: false, reason: 'excluded' },
    ]);
    expect(r.of('call')).toEqual([
      { kind: 'call', outcome: 'allowed', subprocessor: 'vendor-b', purpose: 'product-analytics' },
      { kind: 'call', outcome: 'blocked', subprocessor: 'vendor-b', purpose: 'product-analytics' },
      { kind: 'call', outcome: 'blocked', subprocessor: 'vendor-a', purpose: 'email-delivery' },
    ]);
    expect(sends).toBe(1);
  });

  it('counts redacted and monitored calls, and an extended guard keeps the hook', async () => {
    const r = recorder();
    const redact = createGuard({ source: source(), mode: 'redact', metrics: r.hook });
    const monitor = redact.extend({ mode: 'monitor' });
    const call = { userId: USERS.granted, subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com', card: '4242' }] };
    expect((await redact.gate(call)).payloads).toEqual([{ email: 'ada@example.com' }]);
    expect((await monitor.gate(call)).payloads).toEqual(call.payloads);
    expect(r.of('call').map((m) => m.outcome)).toEqual(['redacted', 'monitored']);
    // The redacted copy is decided again inside the guard; that re-check is not a second decision.
    expect(r.of('decision')).toHaveLength(2);
  });

  it('counts calls made while the policy is too old, with its age, and denies them', async () => {
    const r = recorder();
    const inner = source();
    const state = inner.state()!;
    const old: PolicySource = { ...inner, state: () => ({ ...state, live: false, confirmedAt: Date.now() - 60_000 }) };
    const guard = createGuard({ source: old, maxStalenessMs: 1_000, metrics: r.hook });
    const decision = guard.checkCached({ userId: USERS.granted, subprocessor: 'vendor-b', fields: ['user.name'] });
    expect(decision).toMatchObject({ allow: false, reason: 'policy-unavailable' });
    const [stale] = r.of('policy-stale');
    expect(stale.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(r.of('decision')).toEqual([{ kind: 'decision', allow: false, reason: 'policy-unavailable' }]);
  });

  it('never lets a throwing hook fail or change a call', async () => {
    const guard = createGuard({
      source: source(),
      metrics: () => {
        throw new Error('broken exporter');
      },
    });
    const sent = await guard.wrap({ subprocessor: 'vendor-b' }, async (p: unknown) => p, { userId: USERS['no choice'] })({ email: 'ada@example.com' });
    expect(sent).toEqual({ email: 'ada@example.com' });
    expect(await refusal(guard.gate({ userId: USERS.denied, subprocessor: 'vendor-b', payloads: [{ email: 'ada@example.com' }] }))).toBe('CONSENT_DENIED');
  });

  it('refuses a hook that is not a function, naming the option', () => {
    expect(() => createGuard({ source: source(), metrics: 42 as unknown as () => void })).toThrow(/metrics: must be a function/);
  });
});

describe('GuardOptions.metrics with remoteSource and httpReporter', () => {
  let server: FlowgateServer;
  beforeAll(async () => {
    server = await startFlowgateServer();
  });
  afterAll(() => server.close());

  it('counts policy refreshes, feed drops and reconnects from the source', async () => {
    const r = recorder();
    const source = remoteSource({ baseUrl: server.url, token: server.serviceToken, reconnectDelayMs: 100, maxReconnectDelayMs: 200 });
    const changes: SourceChange[] = [];
    source.subscribe((c) => changes.push(c));
    const guard = createGuard({ source, metrics: r.hook });
    // The same hook on an extended guard is hooked up to the source once, not twice.
    const extended = guard.extend({ mode: 'monitor' });
    try {
      await guard.ready();
      await eventually(() => changes.some((c) => c.kind === 'connected'));
      expect(r.of('policy-refresh')).toEqual([{ kind: 'policy-refresh', version: source.state()!.policy.version }]);
      expect(r.of('feed-reconnect')).toEqual([]);

      server.app.get(ChangeFeedService).onModuleDestroy(); // ends every stream, the server stays up
      await eventually(() => r.of('feed-reconnect').length > 0);
      expect(r.of('feed-disconnect')).toHaveLength(1);
      expect(r.of('feed-reconnect')).toHaveLength(1);
      void extended;
    } finally {
      await guard.close();
    }
  });

  it('counts audit records sent, and records dropped by a full buffer', async () => {
    const r = recorder();
    const reporter = httpReporter({ baseUrl: server.url, token: server.serviceToken, service: 'metrics-spec', flushIntervalMs: 60_000, maxPending: 1 });
    const guard = createGuard({ source: staticSource({ map: buildVendorMap(), consents: matrixConsents() }), reporter, metrics: r.hook });
    // Two refused calls, one audit record each (the card is excluded everywhere): more than the buffer holds.
    for (const subprocessor of ['vendor-a', 'vendor-b']) {
      expect(await refusal(guard.gate({ userId: USERS.granted, subprocessor, payloads: [{ card: '4242' }] }))).toBe('CONSENT_DENIED');
    }
    await guard.close();
    const total = (outcome: string) => r.of('reports').filter((m) => m.outcome === outcome).reduce((n, m) => n + m.count, 0);
    expect({ sent: total('sent'), dropped: total('dropped') }).toEqual({ sent: 1, dropped: 1 });
  });
});
