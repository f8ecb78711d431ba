import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';

/**
 * `POST /api/v1/decisions` is served without Nest's per-request pipeline
 * (src/decisions/decision-route.ts). The same requests, hostile ones included, must get the
 * same answers from it as from the route run through Nest like every other route: status,
 * body, and the headers every answer carries.
 */
describe('the decision route without Nest’s pipeline answers as Nest would', () => {
  const apps: Record<'direct' | 'nest', TestApp & { service: string }> = {} as never;
  const env = { FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, AUTH_FAILURE_LIMIT: '100000' };

  beforeAll(async () => {
    for (const kind of ['direct', 'nest'] as const) {
      const t = await startTestApp(env, undefined, { directDecisionRoute: kind === 'direct' });
      await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aConsentManifest()).expect(201);
      const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'sdk' }).expect(201);
      // The same choices in both: ada opted in to analytics and out of support.
      await t
        .http()
        .put('/api/v1/users/ada/preferences')
        .set('Authorization', t.admin)
        .send({ changes: [{ flowKey: 'vendor-b.product-analytics', granted: true }, { flowKey: 'vendor-c.support', granted: false }] })
        .expect(200);
      apps[kind] = Object.assign(t, { service: bearer(created.body.token as string) });
    }
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
  async function answer(kind: 'direct' | 'nest', auth: Auth, contentType: string | null, body: string) {
    const t = apps[kind];
    let req = t.http().post('/api/v1/decisions');
    const authorization = authOf(t, auth);
    if (authorization !== undefined) req = req.set('Authorization', authorization);
    if (contentType !== null) req = req.set('Content-Type', contentType);
    const res = await req.send(body);
    const h = res.headers;
    return {
      status: res.status,
      body: res.text,
      contentType: h['content-type'],
      retryAfter: h['retry-after'],
      requestId: typeof h['x-request-id'] === 'string' && h['x-request-id'].length > 0,
      security: [h['content-security-policy'], h['x-content-type-options'], h['x-frame-options'], h['referrer-policy'], h['cross-origin-resource-policy']],
    };
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
