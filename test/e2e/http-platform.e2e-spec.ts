import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/test-app';

/** What the move from Express to Fastify had to keep, beyond the suites that already test it. */
describe('HTTP platform (Fastify)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CONSENT_BODY_LIMIT_BYTES: '2048' });
    await t.app.listen(0, '127.0.0.1');
    // Booting the app takes seconds on a loaded 2-core box.
  }, 30_000);
  afterAll(() => t.close());

  it('inflates a gzip request body, and counts the route limit after inflating it', async () => {
    // A plain request: supertest would re-encode a Buffer body sent as JSON.
    const send = (method: 'POST' | 'PUT', path: string, json: unknown) =>
      new Promise<{ statusCode: number; json: () => unknown }>((resolve, reject) => {
        const { port } = t.app.getHttpServer().address() as AddressInfo;
        const body = gzipSync(JSON.stringify(json));
        const req = request(
          { host: '127.0.0.1', port, method, path, headers: { authorization: t.admin, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString('utf8')));
            res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, json: () => JSON.parse(text) as unknown }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const created = await send('POST', '/api/v1/service-tokens', { name: 'gzipped' });
    expect([created.statusCode, created.json()]).toEqual([201, expect.objectContaining({ name: 'gzipped' })]);

    // 40 KB of JSON that gzips to well under the 2 KB consent limit.
    const changes = Array.from({ length: 1000 }, () => ({ flowKey: 'a.b', granted: true }));
    expect(gzipSync(JSON.stringify({ changes })).length).toBeLessThan(2048);
    const res = await send('PUT', '/api/v1/users/ada@example.com/preferences', { changes });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than this route takes (2048 bytes)' });
  });

  it('routes a path with a trailing slash as the path without it', async () => {
    const res = await t.http().get('/api/v1/service-tokens/').set('Authorization', t.admin).expect(200);
    expect(res.body).toHaveProperty('items');
  });

  it('answers an unknown path under /api with the error body, security headers and a request id', async () => {
    const res = await t.http().get('/api/v1/nothing-here').set('Authorization', t.admin).expect(404);
    expect(res.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /api/v1/nothing-here' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
  });

  it('does not set up compression for a single decision, and compresses a large answer', async () => {
    const decision = await t.http().post('/api/v1/decisions').set('Authorization', t.admin).set('Accept-Encoding', 'gzip')
      .send({ userId: 'ada@example.com', subprocessor: 'none', fields: [] });
    expect(decision.status).toBe(200);
    expect(decision.headers['content-encoding']).toBeUndefined();
    expect(decision.headers.vary).toBeUndefined();
    const openapi = await t.http().get('/api/docs-json').set('Accept-Encoding', 'gzip').expect(200);
    expect(openapi.headers['content-encoding']).toBe('gzip');
  });
});
