import { createGuard, httpReporter, staticSource, type AuditBatch } from '@flowgate/sdk';
import { buildVendorMap, matrixConsents, USERS } from './factories/vendor-map.factory';
import { startFlowgateServer, type FlowgateServer } from './support/flowgate-server';
import { auditEvent } from '../factories/audit-event.factory';

let server: FlowgateServer;

beforeAll(async () => {
  server = await startFlowgateServer();
});
afterAll(() => server.close());

const event = auditEvent;
const summary = async (query = '') =>
  (await server.http().get(`/api/v1/audit/summary${query}`).set('Authorization', server.admin).expect(200)).body as {
    total: number;
    dropped: number;
    bySubprocessor: { key: string; count: number }[];
    byField: { key: string; count: number }[];
    byReason: { key: string; count: number }[];
    byKind: { key: string; count: number }[];
    byService: { key: string; count: number }[];
  };

describe('audit API', () => {
  it('receives what guards report and answers summary and drift for the admin', async () => {
    const source = staticSource({ map: buildVendorMap(), consents: matrixConsents() });
    const reporter = httpReporter({ baseUrl: server.url, token: server.serviceToken, service: 'checkout', flushIntervalMs: 20 });
    const enforce = createGuard({ source, reporter });
    const monitor = enforce.extend({ mode: 'monitor' });
    const from = new Date(Date.now() - 60_000).toISOString();

    const calls = [
      // 3 × blocked: the card is excluded for vendor-a.
      ...[1, 2, 3].map(() => enforce.gate({ userId: USERS['no choice'], subprocessor: 'vendor-a', payloads: [{ email: 'ada@example.com', card: '4242' }] })),
      // 2 × blocked: nobody opted in to vendor-c.
      ...[1, 2].map(() => enforce.gate({ userId: USERS['no choice'], subprocessor: 'vendor-c', payloads: [{ email: 'ada@example.com' }] })),
      // 1 × blocked: an unknown vendor.
      enforce.gate({ userId: USERS['no choice'], subprocessor: 'vendor-x', purpose: 'ads', payloads: [] }),
      // monitored, with drift: a phone number no field declares, and the IP (a map field vendor-b does not get).
      monitor.gate({ userId: USERS.denied, subprocessor: 'vendor-b', payloads: [{ email: 'ada@example.com', phone_number: '+44 20 7946 0958', ip: '192.0.2.1' }] }),
    ];
    await Promise.allSettled(calls);
    await reporter.close();

    const s = await summary(`?from=${from}`);
    expect(s.bySubprocessor).toEqual([
      { key: 'vendor-a', count: 3 },
      { key: 'vendor-b', count: 3 },
      { key: 'vendor-c', count: 2 },
      { key: 'vendor-x', count: 1 },
    ]);
    expect(s.byReason).toEqual([
      { key: 'excluded', count: 3 },
      { key: 'not-opted-in', count: 2 },
      { key: 'opted-out', count: 1 },
      { key: 'undeclared', count: 2 },
      { key: 'no-flow', count: 1 },
    ].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)));
    expect(s.byKind).toEqual([
      { key: 'blocked', count: 6 },
      { key: 'monitored', count: 3 },
    ]);
    expect(s.byService).toEqual([{ key: 'checkout', count: 9 }]);
    expect(s.total).toBe(9);
    expect((await summary(`?from=${from}&kind=blocked&subprocessor=vendor-a`)).byField).toEqual([{ key: 'user.payment.card', count: 3 }]);

    const drift = await server.http().get(`/api/v1/audit/drift?from=${from}`).set('Authorization', server.admin).expect(200);
    expect(drift.body.items).toEqual([
      expect.objectContaining({ subprocessor: 'vendor-b', purpose: 'product-analytics', field: 'device.ip-address', detector: 'map-field', count: 1, services: ['checkout'] }),
      expect.objectContaining({ subprocessor: 'vendor-b', purpose: 'product-analytics', field: 'phone_number', detector: 'key-name', count: 1, services: ['checkout'] }),
    ]);
  });

  it('takes events from service tokens only', async () => {
    const body = { service: 'checkout', events: [event()] };
    await server.http().post('/api/v1/audit/events').send(body).expect(401);
    const admin = await server.http().post('/api/v1/audit/events').set('Authorization', server.admin).send(body).expect(403);
    expect(admin.body.code).toBe('FORBIDDEN');
    await server.http().get('/api/v1/audit/summary').set('Authorization', server.service).expect(403);
    await server.http().get('/api/v1/audit/drift').set('Authorization', server.service).expect(403);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown kind', { service: 'checkout', events: [event({ kind: 'seen' })] }, 'events[0].kind: must be one of blocked, monitored, drift, call'],
    ['a reason that is no reason code', { service: 'checkout', events: [event(), event({ reason: 'because' })] }, 'events[1].reason: must be one of undeclared'],
    ['lastAt before firstAt', { service: 'checkout', events: [event({ lastAt: '2026-01-01T09:00:00.000Z' })] }, 'events[0].lastAt: must not be before firstAt'],
    ['a time in the future', { service: 'checkout', events: [event({ lastAt: '2999-01-01T00:00:00.000Z' })] }, 'events[0].lastAt: must not be in the future'],
    ['a count of zero', { service: 'checkout', events: [event({ count: 0 })] }, 'events[0].count: must not be less than 1'],
    ['a date that is not ISO-8601', { service: 'checkout', events: [event({ firstAt: 'yesterday' })] }, 'events[0].firstAt: must be an ISO-8601 date-time'],
    ['no service', { events: [event()] }, 'service: is required'],
    ['a service that is no name', { service: 'check out', events: [event()] }, 'service: must be 1 to 100 letters'],
    ['an unknown property', { service: 'checkout', events: [event({ userId: 'ada' })] }, 'events[0].userId: is not a known property'],
    ['too many events', { service: 'checkout', events: Array.from({ length: 1001 }, () => event()) }, 'events: must contain no more than 1000 elements'],
    ['events that are not a list', { service: 'checkout', events: 'all of them' }, 'events: must be an array'],
  ])('rejects %s with 400 naming the field, and writes nothing', async (_, body, message) => {
    const before = await summary('?from=2025-12-31T00:00:00.000Z&to=2026-01-02T00:00:00.000Z');
    const res = await server.http().post('/api/v1/audit/events').set('Authorization', server.service).send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toContain(message);
    expect(await summary('?from=2025-12-31T00:00:00.000Z&to=2026-01-02T00:00:00.000Z')).toEqual(before);
  });

  it('stores a valid batch sent by hand, with the dropped count', async () => {
    const body: AuditBatch = {
      service: 'billing',
      dropped: 7,
      events: [event({ mode: 'redact', count: 4 }) as unknown as AuditBatch['events'][number]],
    };
    const res = await server.http().post('/api/v1/audit/events').set('Authorization', server.service).send(body).expect(202);
    expect(res.body).toEqual({ batchId: expect.any(Number), accepted: 1 });
    const s = await summary('?from=2026-01-01T00:00:00.000Z&to=2026-01-02T00:00:00.000Z');
    expect(s.byService).toContainEqual({ key: 'billing', count: 4 });
    // Dropped records count by when the batch arrived (now).
    expect((await summary()).dropped).toBeGreaterThanOrEqual(7);
  });

  it.each([
    ['?from=2026-01-02T00:00:00.000Z&to=2026-01-01T00:00:00.000Z', 'from: must be before to'],
    ['?from=2020-01-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z', 'from: the window may span at most 366 days'],
    ['?to=soon', 'to: must be an ISO-8601 date-time'],
    ['?kind=everything', 'kind: must be one of blocked, monitored, drift, call'],
    ['?limit=0', 'limit: must not be less than 1'],
  ])('rejects the summary query %s with 400', async (query, message) => {
    const res = await server.http().get(`/api/v1/audit/summary${query}`).set('Authorization', server.admin).expect(400);
    expect(res.body.message).toContain(message);
  });
});
