import { signUserToken } from '../../src/auth/user-token';
import { VerifiedTokenCache } from '../../src/auth/verified-token-cache';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'token-cache-e2e-secret-0123456789abcdef';

/** The verified-token cache seen from outside: a cached token is still refused once it is no good. */
describe('verified-token cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: SECRET, AUTH_FAILURE_LIMIT: '3' });
    // Booting the app takes seconds on a loaded 2-core box.
  }, 30_000);
  afterAll(() => t.close());

  it('refuses a service token at once after its revocation, though it was cached', async () => {
    const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'cached' }).expect(201);
    const token = (created.body as { token: string; id: number }).token;
    await t.http().get('/api/v1/policy').set('Authorization', `Bearer ${token}`).expect(200);
    await t.http().get('/api/v1/policy').set('Authorization', `Bearer ${token}`).expect(200);
    expect(t.app.get(VerifiedTokenCache).size).toBeGreaterThan(0);
    await t.http().delete(`/api/v1/service-tokens/${(created.body as { id: number }).id}`).set('Authorization', t.admin).expect(204);
    const res = await t.http().get('/api/v1/policy').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Unknown or revoked service token' });
  });

  it('refuses a cached user token once it has expired', async () => {
    const token = signUserToken(SECRET, { sub: 'ada@example.com', exp: Math.floor(Date.now() / 1000) + 2 });
    await t.http().get('/api/v1/me/preferences').set('Authorization', `Bearer ${token}`).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const res = await t.http().get('/api/v1/me/preferences').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body).toMatchObject({ message: 'User token expired: sign in again' });
  });

  it('answers a cached, valid token 429 from an address that is blocked for failed attempts', async () => {
    const user = `Bearer ${signUserToken(SECRET, { sub: 'grace@example.com', exp: Math.floor(Date.now() / 1000) + 600 })}`;
    await t.http().get('/api/v1/me/preferences').set('Authorization', user).expect(200);
    for (let i = 0; i < 4; i++) await t.http().get('/api/v1/policy').set('Authorization', `Bearer wrong-guess-${i}`);
    const res = await t.http().get('/api/v1/me/preferences').set('Authorization', user).expect(429);
    expect(res.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
  });
});
