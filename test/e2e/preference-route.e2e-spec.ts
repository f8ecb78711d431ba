import fc from 'fast-check';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { COMPRESSION } from '../../src/app.factory';
import { frontDoorServed } from '../../src/common/front-door';
import { LogLines } from '../support/log-lines';
import { startTestApp, type TestApp } from '../support/test-app';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';

/** A body with `n` unknown keys besides `granted`: a 422 naming each of them (over 1 KB from 20 on). */
function manyKeys(n: number): string {
  return JSON.stringify({ granted: true, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`unknown-${i}`, 1])) });
}

type Kind = 'front' | 'nest';
type App = TestApp & { service: string; log: LogLines; port: number };

/**
 * `PUT /api/v1/me/preferences/:flowKey`'s ordinary requests are served in front of Fastify
 * (src/consent/preference-front-door.ts, src/common/front-door.ts). The same requests,
 * hostile ones included, sent to it and to the route run through Nest and Fastify like
 * every other route, in the same order (so both databases go through the same writes), must
 * get the same answers: status, body (but the time and the hashes it makes), every header
 * (but the date and the request id's value), the access-log line and the metrics.
 */
describe('the preference write in front of Fastify answers as Nest would', () => {
  const apps = {} as Record<Kind, App>;
  // Small body limits, so that bodies over them are cheap; CORS on, so `Vary: Origin` is compared too.
  const env = {
    FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
    AUTH_FAILURE_LIMIT: '100000',
    LOG_LEVEL: 'log',
    CONSENT_BODY_LIMIT_BYTES: '8192',
    FLOWGATE_ALLOWED_ORIGINS: 'https://shop.example',
  };
  let sequence = 0;

  beforeAll(async () => {
    for (const kind of ['front', 'nest'] as const) {
      const log = new LogLines();
      const t = await startTestApp(env, undefined, { preferenceFrontDoor: kind === 'front', destination: log });
      await t.app.listen(0, '127.0.0.1');
      const port = (t.app.getHttpServer().address() as { port: number }).port;
      await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aConsentManifest()).expect(201);
      const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'sdk' }).expect(201);
      apps[kind] = Object.assign(t, { service: bearer(created.body.token as string), log, port });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((t) => t.close()));
  });

  type Auth = 'ada' | 'bob' | 'none' | 'service' | 'admin' | 'expired' | 'other-secret' | 'garbage' | 'not-bearer';
  const authOf = (t: App, auth: Auth): string | undefined => {
    switch (auth) {
      case 'ada':
      case 'bob':
        return bearer(aUserToken(auth));
      case 'none':
        return undefined;
      case 'service':
        return t.service;
      case 'admin':
        return t.admin;
      case 'expired':
        return bearer(aUserToken('ada', { ttlSeconds: -60 }));
      case 'other-secret':
        return bearer(aUserToken('ada', { secret: 'another-secret-0123456789abcdef0123456789' }));
      case 'garbage':
        return 'Bearer x';
      case 'not-bearer':
        return 'Basic YTpi';
    }
  };

  interface Raw {
    method?: string;
    path: string;
    auth?: Auth;
    headers?: Record<string, string>;
    /** Written one after the other (chunked unless a Content-Length header is given). */
    chunks?: (string | Buffer)[];
  }

  /** What both must agree on, of one answer. */
  async function compared(kind: Kind, status: number, h: IncomingHttpHeaders, bytes: Buffer) {
    const id = h['x-request-id'];
    // The line is written when the response finishes or its connection closes: wait for it.
    let line: unknown;
    for (let i = 0; i < 100 && line === undefined && typeof id === 'string'; i++) {
      line = apps[kind].log.access(id, { withoutId: true });
      if (line === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    const { date: _date, 'x-request-id': _id, ...headers } = h;
    const encoding = h['content-encoding'];
    const text = (encoding === 'gzip' ? gunzipSync(bytes) : encoding === 'br' ? brotliDecompressSync(bytes) : encoding === 'deflate' ? inflateSync(bytes) : bytes).toString('utf8');
    // A compressed answer's length depends on its times and hashes too (compared when it has none).
    if (encoding !== undefined && text.includes('"recordedAt"')) headers['content-length'] = typeof headers['content-length'];
    return { status, body: timeless(text), headers, requestId: typeof id === 'string' && id.length > 0, access: line };
  }

  /** The answer's body with what depends on the clock (the time, and the hashes over it) named instead. */
  function timeless(text: string): unknown {
    try {
      return JSON.parse(text, (key, value: unknown) => (['recordedAt', 'hash', 'prevHash'].includes(key) && typeof value === 'string' ? `<${key}>` : value));
    } catch {
      return text;
    }
  }

  /** One request over a fresh connection, written as given (node:http: no client adds headers of its own). */
  function raw(kind: Kind, r: Raw) {
    const t = apps[kind];
    const authorization = authOf(t, r.auth ?? 'ada');
    const headers = { 'x-request-id': `req-${++sequence}`, ...(authorization === undefined ? {} : { authorization }), ...r.headers };
    return new Promise<Awaited<ReturnType<typeof compared>>>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: t.port, method: r.method ?? 'PUT', path: r.path, headers, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => void compared(kind, res.statusCode!, res.headers, Buffer.concat(parts)).then(resolve, reject));
        res.on('error', reject);
      });
      req.on('error', reject);
      for (const chunk of r.chunks ?? []) req.write(chunk);
      req.end();
    });
  }

  /** The same request to both, the front door's app first; how many of them its front door took. */
  async function both(r: Raw) {
    const before = frontDoorServed(apps.front.app.getHttpServer());
    const front = await raw('front', r);
    const nest = await raw('nest', r);
    return { front, nest, taken: frontDoorServed(apps.front.app.getHttpServer()) - before };
  }

  it('is served in front of Fastify in one app and by Fastify in the other', () => {
    expect(apps.front.app.getHttpServer().listeners('request').map((l: { name: string }) => l.name)).toEqual(['frontDoor']);
    // The other app still has the decision route's front door, but not this route's.
    expect(frontDoorServed(apps.nest.app.getHttpServer())).toBe(0);
  });

  const json = { 'content-type': 'application/json' };
  const flowKey = fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-a.email-delivery') },
    { weight: 2, arbitrary: fc.constantFrom('nope.nothing', 'vendor-b', 'a..b', '-a', 'x'.repeat(202), 'Vendor-B.product-analytics', 'vendor-b.product-analytics/', '%76endor-c.support', 'vendor%2Db.x') },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)) },
  );
  const encodings = fc.constantFrom(undefined, 'gzip, deflate, br', 'gzip, deflate', 'br;q=0.5, gzip', 'identity', '*', 'x-gzip', 'deflate', 'zstd');
  const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 10, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile });
  const body = fc.record(
    {
      granted: mostly(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      flowVersion: mostly(fc.constantFrom(1, 1, 99, null), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: ['granted'] },
  );
  const text = fc.oneof(
    { weight: 8, arbitrary: body.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.tuple(body, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })).map(([b, k, v]) => JSON.stringify({ ...b, [k]: v })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('{"granted":true,"__proto__":{"x":1}}', '{"granted":true,"granted":false}', '[', '{"granted":', 'x'.repeat(9000), manyKeys(30)) },
  );
  const auth = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<Auth>('ada', 'bob') },
    { weight: 2, arbitrary: fc.constantFrom<Auth>('none', 'service', 'admin', 'expired', 'other-secret', 'garbage', 'not-bearer') },
  );
  const extra = fc.record(
    {
      'sec-gpc': fc.constantFrom('1', '0', ''),
      'idempotency-key': fc.oneof({ weight: 1, arbitrary: fc.constantFrom('k-1', 'k-2', '') }, { weight: 2, arbitrary: fc.uuid() }),
      'content-type': fc.oneof({ weight: 4, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json;charset=utf-8') }),
    },
    { requiredKeys: [] },
  );

  it('the same status, body, headers and access line for random, hostile requests', async () => {
    const statuses = new Map<number, number>();
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(auth, flowKey, text, extra, encodings, async (a, key, payload, headers, encoding) => {
        const sent: Record<string, string> = { ...json, ...(headers as Record<string, string>) };
        if (encoding !== undefined) sent['accept-encoding'] = encoding;
        const answers = await both({ auth: a, path: `/api/v1/me/preferences/${key}`, headers: sent, chunks: [payload] });
        expect(answers.front).toEqual(answers.nest);
        expect(answers.front.status).toBeLessThan(500);
        expect(answers.front.access).toHaveProperty('access');
        taken += answers.taken;
        statuses.set(answers.front.status, (statuses.get(answers.front.status) ?? 0) + 1);
      }),
      { numRuns: 250, seed: 16 },
    );
    // Answers and refusals of every kind were compared, most of them from the front door.
    for (const status of [200, 400, 401, 403, 404, 409, 413, 415, 422]) expect([status, statuses.get(status) ?? 0]).not.toEqual([status, 0]);
    expect(statuses.get(200)!).toBeGreaterThan(50);
    expect(taken).toBeGreaterThan(150);
    // The same requests counted under the same labels (the durations differ, their count does not).
    const counts = async (kind: Kind) => {
      const text = (await apps[kind].http().get('/metrics').set('Authorization', apps[kind].admin)).text;
      return text.split('\n').filter((l) => l.startsWith('flowgate_http_request_duration_seconds_count') && l.includes('/api/v1/me/preferences'));
    };
    const front = await counts('front');
    expect(front.length).toBeGreaterThan(5);
    expect(front).toEqual(await counts('nest'));
  }, 120_000);

  const change = fc.record(
    {
      flowKey: mostly(fc.constantFrom('vendor-b.product-analytics', 'vendor-c.support', 'vendor-d.marketing', 'vendor-d.product-analytics'), fc.oneof(fc.constantFrom('nope.x', 'vendor-a.email-delivery', 'A..b'), fc.jsonValue({ maxDepth: 1 }))),
      granted: mostly(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      flowVersion: mostly(fc.constantFrom(undefined, undefined, undefined, 1, 99), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: ['flowKey', 'granted'] },
  );
  const changes = fc.oneof(
    { weight: 8, arbitrary: fc.array(change, { minLength: 1, maxLength: 3 }).map((c) => JSON.stringify({ changes: c })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.tuple(fc.array(change, { maxLength: 2 }), fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })).map(([c, k, v]) => JSON.stringify({ changes: c, [k]: v })) },
  );

  it('the same answers for random writes of several flows', async () => {
    const statuses = new Map<number, number>();
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(auth, changes, extra, encodings, async (a, payload, headers, encoding) => {
        const sent: Record<string, string> = { ...json, ...(headers as Record<string, string>) };
        if (encoding !== undefined) sent['accept-encoding'] = encoding;
        const answers = await both({ auth: a, path: '/api/v1/me/preferences', headers: sent, chunks: [payload] });
        expect(answers.front).toEqual(answers.nest);
        expect(answers.front.status).toBeLessThan(500);
        taken += answers.taken;
        statuses.set(answers.front.status, (statuses.get(answers.front.status) ?? 0) + 1);
      }),
      { numRuns: 120, seed: 16 },
    );
    for (const status of [200, 401, 403, 404, 409, 422]) expect([status, statuses.get(status) ?? 0]).not.toEqual([status, 0]);
    expect(statuses.get(200)!).toBeGreaterThan(15);
    expect(taken).toBeGreaterThan(70);
  }, 120_000);

  const path = '/api/v1/me/preferences/vendor-b.product-analytics';
  const many = '/api/v1/me/preferences';
  const valid = '{"granted":true}';
  /** Each case: the request, and whether the front door takes it (the rest must reach Fastify untouched). */
  const cases: Record<string, [Raw, boolean]> = {
    'a grant': [{ path, headers: json, chunks: [valid] }, true],
    'a withdrawal with the flow version': [{ path, headers: json, chunks: ['{"granted":false,"flowVersion":1}'] }, true],
    'a stale flow version (409)': [{ path, headers: json, chunks: ['{"granted":true,"flowVersion":99}'] }, true],
    'an unknown flow (404)': [{ path: '/api/v1/me/preferences/vendor-z.nothing', headers: json, chunks: [valid] }, true],
    'a flow key that breaks the pattern (422)': [{ path: '/api/v1/me/preferences/a..b', headers: json, chunks: [valid] }, true],
    'a dot as the key': [{ path: '/api/v1/me/preferences/.', headers: json, chunks: [valid] }, true],
    'two dots as the key': [{ path: '/api/v1/me/preferences/..', headers: json, chunks: [valid] }, true],
    'wrong types (422 naming them)': [{ path, headers: json, chunks: ['{"granted":"yes","flowVersion":0,"extra":1}'] }, true],
    'a JSON array': [{ path, headers: json, chunks: ['[true]'] }, true],
    'malformed JSON (400)': [{ path, headers: json, chunks: ['{"granted":'] }, true],
    'a duplicated key': [{ path, headers: json, chunks: ['{"granted":true,"granted":false}'] }, true],
    'a prototype key': [{ path, headers: json, chunks: ['{"granted":true,"constructor":{"prototype":{}}}'] }, true],
    'a chunked body': [{ path, headers: json, chunks: ['{"gran', 'ted":tr', 'ue}'] }, true],
    'a body over the limit, by its Content-Length (413)': [{ path, headers: { ...json, 'content-length': '9000' }, chunks: ['x'.repeat(9000)] }, true],
    'a chunked body passing the limit (413)': [{ path, headers: json, chunks: ['{"granted":true,"x":"', 'a'.repeat(5000), 'a'.repeat(5000), '"}'] }, true],
    'no token (401)': [{ path, auth: 'none', headers: json, chunks: [valid] }, true],
    'an expired token (401)': [{ path, auth: 'expired', headers: json, chunks: [valid] }, true],
    'a service token (403)': [{ path, auth: 'service', headers: json, chunks: [valid] }, true],
    'the admin token (403)': [{ path, auth: 'admin', headers: json, chunks: [valid] }, true],
    'Sec-GPC': [{ path: '/api/v1/me/preferences/vendor-c.support', auth: 'bob', headers: { ...json, 'sec-gpc': '1' }, chunks: ['{"granted":false}'] }, true],
    'an Idempotency-Key': [{ path, auth: 'bob', headers: { ...json, 'idempotency-key': 'same-key' }, chunks: [valid] }, true],
    'the same Idempotency-Key again (replayed)': [{ path, auth: 'bob', headers: { ...json, 'idempotency-key': 'same-key' }, chunks: [valid] }, true],
    'the same Idempotency-Key with another body': [{ path, auth: 'bob', headers: { ...json, 'idempotency-key': 'same-key' }, chunks: ['{"granted":false}'] }, true],
    'a query string': [{ path: `${path}?x=1`, headers: json, chunks: [valid] }, true],
    'a caller’s request id': [{ path, headers: { ...json, 'x-request-id': 'caller-given.id:1' }, chunks: [valid] }, true],
    'Connection: close': [{ path, headers: { ...json, connection: 'close' }, chunks: [valid] }, true],
    'Accept-Encoding, a small answer': [{ path, headers: { ...json, 'accept-encoding': 'gzip, deflate, br' }, chunks: [valid] }, true],
    'a 422 over 1 KB, no Accept-Encoding': [{ path, headers: json, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, gzip': [{ path, headers: { ...json, 'accept-encoding': 'gzip' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, br preferred': [{ path, headers: { ...json, 'accept-encoding': 'gzip, deflate, br' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, deflate': [{ path, headers: { ...json, 'accept-encoding': 'deflate' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, identity': [{ path, headers: { ...json, 'accept-encoding': 'identity' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, *': [{ path, headers: { ...json, 'accept-encoding': '*' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, an unknown encoding': [{ path, headers: { ...json, 'accept-encoding': 'zstd;q=1, foo' }, chunks: [manyKeys(40)] }, true],
    'a 422 over 1 KB, x-no-compression': [{ path, headers: { ...json, 'accept-encoding': 'gzip', 'x-no-compression': '1' }, chunks: [manyKeys(40)] }, true],
    'a 422 over the synchronous size, gzip (streamed)': [{ path, headers: { ...json, 'accept-encoding': 'gzip' }, chunks: [manyKeys(450)] }, true],
    'a 422 over the synchronous size, br (streamed)': [{ path, headers: { ...json, 'accept-encoding': 'br' }, chunks: [manyKeys(450)] }, true],
    'an allowed Origin (CORS)': [{ path, headers: { ...json, origin: 'https://shop.example' }, chunks: [valid] }, false],
    'another Origin': [{ path, headers: { ...json, origin: 'https://evil.example' }, chunks: [valid] }, false],
    'a gzipped body': [{ path, headers: { ...json, 'content-encoding': 'gzip' }, chunks: [gzipSync(valid)] }, false],
    'text/plain': [{ path, headers: { 'content-type': 'text/plain' }, chunks: [valid] }, false],
    'no Content-Type': [{ path, chunks: [valid] }, false],
    'an empty body': [{ path, headers: { ...json, 'content-length': '0' } }, false],
    'the trailing slash': [{ path: `${path}/`, headers: json, chunks: [valid] }, false],
    'a percent-encoded key': [{ path: '/api/v1/me/preferences/vendor%2Db.product-analytics', headers: json, chunks: [valid] }, false],
    'an upper-case key': [{ path: '/api/v1/me/preferences/Vendor-B.product-analytics', headers: json, chunks: [valid] }, false],
    'a doubled slash': [{ path: '/api/v1/me//preferences/vendor-b.product-analytics', headers: json, chunks: [valid] }, false],
    'a key over maxParamLength': [{ path: `/api/v1/me/preferences/${'a'.repeat(1100)}`, headers: json, chunks: [valid] }, false],
    'a deeper path': [{ path: `${path}/more`, headers: json, chunks: [valid] }, false],
    'POST': [{ method: 'POST', path, headers: json, chunks: [valid] }, false],
    'the many-flows write': [{ path: many, headers: json, chunks: [JSON.stringify({ changes: [{ flowKey: 'vendor-d.marketing', granted: true }, { flowKey: 'vendor-c.support', granted: false }] })] }, true],
    'the many-flows write, an unknown flow (404)': [{ path: many, headers: json, chunks: [JSON.stringify({ changes: [{ flowKey: 'vendor-z.nothing', granted: true }] })] }, true],
    'the many-flows write, a required flow (409)': [{ path: many, headers: json, chunks: [JSON.stringify({ changes: [{ flowKey: 'vendor-a.email-delivery', granted: false }] })] }, true],
    'the many-flows write, no changes (422)': [{ path: many, headers: json, chunks: ['{"changes":[]}'] }, true],
    'the many-flows write, broken changes (422 naming each)': [{ path: many, headers: json, chunks: ['{"changes":[{"flowKey":"A..b","granted":"x"},{"flowVersion":-1},7],"more":1}'] }, true],
    'the many-flows write, too many changes': [{ path: many, headers: { ...json, 'accept-encoding': 'gzip' }, chunks: [JSON.stringify({ changes: Array.from({ length: 120 }, () => ({ flowKey: 'vendor-d.marketing', granted: true })) })] }, true],
    'the many-flows write, a service token (403)': [{ path: many, auth: 'service', headers: json, chunks: ['{"changes":[]}'] }, true],
    'the many-flows write, Sec-GPC and an Idempotency-Key': [{ path: many, auth: 'bob', headers: { ...json, 'sec-gpc': '1', 'idempotency-key': 'many-1' }, chunks: [JSON.stringify({ changes: [{ flowKey: 'vendor-d.marketing', granted: false }] })] }, true],
    'the many-flows write, replayed': [{ path: many, auth: 'bob', headers: { ...json, 'sec-gpc': '1', 'idempotency-key': 'many-1' }, chunks: [JSON.stringify({ changes: [{ flowKey: 'vendor-d.marketing', granted: false }] })] }, true],
    'the many-flows write, the trailing slash': [{ path: `${many}/`, headers: json, chunks: ['{"changes":[{"flowKey":"vendor-d.marketing","granted":true}]}'] }, false],
    'the many-flows write, an allowed Origin': [{ path: many, headers: { ...json, origin: 'https://shop.example' }, chunks: ['{"changes":[{"flowKey":"vendor-d.marketing","granted":true}]}'] }, false],
  };

  it.each(Object.keys(cases))('the same answer, headers and access line for %s', async (name) => {
    const [request, taken] = cases[name];
    const answers = await both(request);
    expect(answers.front).toEqual(answers.nest);
    expect(answers.front.status).toBeLessThan(500);
    // Fastify's router refuses a parameter over its length with a 414 before any hook (no access line, in both).
    if (answers.front.status !== 414) expect(answers.front.access).toHaveProperty('access');
    expect(answers.taken).toBe(taken ? 1 : 0);
  });

  it('names the problem of a hostile body, and marks a replay', async () => {
    const types = (await raw('front', cases['wrong types (422 naming them)'][0])).body as { details: { path: string }[] };
    expect(types.details.map((d) => d.path)).toEqual(expect.arrayContaining(['granted', 'flowVersion', 'extra']));
    const key = { path: '/api/v1/me/preferences/vendor-d.marketing', auth: 'bob' as const, headers: { ...json, 'idempotency-key': 'replay-check' }, chunks: [valid] };
    const first = await raw('front', key);
    const again = await raw('front', key);
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual({ ...(first.body as object), replayed: true });
    expect((await raw('front', { path, headers: json, chunks: ['{"granted":true,"flowVersion":99}'] })).status).toBe(409);
  });

  it('compresses an answer of 1 KB or more as the client asks, at once or streamed', async () => {
    const small = await raw('front', cases['Accept-Encoding, a small answer'][0]);
    expect(small.headers['content-encoding']).toBeUndefined();
    const gzip = await raw('front', cases['a 422 over 1 KB, gzip'][0]);
    expect(gzip.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'Origin, accept-encoding' });
    expect(Number(gzip.headers['content-length'])).toBeLessThan(JSON.stringify(gzip.body).length);
    expect((await raw('front', cases['a 422 over 1 KB, br preferred'][0])).headers['content-encoding']).toBe('br');
    expect((await raw('front', cases['a 422 over 1 KB, identity'][0])).headers['content-encoding']).toBeUndefined();
    const streamed = await raw('front', cases['a 422 over the synchronous size, gzip (streamed)'][0]);
    expect(streamed.headers['content-encoding']).toBe('gzip');
    const size = JSON.stringify(streamed.body).length;
    expect(streamed.headers['transfer-encoding']).toBe(size > COMPRESSION.syncThreshold ? 'chunked' : undefined);
    expect((streamed.body as { details: unknown[] }).details.length).toBe(450);
  });

  it('records the event as the user, with Global Privacy Control when asked', async () => {
    const res = await raw('front', { path: '/api/v1/me/preferences/vendor-d.product-analytics', auth: 'ada', headers: { ...json, 'sec-gpc': '1' }, chunks: [valid] });
    expect(res.status).toBe(200);
    const events = (res.body as { events: { actor: string; source: string; choice: string }[] }).events;
    expect(events.at(-1)).toMatchObject({ actor: 'user:ada', source: 'preference-centre', choice: 'granted' });
    const me = await apps.front.http().get('/api/v1/me').set('Authorization', bearer(aUserToken('ada')));
    expect(me.body.gpc).toBeTruthy();
  });
});
