import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { AuthGuard } from '../../src/auth/auth.guard';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { aTamperedUserToken, aUserToken, bearer } from '../factories/user-token.factory';
import { startTestApp } from '../support/test-app';

type Kind = 'admin' | 'service' | 'user';
type Method = 'get' | 'post' | 'put' | 'delete';

interface Route {
  method: Method;
  path: string;
  body?: object;
  allowed: Kind[];
  /** Streams (SSE): only the refusals are checked here; the stream has its own tests. */
  streams?: boolean;
}

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';

/** Every route this module adds, with who may call it. */
const ROUTES: Route[] = [
  { method: 'post', path: '/api/v1/service-tokens', body: { name: 'x' }, allowed: ['admin'] },
  { method: 'get', path: '/api/v1/service-tokens', allowed: ['admin'] },
  { method: 'delete', path: '/api/v1/service-tokens/999', allowed: ['admin'] },
  { method: 'get', path: '/api/v1/me', allowed: ['user'] },
  { method: 'get', path: '/api/v1/me/preferences', allowed: ['user'] },
  { method: 'put', path: '/api/v1/me/preferences/vendor-b.product-analytics', body: { granted: true }, allowed: ['user'] },
  { method: 'put', path: '/api/v1/me/preferences', body: { changes: [{ flowKey: 'vendor-c.support', granted: false }] }, allowed: ['user'] },
  { method: 'get', path: '/api/v1/me/history', allowed: ['user'] },
  { method: 'get', path: '/api/v1/me/receipt', allowed: ['user'] },
  { method: 'get', path: `/api/v1/users/${ADA}/consents`, allowed: ['admin', 'service', 'user'] },
  { method: 'get', path: `/api/v1/users/${ADA}/preferences`, allowed: ['admin'] },
  { method: 'put', path: `/api/v1/users/${ADA}/preferences`, body: { changes: [{ flowKey: 'vendor-d.marketing', granted: true }] }, allowed: ['admin', 'service'] },
  { method: 'get', path: `/api/v1/users/${ADA}/history`, allowed: ['admin'] },
  { method: 'get', path: `/api/v1/users/${ADA}/verify`, allowed: ['admin'] },
  { method: 'post', path: '/api/v1/decisions', body: { userId: ADA, subprocessor: 'vendor-a' }, allowed: ['admin', 'service'] },
  { method: 'post', path: '/api/v1/decisions/batch', body: { requests: [{ userId: ADA, subprocessor: 'vendor-a' }] }, allowed: ['admin', 'service'] },
  { method: 'get', path: '/api/v1/policy', allowed: ['admin', 'service'] },
  { method: 'get', path: '/api/v1/changes', allowed: ['admin', 'service'], streams: true },
];

