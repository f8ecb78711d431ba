import { createGuard, remoteSource, type Decision, type Guard, type RemoteSource, type SourceChange } from '@flowgate/sdk';
import { ChangeFeedService } from '../../src/policy/change-feed.service';
import { startFlowgateServer, type FlowgateServer } from './support/flowgate-server';

/** Resolves when `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T>, predicate: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('remoteSource against a running Flowgate server', () => {
  let server: FlowgateServer;
  let source: RemoteSource;
  let guard: Guard;
  const changes: SourceChange[] = [];

  beforeAll(async () => {
    server = await startFlowgateServer();
    source = remoteSource({ baseUrl: server.url, token: server.serviceToken, reconnectDelayMs: 200, maxReconnectDelayMs: 400 });
    source.subscribe((c) => changes.push(c));
    guard = createGuard({ source, maxStalenessMs: 300 });
    await guard.ready();
  });
  afterAll(async () => {
    await guard.close();
    await server.close().catch(() => undefined);
    expect(unhandled).toEqual([]);
  });

  const preference = (userId: string, flowKey: string, granted: boolean) =>
    server.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', server.user(userId)).send({ granted }).expect(200);

  it('decides exactly like the server decision API', async () => {
    await preference('ada@example.com', 'vendor-b.product-analytics', true);
    await preference('grace@example.com', 'vendor-c.support', false);
    const requests = ['ada@example.com', 'grace@example.com', 'edsger@example.com'].flatMap((userId) =>
      [
        { subprocessor: 'vendor-a', purpose: 'email-delivery', payload: { email: 'x@example.com', health: 'flu' } },
        { subprocessor: 'vendor-b', purpose: 'product-analytics', fields: ['usage.page-views'] },
        { subprocessor: 'vendor-c', purpose: 'support', payload: { customer: { email: 'x@example.com', name: 'X' } } },
        { subprocessor: 'vendor-c', purpose: 'support', fields: ['user.contact.email'], gpc: true },
        { subprocessor: 'vendor-d', fields: ['user.contact.email'] },
        { subprocessor: 'vendor-z', purpose: 'ads', fields: [] },
      ].map((r) => ({ userId, ...r })),
    );
    const server_ = await server.http().post('/api/v1/decisions/batch').set('Authorization', server.service).send({ requests }).expect(200);
    const local: Decision[] = [];
    for (const r of requests) local.push(await guard.check(r));
    expect(local).toEqual(server_.body.decisions);
  });

  it('sees a consent change made through the preference API, and drops only that user', async () => {
    const call = { userId: 'barbara@example.com', subprocessor: 'vendor-c', purpose: 'support' };
    await guard.check({ ...call, userId: 'alan@example.com' });
    expect((await guard.check(call)).allow).toBe(true);
    expect(guard.checkCached(call)?.allow).toBe(true);

    await preference('barbara@example.com', 'vendor-c.support', false);
    const denied = await eventually(() => guard.check(call), (d) => !d.allow, 100);
    expect(denied.reason).toBe('opted-out');
    expect(changes).toContainEqual({ kind: 'consent', userId: 'barbara@example.com', version: 1 });
    // The other user was never dropped.
    expect(guard.checkCached({ ...call, userId: 'alan@example.com' })?.allow).toBe(true);
  });

  it('follows a policy change (a flow becomes opt-in) through the feed', async () => {
    const call = { userId: 'alan@example.com', subprocessor: 'vendor-c', purpose: 'support' };
    const before = await guard.check(call);
    await server.http().patch('/api/v1/flows/vendor-c.support').set('Authorization', server.admin)
      .send({ mode: 'opt-in', legalBasis: 'consent' }).expect(200);
    const after = await eventually(() => guard.check(call), (d) => d.policyVersion > before.policyVersion);
    expect(after).toMatchObject({ allow: false, reason: 'not-opted-in' });
  });

  it('resumes with Last-Event-ID after the feed drops, and applies what changed meanwhile', async () => {
    const call = { userId: 'edsger@example.com', subprocessor: 'vendor-d', purpose: 'marketing' };
    expect((await guard.check(call)).allow).toBe(false);
    const resumedFrom = source.status().lastEventId;
    expect(resumedFrom).not.toBeNull();

    const disconnected = changes.length;
    server.app.get(ChangeFeedService).onModuleDestroy(); // ends every stream, server stays up
    await eventually(async () => changes.slice(disconnected), (c) => c.some((x) => x.kind === 'disconnected'));
    await preference('edsger@example.com', 'vendor-d.marketing', true); // while the guard is cut off
    await eventually(async () => changes.slice(disconnected), (c) => c.some((x) => x.kind === 'connected'));
    expect((await guard.check(call)).allow).toBe(true);
    expect(changes.slice(disconnected)).toContainEqual({ kind: 'consent', userId: 'edsger@example.com', version: 1 });
  });

  it('fails closed once the server is gone for longer than maxStalenessMs', async () => {
    const call = { userId: 'alan@example.com', subprocessor: 'vendor-a', purpose: 'email-delivery' };
    expect((await guard.check(call)).allow).toBe(true);
    await server.close();
    const denied = await eventually(() => guard.check(call), (d) => !d.allow, 2000);
    expect(denied).toMatchObject({ reason: 'policy-unavailable' });
    expect((await guard.check({ ...call, userId: 'someone-new@example.com' })).reason).toBe('policy-unavailable');
  });
});
