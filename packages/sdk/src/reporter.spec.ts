import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditBuffer, httpReporter, type AuditBatch, type AuditRecord } from './reporter.js';

const record = (field: string, kind: AuditRecord['kind'] = 'blocked'): AuditRecord => ({
  kind,
  subprocessor: 'vendor-a',
  purpose: 'support',
  field,
  reason: 'opted-out',
  mode: 'enforce',
  policyVersion: 1,
});

describe(AuditBuffer.name, () => {
  it('counts repeats, holds at most maxKeys distinct records and counts the rest as dropped', () => {
    const buffer = new AuditBuffer(2);
    buffer.add(record('a'), 1000);
    buffer.add(record('a'), 2000);
    buffer.add(record('b'), 1500);
    buffer.add(record('c'), 1600);
    buffer.add(record('c'), 1700);
    expect(buffer.size).toBe(2);
    const batch = buffer.take(10);
    expect(batch.dropped).toBe(2);
    expect(batch.events.map((e) => [e.field, e.count, e.firstAt, e.lastAt])).toEqual([
      ['a', 2, new Date(1000).toISOString(), new Date(2000).toISOString()],
      ['b', 1, new Date(1500).toISOString(), new Date(1500).toISOString()],
    ]);
    expect(buffer.size).toBe(0);
    batch.restore();
    expect(buffer.size).toBe(2);
    expect(buffer.dropped).toBe(2);
  });
});

/** A loopback endpoint standing in for the audit API: fails the first `failures` batches. */
async function auditEndpoint(failures: number) {
  const batches: AuditBatch[] = [];
  let seen = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen++;
      if (seen <= failures) {
        res.writeHead(503).end();
        return;
      }
      batches.push(JSON.parse(body) as AuditBatch);
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, batches, attempts: () => seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe(httpReporter.name, () => {
  it('batches in the background and retries a failed batch without losing counts', async () => {
    const endpoint = await auditEndpoint(1);
    const errors: unknown[] = [];
    const reporter = httpReporter({ baseUrl: endpoint.url, token: 'fg_svc_test', service: 'checkout', flushIntervalMs: 10, onError: (e) => errors.push(e) });
    for (let i = 0; i < 1000; i++) reporter.report(record(i % 2 === 0 ? 'a' : 'b'));
    for (let waited = 0; endpoint.batches.length === 0 && waited < 5000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await reporter.close();
    await endpoint.close();
    expect(errors.map(String)).toEqual(['Error: audit batch failed: HTTP 503']);
    const counts = endpoint.batches.flatMap((b) => b.events).reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.field]: (acc[e.field] ?? 0) + e.count }), {});
    expect(counts).toEqual({ a: 500, b: 500 });
    expect(endpoint.batches.every((b) => b.service === 'checkout')).toBe(true);
  });

  it('returns from report() at once and never rejects when the server is down', async () => {
    const reporter = httpReporter({ baseUrl: 'http://127.0.0.1:9', token: 'fg_svc_test', flushIntervalMs: 5, timeoutMs: 200, maxPending: 3 });
    // Synchronous, nothing to await: a guard's hot path never waits for the audit API.
    for (let i = 0; i < 10_000; i++) expect(reporter.report(record(`f${i % 50}`))).toBeUndefined();
    await expect(reporter.flush()).resolves.toBeUndefined();
    await expect(reporter.close()).resolves.toBeUndefined();
  });

  it('sends the counts of many reports in a few batches, not a request each', async () => {
    const endpoint = await auditEndpoint(0);
    const reporter = httpReporter({ baseUrl: endpoint.url, token: 'fg_svc_test', flushIntervalMs: 5 });
    for (let i = 0; i < 10_000; i++) reporter.report(record(`f${i % 50}`));
    await reporter.close();
    await endpoint.close();
    expect(endpoint.attempts()).toBeLessThanOrEqual(3);
    const total = endpoint.batches.flatMap((b) => b.events).reduce((sum, e) => sum + e.count, 0);
    expect(total).toBe(10_000);
  });
});
