import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../factories/server-process.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app';

const ADA = 'ada@example.com';

describe('demo mode only when nothing says production', () => {
  it.each([
    ['FLOWGATE_ADMIN_TOKEN', { FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN }],
    ['both token variables', { FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN, FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET }],
  ])('turns demo login off (404) with %s set and FLOWGATE_DEMO unset', async (_, env) => {
    const t = await startTestApp({ FLOWGATE_DEMO: '', ...env });
    try {
      for (const userId of [ADA, 'grace@example.com', 'admin', '1']) {
        const res = await t.http().post('/api/v1/demo/login').send({ userId }).expect(404);
        expect(res.body.code).toBe('DEMO_LOGIN_DISABLED');
      }
    } finally {
      await t.close();
    }
  });

  it('keeps it with FLOWGATE_DEMO=1 set explicitly, and the boot log warns that anyone can mint user tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-demo-'));
    const server = await startServerProcess({
      DATABASE_PATH: join(dir, 'flowgate.sqlite'),
      FLOWGATE_SEED_MANIFEST: '',
      FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET,
      FLOWGATE_DEMO: '1',
    });
    try {
      const res = await fetch(`${server.base}/api/v1/demo/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: ADA }),
      });
      expect(res.status).toBe(200);
      // One JSON log line at warn level (pino's 40).
      expect(server.output()).toMatch(/"level":40,.*FLOWGATE_DEMO=1 with FLOWGATE_ADMIN_TOKEN and FLOWGATE_USER_TOKEN_SECRET set: demo login is on/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('stays the one-command demo with no configuration at all', async () => {
    const t = await startTestApp({ FLOWGATE_DEMO: '', FLOWGATE_ADMIN_TOKEN: '' });
    try {
      expect(t.config.demo).toBe(true);
      await t.http().post('/api/v1/demo/login').send({ userId: ADA }).expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('rate limits on guessing', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('answers the 21st wrong admin token in a minute from one address 429 with Retry-After, and then the right one too', async () => {
    t = await startTestApp();
    for (let i = 0; i < 20; i++) {
      await t.http().get('/api/v1/fields').set('Authorization', `Bearer ${randomUUID()}`).expect(401);
    }
    const limited = await t.http().get('/api/v1/fields').set('Authorization', `Bearer ${randomUUID()}`).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Blocked means blocked: a guess that happens to be right must not be told apart.
    await t.http().get('/api/v1/fields').set('Authorization', t.admin).expect(429);
  });

  it('does not count successful authentications or expired user tokens', async () => {
    t = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, AUTH_FAILURE_LIMIT: '3' });
    for (let i = 0; i < 10; i++) await t.http().get('/api/v1/fields').set('Authorization', t.admin).expect(200);
    for (let i = 0; i < 10; i++) {
      await t.http().get('/api/v1/me').set('Authorization', bearer(aUserToken(ADA, { ttlSeconds: -60 }))).expect(401);
    }
    await t.http().get('/api/v1/me').set('Authorization', bearer(aUserToken(ADA))).expect(200);
  });

  it('limits guesses at one service token prefix, whatever the address', async () => {
    t = await startTestApp({ AUTH_FAILURE_LIMIT: '3' });
    const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'sdk' }).expect(201);
    const token = created.body.token as string;
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Every 127.x address is loopback: each guess comes from another client address.
    const from = (localAddress: string, auth: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/policy', localAddress, headers: { authorization: auth } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    const guesses: number[] = [];
    for (let i = 0; i < 4; i++) guesses.push(await from(`127.0.0.${10 + i}`, `Bearer ${token.slice(0, 12)}guess-${i}-${randomUUID()}`));
    expect(guesses).toEqual([401, 401, 401, 429]);
    // Another prefix from a fresh address is only told 401. The prefix itself stays blocked
    // for the window, for the real token too: a guess that is right must not be told apart.
    expect(await from('127.0.0.20', `Bearer ${randomUUID()}`)).toBe(401);
    expect(await from('127.0.0.21', `Bearer ${token}`)).toBe(429);
  });

  it('limits demo logins per address with 429 and Retry-After', async () => {
    t = await startTestApp({ DEMO_LOGIN_LIMIT: '5' });
    for (let i = 0; i < 5; i++) await t.http().post('/api/v1/demo/login').send({ userId: `user-${i}` }).expect(200);
    const limited = await t.http().post('/api/v1/demo/login').send({ userId: 'user-5' }).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('can be turned off', async () => {
    t = await startTestApp({ RATE_LIMITS: '0', AUTH_FAILURE_LIMIT: '1', DEMO_LOGIN_LIMIT: '1' });
    for (let i = 0; i < 5; i++) {
      await t.http().get('/api/v1/fields').set('Authorization', `Bearer wrong-admin-token-${i}-xxxxxxxx`).expect(401);
      await t.http().post('/api/v1/demo/login').send({ userId: ADA }).expect(200);
    }
  });
});
