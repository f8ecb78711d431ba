import fc from 'fast-check';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecisionsService } from '../../src/decisions/decisions.service';
import { compileConsents, compilePolicy, decide, type PolicyMap } from '@flowgate/core';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

interface SseEvent {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/** A minimal EventSource over node:http: a real streaming client against the listening app. */
function openStream(base: string, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  let req: ClientRequest;
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    req = httpRequest(`${base}/api/v1/changes`, { headers }, (res) => {
      resolve(res);
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            fields.set(line.slice(0, i), line.slice(i + 1).trimStart());
          }
          if (!fields.has('data')) continue;
          events.push({ id: fields.get('id') ?? null, event: fields.get('event') ?? 'message', data: JSON.parse(fields.get('data')!) });
          waiters.splice(0).forEach((w) => w());
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  return {
    events,
    opened,
    /** Resolves when `count` events have arrived in all. */
    async until(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} events; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return events;
    },
    close: () => req.destroy(),
  };
}

describe(DecisionsService.name, () => {
  let t: ConsentTestApp;
  beforeAll(async () => {
    t = await startConsentApp();
  });
  afterAll(() => t.close());

  const decideApi = (body: object) => t.http().post('/api/v1/decisions').set('Authorization', t.service).send(body);
  const put = (userId: string, flowKey: string, granted: boolean) =>
    t.http().put(`/api/v1/me/preferences/${flowKey}`).set('Authorization', t.user(userId)).send({ granted }).expect(200);

  describe('POST /api/v1/decisions', () => {
    it('answers with the engine on the current policy and the user’s consents', async () => {
      const res = await decideApi({ userId: 'd-1', subprocessor: 'vendor-b', fields: ['usage.page-views'] }).expect(200);
      expect(res.body).toEqual({ allow: false, reason: 'not-opted-in', allowedFields: [], blocked: [{ field: 'usage.page-views', reason: 'not-opted-in' }], flowKey: 'vendor-b.product-analytics', policyVersion: 1 });
    });

    it('sees a consent change at once (the user’s cached consents are invalidated)', async () => {
      const ask = { userId: 'd-2', subprocessor: 'vendor-c', fields: ['user.contact.email'] };
      expect((await decideApi(ask)).body.allow).toBe(true);
      await put('d-2', 'vendor-c.support', false);
      expect((await decideApi(ask)).body).toMatchObject({ allow: false, reason: 'opted-out' });
      await put('d-2', 'vendor-c.support', true);
      expect((await decideApi(ask)).body.allow).toBe(true);
    });

    it('finds fields in a raw payload through their paths and reports undeclared keys', async () => {
      await put('d-3', 'vendor-b.product-analytics', true);
      const res = await decideApi({ userId: 'd-3', subprocessor: 'vendor-b', payload: { pages: [{ url: '/a' }], email: 'ada@example.com', plan: 'pro' } }).expect(200);
      expect(res.body).toMatchObject({
        allow: false,
        allowedFields: ['usage.page-views'],
        blocked: expect.arrayContaining([
          { field: 'user.contact.email', reason: 'excluded', paths: ['email'] },
          { field: 'plan', reason: 'undeclared', paths: ['plan'] },
        ]),
      });
    });

    it('denies with no-flow when the purpose is ambiguous or the vendor unknown', async () => {
      expect((await decideApi({ userId: 'd-4', subprocessor: 'vendor-d', fields: ['user.contact.email'] })).body).toMatchObject({ allow: false, reason: 'no-flow', flowKey: null });
      expect((await decideApi({ userId: 'd-4', subprocessor: 'vendor-x' })).body).toMatchObject({ allow: false, reason: 'no-flow' });
    });

    it('applies a per-request GPC signal', async () => {
      const res = await decideApi({ userId: 'd-5', subprocessor: 'vendor-c', fields: ['user.name'], gpc: true }).expect(200);
      expect(res.body).toMatchObject({ allow: false, reason: 'opted-out' });
    });

    it.each([
      ['no user id', { subprocessor: 'vendor-a' }, 'userId'],
      ['a user id with a space', { userId: 'a b', subprocessor: 'vendor-a' }, 'userId'],
      ['no subprocessor', { userId: 'd-6' }, 'subprocessor'],
      ['fields that are not a list', { userId: 'd-6', subprocessor: 'vendor-a', fields: 'user.name' }, 'fields'],
      ['a field that is not a string', { userId: 'd-6', subprocessor: 'vendor-a', fields: ['user.name', 3] }, 'fields[1]'],
      ['gpc that is not a boolean', { userId: 'd-6', subprocessor: 'vendor-a', gpc: 'yes' }, 'gpc'],
      ['an unknown property', { userId: 'd-6', subprocessor: 'vendor-a', purposes: ['x'] }, 'purposes'],
    ])('answers 400 for %s, naming the field', async (_, body, path) => {
      const res = await decideApi(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(path);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await t.http().post('/api/v1/decisions').set('Authorization', t.service).set('Content-Type', 'application/json').send('{"userId":').expect(400);
      expect(res.body.message).toMatch(/JSON/);
    });
  });

  describe('POST /api/v1/decisions/batch', () => {
    it('answers up to 1,000 decisions in request order, on one policy version', async () => {
      await put('b-1', 'vendor-d.marketing', true);
      const requests = Array.from({ length: 1000 }, (_, i) => ({
        userId: i % 2 === 0 ? 'b-1' : `b-other-${i}`,
        subprocessor: 'vendor-d',
        purpose: 'marketing',
        fields: ['user.contact.email'],
      }));
      const res = await t.http().post('/api/v1/decisions/batch').set('Authorization', t.service).send({ requests }).expect(200);
      expect(res.body.policyVersion).toBe(1);
      expect(res.body.decisions).toHaveLength(1000);
      res.body.decisions.forEach((d: { allow: boolean }, i: number) => expect(d.allow).toBe(i % 2 === 0));
    });

    it.each([
      ['1,001 requests', { requests: Array.from({ length: 1001 }, () => ({ userId: 'b-2', subprocessor: 'vendor-a' })) }, 'requests', 'must contain no more than 1000 elements'],
      ['no requests', { requests: [] }, 'requests', 'must contain at least 1 elements'],
    ])('answers 400 for %s', async (_, body, path, message) => {
      const res = await t.http().post('/api/v1/decisions/batch').set('Authorization', t.service).send(body).expect(400);
      expect(res.body.details).toContainEqual({ path, message });
    });

    it('names the bad request inside a batch', async () => {
      const res = await t.http().post('/api/v1/decisions/batch').set('Authorization', t.service).send({ requests: [{ userId: 'b-3', subprocessor: 'vendor-a' }, { userId: 'b-3' }] }).expect(400);
      expect(res.body.details).toEqual([{ path: 'requests[1].subprocessor', message: 'is required' }]);
    });
  });

  describe('GET /api/v1/policy and GET /api/v1/users/:userId/consents', () => {
    it('serves the map the engine compiles, with an ETag that answers 304 until the map changes', async () => {
      const res = await t.http().get('/api/v1/policy').set('Authorization', t.service).expect(200);
      expect(res.headers.etag).toBe(res.body.etag);
      expect(() => compilePolicy(res.body.map as PolicyMap)).not.toThrow();
      await t.http().get('/api/v1/policy').set('Authorization', t.service).set('If-None-Match', res.headers.etag).expect(304);
    });

    it('gives SDKs what they need to decide exactly as the server does', async () => {
      const users = ['s-1', 's-2', 's-3'];
      await put('s-1', 'vendor-b.product-analytics', true);
      await put('s-1', 'vendor-c.support', false);
      await put('s-2', 'vendor-d.product-analytics', true);
      await t.http().get('/api/v1/me').set('Authorization', t.user('s-3')).set('Sec-GPC', '1').expect(200);
      const policy = compilePolicy((await t.http().get('/api/v1/policy').set('Authorization', t.service).expect(200)).body.map);
      const consents = new Map<string, ReturnType<typeof compileConsents>>();
      for (const userId of users) {
        const body = (await t.http().get(`/api/v1/users/${userId}/consents`).set('Authorization', t.service).expect(200)).body;
        consents.set(userId, compileConsents(policy, body.choices, { gpc: body.gpc }));
      }
      const vendors = ['vendor-a', 'vendor-b', 'vendor-c', 'vendor-d', 'vendor-x'];
      const purposes = [undefined, 'email-delivery', 'product-analytics', 'support', 'marketing'];
      const fields = ['user.contact.email', 'user.name', 'usage.page-views', 'user.health', 'other.key'];
      const samples = fc.sample(
        fc.record({
          userId: fc.constantFrom(...users),
          subprocessor: fc.constantFrom(...vendors),
          purpose: fc.constantFrom(...purposes),
          fields: fc.subarray(fields),
        }),
        { numRuns: 200, seed: 42 },
      );
      const requests = samples.map((s) => (s.purpose === undefined ? { userId: s.userId, subprocessor: s.subprocessor, fields: s.fields } : s));
      const res = await t.http().post('/api/v1/decisions/batch').set('Authorization', t.service).send({ requests }).expect(200);
      requests.forEach((r, i) => {
        const { userId, ...request } = r;
        expect(res.body.decisions[i]).toEqual(decide(policy, consents.get(userId)!, request));
      });
    });
  });

  describe('the policy follows the map', () => {
    it('recompiles on a map change: the next decision has the new version and rules', async () => {
      const before = await decideApi({ userId: 'p-1', subprocessor: 'vendor-c', fields: ['usage.page-views'] }).expect(200);
      expect(before.body.blocked).toEqual([{ field: 'usage.page-views', reason: 'undeclared' }]);
      const etag = (await t.http().get('/api/v1/policy').set('Authorization', t.service)).headers.etag;
      await t.http().patch('/api/v1/flows/vendor-c.support').set('Authorization', t.admin).send({ fields: ['user.contact.email', 'user.name', 'usage.page-views'] }).expect(200);
      const after = await decideApi({ userId: 'p-1', subprocessor: 'vendor-c', fields: ['usage.page-views'] }).expect(200);
      expect(after.body).toMatchObject({ allow: true, policyVersion: before.body.policyVersion + 1 });
      const policy = await t.http().get('/api/v1/policy').set('Authorization', t.service).set('If-None-Match', etag).expect(200);
      expect(policy.body.version).toBe(before.body.policyVersion + 1);
    });
  });

  describe('GET /api/v1/changes', () => {
    let base: string;
    beforeAll(async () => {
      await t.app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    });

    it('streams consent and policy changes, then resumes from Last-Event-ID without missing any', async () => {
      const auth = { Authorization: t.service };
      const first = openStream(base, auth);
      const res = await first.opened;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const [ready] = await first.until(1);
      expect(ready).toMatchObject({ event: 'ready', data: { policyVersion: expect.any(Number) } });

      const written = Date.now();
      const change = await put('sse-1', 'vendor-d.marketing', true);
      const [, consent] = await first.until(2);
      const latencyMs = Date.now() - written;
      expect(consent).toMatchObject({ event: 'consent', data: { kind: 'consent', userId: 'sse-1', version: change.body.version } });
      expect(Number(consent.id)).toBeGreaterThan(Number(ready.id));
      expect(latencyMs).toBeLessThan(1000);

      await t.http().patch('/api/v1/flows/vendor-d.marketing').set('Authorization', t.admin).send({ description: 'Newsletters' }).expect(200);
      const [, , policy] = await first.until(3);
      expect(policy).toMatchObject({ event: 'policy', data: { kind: 'policy', version: ready.data.policyVersion as number + 1 } });
      first.close();

      // Changes made while no one listens are all delivered on resume, in order, once.
      for (const user of ['sse-2', 'sse-3', 'sse-4']) await put(user, 'vendor-b.product-analytics', true);
      const resumed = openStream(base, { ...auth, 'Last-Event-ID': policy.id! });
      const events = await resumed.until(4);
      expect(events.map((e) => [e.event, e.data.userId])).toEqual([
        ['consent', 'sse-2'],
        ['consent', 'sse-3'],
        ['consent', 'sse-4'],
        ['ready', undefined],
      ]);
      const ids = events.slice(0, 3).map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(events[3].id).toBe(events[2].id);
      await put('sse-5', 'vendor-b.product-analytics', true);
      expect((await resumed.until(5))[4]).toMatchObject({ event: 'consent', data: { userId: 'sse-5' } });
      resumed.close();
    });

    it('is never compressed, even for a client that accepts gzip and br: each event arrives as it happens', async () => {
      const stream = openStream(base, { Authorization: t.service, 'Accept-Encoding': 'gzip, deflate, br' });
      const res = await stream.opened;
      expect(res.headers['content-encoding']).toBeUndefined();
      await stream.until(1);
      await put('sse-uncompressed', 'vendor-d.marketing', true);
      const [, consent] = await stream.until(2, 1000);
      expect(consent).toMatchObject({ event: 'consent', data: { userId: 'sse-uncompressed' } });
      stream.close();
    });

    it('delivers changes made while the backlog is being sent exactly once', async () => {
      const start = Number((await (async () => {
        const s = openStream(base, { Authorization: t.service });
        const [ready] = await s.until(1);
        s.close();
        return ready;
      })()).id);
      const writes = Array.from({ length: 30 }, (_, i) => put(`race-${i}`, 'vendor-b.product-analytics', true));
      const stream = openStream(base, { Authorization: t.service, 'Last-Event-ID': String(start) });
      await Promise.all(writes);
      const events = await stream.until(31);
      const consentIds = events.filter((e) => e.event === 'consent').map((e) => Number(e.id));
      expect(consentIds).toHaveLength(30);
      expect(new Set(consentIds).size).toBe(30);
      expect(consentIds).toEqual([...consentIds].sort((a, b) => a - b));
      stream.close();
    });

    it('tells a client whose Last-Event-ID is past the log to start over', async () => {
      const stream = openStream(base, { Authorization: t.service, 'Last-Event-ID': '999999' });
      const [reset] = await stream.until(1);
      expect(reset.event).toBe('reset');
      stream.close();
    });

    it('answers 400 naming Last-Event-ID when it is not an event id', async () => {
      const res = await t.http().get('/api/v1/changes').set('Authorization', t.service).set('Last-Event-ID', 'abc').expect(400);
      expect(res.body.details).toEqual([{ path: 'Last-Event-ID', message: 'must be a non-negative integer (an event id)' }]);
    });
  });
});
