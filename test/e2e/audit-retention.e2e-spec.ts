import { jest } from '@jest/globals';
import { AuditRetention, PRUNE_CHUNK } from '../../src/audit/audit-retention';
import { MAX_EVENTS_PER_BATCH } from '../../src/audit/dto/record-audit-events.dto';
import { CLOCK, type Clock } from '../../src/auth/clock';
import { auditEvent } from '../factories/audit-event.factory';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number) => NOW - days * DAY;

let t: ConsentTestApp;
let clockAt: (ms: number) => void;

/** The app with its injected clock held at `NOW` until a test moves it. */
async function start(env: Record<string, string>): Promise<void> {
  t = await startConsentApp(undefined, env);
  const now = jest.spyOn(t.app.get<Clock>(CLOCK), 'now');
  clockAt = (ms) => now.mockImplementation(() => new Date(ms));
  clockAt(NOW);
}
afterEach(async () => {
  jest.restoreAllMocks();
  await t.close();
});

const event = (lastAt: number, count: number) =>
  auditEvent({ count, firstAt: new Date(lastAt - 1000).toISOString(), lastAt: new Date(lastAt).toISOString() });

/** A guard's batch arriving when the server's clock reads `receivedAt`; returns its id. */
async function report(receivedAt: number, events: ReturnType<typeof event>[], dropped = 0): Promise<number> {
  clockAt(receivedAt);
  const res = await t
    .http()
    .post('/api/v1/audit/events')
    .set('Authorization', t.service)
    .send({ service: 'checkout', events, dropped })
    .expect(202);
  clockAt(NOW);
  return res.body.batchId as number;
}

async function summary(from: number, to: number): Promise<{ total: number; dropped: number }> {
  const query = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
  const res = await t.http().get(`/api/v1/audit/summary?${query}`).set('Authorization', t.admin).expect(200);
  return res.body;
}

const count = async (table: string) => Number((await t.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

describe('audit retention', () => {
  it('deletes records last seen before the retention period and the old batches they leave empty', async () => {
    await start({ AUDIT_RETENTION_DAYS: '30' });
    // Old batches: one with old records, one reporting only dropped records.
    await report(daysAgo(31), [event(daysAgo(31), 3), event(daysAgo(40), 2)]);
    await report(daysAgo(45), [], 4);
    // Received recently, but carrying a record last seen long ago: the record goes, the batch stays.
    const mixed = await report(daysAgo(1), [event(daysAgo(31), 7), event(daysAgo(1), 11)]);
    const emptiedRecent = await report(daysAgo(1), [event(daysAgo(35), 13)]);
    const withinRetention = await report(daysAgo(29), [event(daysAgo(29), 17)]);
    // Received just before the cutoff from a guard whose clock runs ahead: its record is
    // within retention, so the batch stays too.
    const skewed = await report(daysAgo(30) - 30 * MINUTE, [event(daysAgo(30) + 20 * MINUTE, 19)]);
    expect(await summary(daysAgo(60), NOW)).toEqual(expect.objectContaining({ total: 72, dropped: 4 }));

    await expect(t.app.get(AuditRetention).prune()).resolves.toEqual({ events: 4, batches: 2 });

    expect(await summary(daysAgo(60), NOW)).toEqual(expect.objectContaining({ total: 11 + 17 + 19, dropped: 0 }));
    expect((await summary(daysAgo(60), daysAgo(30))).total).toBe(0);
    expect((await t.query<{ id: number }>('SELECT id FROM audit_batch ORDER BY id')).map((r) => r.id)).toEqual([
      mixed,
      emptiedRecent,
      withinRetention,
      skewed,
    ]);
    expect(await count('audit_event')).toBe(3);
    await expect(t.app.get(AuditRetention).prune()).resolves.toEqual({ events: 0, batches: 0 });
  });

  it('deletes nothing when AUDIT_RETENTION_DAYS is 0', async () => {
    await start({ AUDIT_RETENTION_DAYS: '0' });
    await report(daysAgo(3000), [event(daysAgo(3000), 1), event(daysAgo(3001), 1)], 2);
    await report(daysAgo(1), [event(daysAgo(1), 1)]);

    await expect(t.app.get(AuditRetention).prune()).resolves.toEqual({ events: 0, batches: 0 });

    expect(await count('audit_batch')).toBe(2);
    expect(await count('audit_event')).toBe(3);
  });

  it('deletes a backlog larger than one chunk', async () => {
    await start({ AUDIT_RETENTION_DAYS: '30' });
    const batches = Math.ceil((PRUNE_CHUNK + 1) / MAX_EVENTS_PER_BATCH);
    for (let i = 0; i < batches; i++) {
      await report(daysAgo(31), Array.from({ length: MAX_EVENTS_PER_BATCH }, () => event(daysAgo(31), 1)));
    }
    await report(daysAgo(1), [event(daysAgo(1), 1)]);
    expect(await count('audit_event')).toBeGreaterThan(PRUNE_CHUNK);

    await expect(t.app.get(AuditRetention).prune()).resolves.toEqual({
      events: batches * MAX_EVENTS_PER_BATCH,
      batches,
    });

    expect(await count('audit_event')).toBe(1);
    expect(await count('audit_batch')).toBe(1);
  });
});
