import { startTestApp, type TestApp } from '../support/test-app';

const HOST = 'http://127.0.0.1:4100';
const OTHER = 'http://127.0.0.1:4200';

async function userToken(t: TestApp, userId = 'ada@example.com'): Promise<string> {
  const res = await t.http().post('/api/v1/demo/login').send({ userId }).expect(200);
  return (res.body as { token: string }).token;
}

/** FLOWGATE_ALLOWED_ORIGINS: CORS for the preference-centre API and the embed only, framing of /settings only. */
describe('Cross-origin embedding (FLOWGATE_ALLOWED_ORIGINS)', () => {
  describe('unset (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('sends no CORS header and answers no preflight, as before', async () => {
      const token = await userToken(t);
      const res = await t.http().get('/api/v1/me').set('Origin', HOST).set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t
        .http()
        .options('/api/v1/me/preferences')
        .set('Origin', HOST)
        .set('Access-Control-Request-Method', 'PUT');
      expect(preflight.status).not.toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('refuses to be framed anywhere, /settings included', async () => {
      const res = await t.http().get('/settings');
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    });
  });

  describe('set to one origin', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ FLOWGATE_ALLOWED_ORIGINS: HOST });
    });
    afterAll(() => t.close());

    it('answers a preflight from the listed origin with 204 and what the embed sends', async () => {
      const res = await t
        .http()
        .options('/api/v1/me/preferences/logrocket.session-replay')
        .set('Origin', HOST)
        .set('Access-Control-Request-Method', 'PUT')
        .set('Access-Control-Request-Headers', 'authorization, content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(HOST);
      expect(res.headers['access-control-allow-methods']).toContain('PUT');
      expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
    });

    it('lets the listed origin read /api/v1/me/*, and gives another origin no CORS header', async () => {
      const token = await userToken(t);
      const ok = await t.http().get('/api/v1/me/preferences').set('Origin', HOST).set('Authorization', `Bearer ${token}`).expect(200);
      expect(ok.headers['access-control-allow-origin']).toBe(HOST);
      expect(ok.headers['cross-origin-resource-policy']).toBe('cross-origin');
      const other = await t.http().get('/api/v1/me/preferences').set('Origin', OTHER).set('Authorization', `Bearer ${token}`).expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers['cross-origin-resource-policy']).toBe('same-origin');
      const preflight = await t.http().options('/api/v1/me').set('Origin', OTHER).set('Access-Control-Request-Method', 'GET').expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('keeps every other route same-origin: admin API, decisions, graph', async () => {
      for (const path of ['/api/v1/graph', '/api/v1/decisions', '/api/v1/manifest', '/api/v1/metoo', '/api/health']) {
        const res = await t.http().get(path).set('Origin', HOST);
        expect([path, res.headers['access-control-allow-origin']]).toEqual([path, undefined]);
        const preflight = await t.http().options(path).set('Origin', HOST).set('Access-Control-Request-Method', 'POST');
        expect([path, preflight.headers['access-control-allow-origin']]).toEqual([path, undefined]);
      }
    });

    it('puts the origin into frame-ancestors of /settings only, without X-Frame-Options there', async () => {
      const settings = await t.http().get('/settings');
      const csp = String(settings.headers['content-security-policy']);
      expect(csp).toContain(`frame-ancestors 'self' ${HOST}`);
      expect(settings.headers['x-frame-options']).toBeUndefined();
      for (const path of ['/', '/graph', '/api/health']) {
        const res = await t.http().get(path);
        expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      }
    });

    it('refuses a bad list at boot, naming the variable', async () => {
      await expect(startTestApp({ FLOWGATE_ALLOWED_ORIGINS: '*' })).rejects.toThrow(/FLOWGATE_ALLOWED_ORIGINS/);
    });
  });
});
