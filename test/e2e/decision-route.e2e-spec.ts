import fc from 'fast-check';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { LogLines } from '../support/log-lines';
import { startTestApp, type TestApp } from '../support/test-app';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';

/**
 * `POST /api/v1/decisions` is served without Nest's per-request pipeline
 * (src/decisions/decision-route.ts), its ordinary requests in front of Fastify
 * (src/common/front-door.ts). The same requests, hostile ones included, must get the same
 * answers from it as from the route run through Nest and Fastify like every other route:
 * status, body, the headers every answer carries, the access-log line and the metrics.
 */
describe('the decision route without Nest’s pipeline answers as Nest would', () => {
  const apps: Record<'direct' | 'nest', TestApp & { service: string; log: LogLines; port: number }> = {} as never;
  // A small body limit, so that bodies over it are cheap to send.
  const env = { FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, AUTH_FAILURE_LIMIT: '100000', LOG_LEVEL: 'log', BODY_LIMIT_BYTES: '4096' };
  let sequence = 0;

  beforeAll(async () => {
    for (const kind of ['direct', 'nest'] as const) {
      const log = new LogLines();
      const t = await startTestApp(env, undefined, { directDecisionRoute: kind === 'direct', preferenceFrontDoor: kind === 'direct', destination: log });
      await t.app.listen(0, '127.0.0.1');
      const port = (t.app.getHttpServer().address() as { port: number }).port;
      await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aConsentManifest()).expect(201);
      const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'sdk' }).expect(201);
      // The same choices in both: ada opted in to analytics and out of support.
      await t
        .http()
        .put('/api/v1/users/ada/preferences')
        .set('Authorization', t.admin)
        .send({ changes: [{ flowKey: 'vendor-b.product-analytics', granted: true }, { flowKey: 'vendor-c.support', granted: false }] })
        .expect(200);
      apps[kind] = Object.assign(t, { service: bearer(created.body.token as string), log, port });
    }
  });

  it('is served in front of Fastify in one app and by Fastify in the other', () => {
    expect(apps.direct.app.getHttpServer().listeners('request').map((l: { name: string }) => l.name)).toEqual(['frontDoor']);
    expect(apps.nest.app.getHttpServer().listeners('request').map((l: { name: string }) => l.name)).not.toContain('frontDoor');
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((t) => t.close()));
  });

  type Auth = 'none' | 'service' | 'admin' | 'user' | 'unknown-service' | 'garbage' | 'not-bearer';
  const authOf = (t: TestApp & { service: string }, auth: Auth): string | undefined => {
    switch (auth) {
      case 'none':
        return undefined;
      case 'service':
        return t.service;
      case 'admin':
        return t.admin;
      case 'user':
        return bearer(aUserToken('ada'));
      case 'unknown-service':
        return 'Bearer fg_svc_0123456789abcdef0123456789abcdef';
      case 'garbage':
        return 'Bearer x';
      case 'not-bearer':
        return 'Basic YTpi';
    }
  };

  /** What both must agree on: the request id differs (random), its presence does not. */
  async function answer(kind: 'direct' | 'nest', auth: Auth, contentType: string | null, body: string, path = '/api/v1/decisions') {
    const t = apps[kind];
    let req = t.http().post(path).set('X-Request-Id', `req-${++sequence}`);
    const authorization = authOf(t, auth);
    if (authorization !== undefined) req = req.set('Authorization', authorization);
    if (contentType !== null) req = req.set('Content-Type', contentType);
    const res = await req.send(body);
    return compared(kind, res.status, res.headers, res.text);
  }

  /** What both must agree on: the request id differs (random), its presence does not; the access line, found by it. */
  async function compared(kind: 'direct' | 'nest', status: number, h: IncomingHttpHeaders, body: string) {
    const id = h['x-request-id'];
    // The line is written when the response's connection closes or it finishes: wait for it.
    let line: unknown;
    for (let i = 0; i < 50 && line === undefined && typeof id === 'string'; i++) {
      line = apps[kind].log.access(id);
      if (line === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    const { requestId: _id, ...access } = (line ?? {}) as Record<string, unknown>;
    return {
      status,
      body,
      contentType: h['content-type'],
      contentLength: h['content-length'],
      retryAfter: h['retry-after'],
      connection: h.connection,
      requestId: typeof id === 'string' && id.length > 0,
      security: [h['content-security-policy'], h['x-content-type-options'], h['x-frame-options'], h['referrer-policy'], h['cross-origin-resource-policy']],
      access,
    };
  }

  interface Raw {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    /** Written one after the other (chunked unless a Content-Length header is given). */
    chunks?: (string | Buffer)[];
  }

  /** One request over a fresh connection, written as given (node:http, no supertest). */
  function raw(kind: 'direct' | 'nest', r: Raw) {
    return new Promise<Awaited<ReturnType<typeof compared>>>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: apps[kind].port, method: r.method ?? 'POST', path: r.path ?? '/api/v1/decisions', headers: { 'x-request-id': `req-${++sequence}`, ...r.headers }, agent: false },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => void compared(kind, res.statusCode!, res.headers, Buffer.concat(parts).toString('utf8')).then(resolve, reject));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      for (const chunk of r.chunks ?? []) req.write(chunk);
      req.end();
    });
  }

  const field = fc.constantFrom('user.contact.email', 'user.name', 'usage.page-views', 'user.health', 'nope', '');
  /** Mostly a valid value, sometimes anything: most bodies are decided, many refused. */
  const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 12, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile });
  const decisionBody = fc.record(
    {
      userId: mostly(fc.constantFrom('ada', 'bob', 'carol'), fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null))),
      subprocessor: mostly(fc.constantFrom('vendor-a', 'vendor-b', 'vendor-c', 'vendor-d', 'nope'), fc.jsonValue({ maxDepth: 2 })),
      purpose: mostly(fc.constantFrom('email-delivery', 'product-analytics', 'support', 'marketing'), fc.jsonValue({ maxDepth: 2 })),
      fields: mostly(fc.array(field, { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
      payload: mostly(fc.constant({ email: 'a@b.example', name: 'Ada', pages: [{ url: '/x' }] }), fc.jsonValue({ maxDepth: 3 })),
      gpc: mostly(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: ['userId'] },
  );
  const withExtraKey = fc
    .tuple(decisionBody, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([b, key, value]) => ({ ...b, [key]: value }));
  const text = fc.oneof(
    { weight: 6, arbitrary: decisionBody.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: withExtraKey.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constantFrom('{"userId":"ada","__proto__":{"x":1}}', '{"userId":"ada","userId":"bob"}', '[', '{"a":' + '['.repeat(200)) },
  );
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Auth>('service') },
    { weight: 3, arbitrary: fc.constantFrom<Auth>('none', 'admin', 'user', 'unknown-service', 'garbage', 'not-bearer') },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant<string | null>('application/json') },
    { weight: 1, arbitrary: fc.constantFrom<string | null>('text/plain', 'application/x-www-form-urlencoded', 'application/problem+json') },
  );

  it('the same status, body and headers for random, hostile requests', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(auth, contentType, text, async (a, type, body) => {
        const direct = await answer('direct', a, type, body);
        const nest = await answer('nest', a, type, body);
        expect(direct).toEqual(nest);
        expect(direct.status).toBeLessThan(500);
        statuses.set(direct.status, (statuses.get(direct.status) ?? 0) + 1);
      }),
      { numRuns: 250, seed: 16 },
    );
    // Answers and refusals of every kind were compared, not only one of them.
    for (const status of [200, 400, 401, 403, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200)!).toBeGreaterThan(25);
    // The same requests counted under the same labels (the durations differ, their count does not).
    const counts = async (kind: 'direct' | 'nest') => {
      const text = (await apps[kind].http().get('/metrics').set('Authorization', apps[kind].admin)).text;
      return text.split('\n').filter((l) => l.startsWith('flowgate_http_request_duration_seconds_count') && l.includes('route="/api/v1/decisions"'));
    };
    const direct = await counts('direct');
    expect(direct.length).toBeGreaterThan(3);
    expect(direct).toEqual(await counts('nest'));
  });

  const valid = JSON.stringify({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'product-analytics', fields: ['usage.page-views'] });
  const json = { 'content-type': 'application/json' };
  const hostile: Record<string, (t: TestApp & { service: string }) => Raw> = {
    'a body over the limit, by its Content-Length': (t) => ({ headers: { ...json, authorization: t.service, 'content-length': '5000' }, chunks: ['x'.repeat(5000)] }),
    'a chunked body passing the limit': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":"', 'a'.repeat(3000), 'a'.repeat(3000), '"}'] }),
    'an unauthenticated body over the limit (413 before 401)': () => ({ headers: json, chunks: ['[' + '1,'.repeat(3000) + '1]'] }),
    'a chunked body, decided': (t) => ({ headers: { ...json, authorization: t.service }, chunks: [valid.slice(0, 7), valid.slice(7, 30), valid.slice(30)] }),
    'a character split across chunks': (t) => {
      const body = Buffer.from(JSON.stringify({ userId: 'ada', subprocessor: 'vendor-ä€😀' }));
      return { headers: { ...json, authorization: t.service }, chunks: [body.subarray(0, 36), body.subarray(36, 38), body.subarray(38)] };
    },
    'deep nesting': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":"ada","payload":' + '['.repeat(300) + ']'.repeat(300) + '}'] }),
    'a duplicated key': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":"ada","subprocessor":"vendor-a","subprocessor":"vendor-b"}'] }),
    'a prototype key': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":"ada","constructor":{"prototype":{}}}'] }),
    'wrong types': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":7,"subprocessor":["a"],"fields":"x","gpc":"yes"}'] }),
    'a JSON array': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['[1,2]'] }),
    'malformed JSON': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['{"userId":'] }),
    'whitespace only': (t) => ({ headers: { ...json, authorization: t.service }, chunks: ['  \n '] }),
    'an empty body': (t) => ({ headers: { ...json, authorization: t.service, 'content-length': '0' } }),
    'a gzipped body': (t) => ({ headers: { ...json, authorization: t.service, 'content-encoding': 'gzip' }, chunks: [gzipSync(valid)] }),
    'an unknown Content-Encoding': (t) => ({ headers: { ...json, authorization: t.service, 'content-encoding': 'x-unknown' }, chunks: [valid] }),
    'no Content-Type': (t) => ({ headers: { authorization: t.service }, chunks: [valid] }),
    'a charset without a space': (t) => ({ headers: { 'content-type': 'application/json;charset=utf-8', authorization: t.service }, chunks: [valid] }),
    'another charset': (t) => ({ headers: { 'content-type': 'application/json; charset=latin1', authorization: t.service }, chunks: [valid] }),
    'upper-case type': (t) => ({ headers: { 'content-type': 'Application/JSON', authorization: t.service }, chunks: [valid] }),
    'an invalid media type': (t) => ({ headers: { 'content-type': 'application/json; =', authorization: t.service }, chunks: [valid] }),
    'a form': (t) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: t.service }, chunks: ['userId=ada'] }),
    'the trailing slash': (t) => ({ path: '/api/v1/decisions/', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'a query string': (t) => ({ path: '/api/v1/decisions?x=1&y', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'the trailing slash and a query': (t) => ({ path: '/api/v1/decisions/?x=1', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'a percent-encoded path': (t) => ({ path: '/api/v1/%64ecisions', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'a doubled slash': (t) => ({ path: '/api/v1//decisions', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'upper case in the path': (t) => ({ path: '/api/v1/Decisions', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'the batch route beside it': (t) => ({ path: '/api/v1/decisions/batch', headers: { ...json, authorization: t.service }, chunks: [JSON.stringify({ requests: [JSON.parse(valid)] })] }),
    'GET': (t) => ({ method: 'GET', headers: { authorization: t.service } }),
    'HEAD': (t) => ({ method: 'HEAD', headers: { authorization: t.service } }),
    'OPTIONS': (t) => ({ method: 'OPTIONS', headers: { authorization: t.service, origin: 'https://app.example.com' } }),
    'PUT': (t) => ({ method: 'PUT', headers: { ...json, authorization: t.service }, chunks: [valid] }),
    'DELETE': (t) => ({ method: 'DELETE', headers: { authorization: t.service } }),
    'a user token': () => ({ headers: { ...json, authorization: bearer(aUserToken('ada')) }, chunks: [valid] }),
    'a garbage token': () => ({ headers: { ...json, authorization: 'Bearer x' }, chunks: [valid] }),
    'a caller’s request id': (t) => ({ headers: { ...json, authorization: t.service, 'x-request-id': 'caller-given.id:1' }, chunks: [valid] }),
    'a request id that is not taken': (t) => ({ headers: { ...json, authorization: t.service, 'x-request-id': 'no spaces {}' }, chunks: [valid] }),
    'Connection: close': (t) => ({ headers: { ...json, authorization: t.service, connection: 'close' }, chunks: [valid] }),
  };

  it.each(Object.keys(hostile))('the same answer, access line and headers for %s', async (name) => {
    const direct = await raw('direct', hostile[name](apps.direct));
    const nest = await raw('nest', hostile[name](apps.nest));
    expect(direct).toEqual(nest);
    expect(direct.status).toBeLessThan(500);
    expect(direct.access).toHaveProperty('access');
  });

  it('names the problem of a hostile body', async () => {
    const deep = await raw('direct', hostile['deep nesting'](apps.direct));
    expect(deep.status).toBe(400);
    expect(deep.body).toMatch(/payload/);
    const types = JSON.parse((await raw('direct', hostile['wrong types'](apps.direct))).body) as { details: { path: string }[] };
    expect(types.details.map((d) => d.path)).toEqual(expect.arrayContaining(['userId', 'subprocessor', 'fields', 'gpc']));
    expect((await raw('direct', hostile['a chunked body passing the limit'](apps.direct))).status).toBe(413);
  });

  it('keeps serving after a body aborted midway, and logs that request as Fastify does', async () => {
    for (const kind of ['direct', 'nest'] as const) {
      const id = `aborted-${kind}`;
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port: apps[kind].port,
          method: 'POST',
          path: '/api/v1/decisions',
          headers: { ...json, authorization: apps[kind].service, 'content-length': '1000', 'x-request-id': id },
          agent: false,
        });
        req.on('error', () => resolve());
        req.write('{"userId":"ada",', () => setTimeout(() => req.destroy(), 50));
        req.on('close', () => resolve());
      });
    }
    let lines: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      lines = [apps.direct.log.access('aborted-direct'), apps.nest.log.access('aborted-nest')];
      if (!lines.includes(undefined)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [direct, nest] = lines as Record<string, unknown>[];
    expect(direct).toEqual({ ...nest, requestId: 'aborted-direct' });
    // Both still answer on new connections.
    const after = await raw('direct', hostile['a chunked body, decided'](apps.direct));
    expect(after.status).toBe(200);
    expect(after).toEqual(await raw('nest', hostile['a chunked body, decided'](apps.nest)));
  });

  it('answers several requests on one kept-alive connection', async () => {
    for (const kind of ['direct', 'nest'] as const) {
      const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      try {
        for (let i = 0; i < 3; i++) {
          await new Promise<void>((resolve, reject) => {
            const req = httpRequest(
              { host: '127.0.0.1', port: apps[kind].port, method: 'POST', path: '/api/v1/decisions', headers: { ...json, authorization: apps[kind].service }, agent },
              (res) => {
                sockets.add(res.socket);
                expect(res.statusCode).toBe(200);
                res.resume();
                res.on('end', resolve);
              },
            );
            req.on('error', reject);
            req.end(valid);
          });
        }
        expect(sockets.size).toBe(1);
      } finally {
        agent.destroy();
      }
    }
  });

  it('answers decisions (not only refusals), and the same ones', async () => {
    const body = JSON.stringify({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'product-analytics', fields: ['usage.page-views'] });
    const direct = await answer('direct', 'service', 'application/json', body);
    expect(direct.status).toBe(200);
    expect(JSON.parse(direct.body)).toMatchObject({ allow: true });
    expect(direct).toEqual(await answer('nest', 'service', 'application/json', body));
    const refused = await answer('direct', 'user', 'application/json', body);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('the same 429, Retry-After and body once failed authentications pass the limit', async () => {
    const limited: Record<string, TestApp> = {};
    for (const kind of ['direct', 'nest'] as const) limited[kind] = await startTestApp({ AUTH_FAILURE_LIMIT: '3' }, undefined, { directDecisionRoute: kind === 'direct' });
    try {
      const statuses: Record<string, number[]> = { direct: [], nest: [] };
      let last: Record<string, { status: number; body: unknown; retryAfter: unknown }> = {};
      for (let i = 0; i < 5; i++) {
        last = {};
        for (const kind of ['direct', 'nest'] as const) {
          const res = await limited[kind].http().post('/api/v1/decisions').set('Authorization', 'Bearer fg_svc_wrong-guess-0001').send({ userId: 'ada' });
          statuses[kind].push(res.status);
          last[kind] = { status: res.status, body: res.body, retryAfter: res.headers['retry-after'] !== undefined };
        }
      }
      expect(statuses.direct[0]).toBe(401);
      expect(statuses.direct.at(-1)).toBe(429);
      expect(statuses.direct).toEqual(statuses.nest);
      expect(last.direct).toEqual(last.nest);
      expect(last.direct).toMatchObject({ status: 429, body: { code: 'TOO_MANY_REQUESTS' }, retryAfter: true });
    } finally {
      await Promise.all(Object.values(limited).map((t) => t.close()));
    }
  });
});