describe(AuthGuard.name, () => {
  let t: ConsentTestApp;
  let revokedService: string;
  beforeAll(async () => {
    // Hundreds of wrong tokens from one address: the limit on guessing has its own tests (abuse.e2e-spec.ts).
    t = await startConsentApp(undefined, { RATE_LIMITS: '0' });
    const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'old' }).expect(201);
    await t.http().delete(`/api/v1/service-tokens/${created.body.id}`).set('Authorization', t.admin).expect(204);
    revokedService = bearer(created.body.token);
  });
  afterAll(() => t.close());

  const call = (route: Route, authorization?: string) => {
    const req = t.http()[route.method](route.path);
    if (authorization !== undefined) req.set('Authorization', authorization);
    return route.body ? req.send(route.body) : req;
  };
  const headerOf = (kind: Kind) => (kind === 'admin' ? t.admin : kind === 'service' ? t.service : t.user(ADA));

  describe.each(ROUTES.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', (_, route) => {
    it('answers 401 without a token', async () => {
      const res = await call(route).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it.each([
      ['an expired user token', () => bearer(aUserToken(ADA, { ttlSeconds: -1 }))],
      ['a tampered user token', () => bearer(aTamperedUserToken(GRACE, ADA))],
      ['a user token signed with another secret', () => bearer(aUserToken(ADA, { secret: 'another-secret-0123456789abcdef0123' }))],
      ['a revoked service token', () => revokedService],
      ['an unknown token', () => 'Bearer not-a-token'],
    ])('answers 401 for %s', async (_, header) => {
      const res = await call(route, header()).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    const refused = (['admin', 'service', 'user'] as Kind[]).filter((k) => !route.allowed.includes(k));
    if (refused.length > 0) {
      it.each(refused)('answers 403 for a %s token', async (kind) => {
        const res = await call(route, headerOf(kind)).expect(403);
        expect(res.body.code).toBe('FORBIDDEN');
      });
    }

    if (!route.streams) {
      it.each(route.allowed)('lets a %s token through', async (kind) => {
        const res = await call(route, headerOf(kind));
        expect(res.status).toBeLessThan(500);
        expect([401, 403]).not.toContain(res.status);
      });
    }
  });

  describe('routes about one user', () => {
    beforeAll(async () => {
      await t.http().put('/api/v1/me/preferences/vendor-d.marketing').set('Authorization', t.user(GRACE)).send({ granted: true }).expect(200);
    });

    it("refuses a user token another user's consents, saying the same whether that user exists or not", async () => {
      const existing = await t.http().get(`/api/v1/users/${GRACE}/consents`).set('Authorization', t.user(ADA)).expect(403);
      const unknown = await t.http().get('/api/v1/users/nobody@example.com/consents').set('Authorization', t.user(ADA)).expect(403);
      expect(existing.body).toEqual(unknown.body);
      expect(JSON.stringify(existing.body)).not.toContain('marketing');
    });

    it('gives a user token its own consents', async () => {
      const res = await t.http().get(`/api/v1/users/${GRACE}/consents`).set('Authorization', t.user(GRACE)).expect(200);
      expect(res.body.choices).toEqual({ 'vendor-d.marketing': { granted: true, version: 1 } });
    });

    it.each(['preferences', 'history', 'verify'])("refuses a user token the admin's /users/:userId/%s, for itself and for others alike", async (what) => {
      const own = await t.http().get(`/api/v1/users/${GRACE}/${what}`).set('Authorization', t.user(GRACE)).expect(403);
      const other = await t.http().get(`/api/v1/users/${GRACE}/${what}`).set('Authorization', t.user(ADA)).expect(403);
      expect(own.body).toEqual(other.body);
    });

    it('a user token cannot record for another user through the admin route', async () => {
      await t.http().put(`/api/v1/users/${GRACE}/preferences`).set('Authorization', t.user(GRACE)).send({ changes: [{ flowKey: 'vendor-d.marketing', granted: false }] }).expect(403);
    });
  });

  describe('service tokens', () => {
    it('shows a token once, stores only its hash, and refuses it after revocation', async () => {
      const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'billing-service' }).expect(201);
      expect(created.body.token).toMatch(/^fg_svc_[A-Za-z0-9_-]{43}$/);
      expect(created.body.prefix).toBe(created.body.token.slice(0, 12));
      const list = await t.http().get('/api/v1/service-tokens').set('Authorization', t.admin).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);
      expect(list.body.items).toContainEqual(expect.objectContaining({ id: created.body.id, name: 'billing-service', revokedAt: null }));
      const rows: object[] = await t.query('SELECT * FROM service_token WHERE id = ?', [created.body.id]);
      expect(rows[0]).toMatchObject({ tokenHash: createHash('sha256').update(created.body.token).digest('hex') });
      expect(JSON.stringify(rows)).not.toContain(created.body.token);

      const token = bearer(created.body.token);
      await t.http().get('/api/v1/policy').set('Authorization', token).expect(200);
      await t.http().delete(`/api/v1/service-tokens/${created.body.id}`).set('Authorization', t.admin).expect(204);
      await t.http().delete(`/api/v1/service-tokens/${created.body.id}`).set('Authorization', t.admin).expect(204);
      const refused = await t.http().get('/api/v1/policy').set('Authorization', token).expect(401);
      expect(refused.body.message).toMatch(/revoked/);
      const after = await t.http().get('/api/v1/service-tokens').set('Authorization', t.admin).expect(200);
      expect(after.body.items.find((i: { id: number }) => i.id === created.body.id).revokedAt).toEqual(expect.any(String));
    });

    it('answers 404 for revoking an unknown token', async () => {
      const res = await t.http().delete('/api/v1/service-tokens/4242').set('Authorization', t.admin).expect(404);
      expect(res.body.code).toBe('SERVICE_TOKEN_NOT_FOUND');
    });

    it.each([
      ['an empty name', { name: '' }, 'name'],
      ['no name', {}, 'name'],
      ['a name of two lines', { name: 'a\nb' }, 'name'],
      ['an unknown property', { name: 'x', scope: 'all' }, 'scope'],
    ])('refuses %s with 400 naming the field', async (_, body, field) => {
      const res = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send(body).expect(400);
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain(field);
    });

    it('refuses a token id that is not a positive integer with 400 naming it', async () => {
      const res = await t.http().delete('/api/v1/service-tokens/abc').set('Authorization', t.admin).expect(400);
      expect(res.body.details[0]).toEqual({ path: 'id', message: 'must be a positive integer' });
    });
  });
});

describe('demo login', () => {
  it('issues a user token in demo mode, with a secret generated and kept in the data folder', async () => {
    const t = await startTestApp({ FLOWGATE_DEMO: '1' });
    try {
      const login = await t.http().post('/api/v1/demo/login').send({ userId: ADA }).expect(200);
      expect(login.body).toEqual({ userId: ADA, token: expect.any(String), expiresAt: expect.any(String) });
      const me = await t.http().get('/api/v1/me').set('Authorization', bearer(login.body.token)).expect(200);
      expect(me.body.userId).toBe(ADA);
      const secretFile = join(t.dir, 'user-token-secret');
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      await t.close({ keepFiles: true });
      const again = await startTestApp({ FLOWGATE_DEMO: '1' }, t.dir);
      try {
        await again.http().get('/api/v1/me').set('Authorization', bearer(login.body.token)).expect(200);
      } finally {
        await again.close();
      }
    } catch (error) {
      await t.close();
      throw error;
    }
  });

  it('refuses a user id that is not one, naming the field', async () => {
    const t = await startTestApp({ FLOWGATE_DEMO: '1' });
    try {
      const res = await t.http().post('/api/v1/demo/login').send({ userId: 'ada smith' }).expect(400);
      expect(res.body.details).toEqual([{ path: 'userId', message: 'must be 1 to 128 letters, digits or . _ : @ + -' }]);
    } finally {
      await t.close();
    }
  });

  it('answers 404 outside demo mode, and user tokens are refused without a secret', async () => {
    const t = await startTestApp({ FLOWGATE_DEMO: '0' });
    try {
      const res = await t.http().post('/api/v1/demo/login').send({ userId: ADA }).expect(404);
      expect(res.body.code).toBe('DEMO_LOGIN_DISABLED');
      const me = await t.http().get('/api/v1/me').set('Authorization', bearer(aUserToken(ADA))).expect(401);
      expect(me.body.message).toMatch(/FLOWGATE_USER_TOKEN_SECRET/);
    } finally {
      await t.close();
    }
  });
});
