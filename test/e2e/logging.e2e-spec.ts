import { Writable } from 'node:stream';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from '../factories/user-token.factory';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app';

/** Collects every byte the app logs. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  access(): Array<Record<string, unknown> & { access: Record<string, unknown> }> {
    return this.lines().filter((l) => l.access !== undefined) as Array<Record<string, unknown> & { access: Record<string, unknown> }>;
  }
}

const ADA = 'ada@example.com';

/** Traffic by every kind of caller; returns the tokens used. */
async function traffic(t: TestApp): Promise<string[]> {
  const admin = t.admin;
  await t.http().post('/api/v1/manifest').set('Authorization', admin).send(aConsentManifest()).expect(201);
  const created = await t.http().post('/api/v1/service-tokens').set('Authorization', admin).send({ name: 'billing-sdk' }).expect(201);
  const service = bearer(created.body.token as string);
  const userToken = aUserToken(ADA);
  await t.http().get('/api/v1/me/preferences').set('Authorization', bearer(userToken)).expect(200);
  await t.http().put('/api/v1/me/preferences/vendor-c.support').set('Authorization', bearer(userToken)).send({ granted: false }).expect(200);
  await t.http().post('/api/v1/decisions').set('Authorization', service).send({ userId: ADA, subprocessor: 'vendor-c' }).expect(200);
  await t.http().get(`/api/v1/users/${encodeURIComponent(ADA)}/history`).set('Authorization', admin).expect(200);
  await t.http().get('/api/v1/flows').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
  await t.http().get('/api/v1/policy').set('Authorization', bearer(userToken)).expect(403);
  await t.http().get('/api/v1/no-such-route').expect(404);
  const key = await t.http().post('/api/v1/admin-keys').set('Authorization', admin).send({ name: 'grace', role: 'viewer' }).expect(201);
  await t.http().get('/api/v1/map/history').set('Authorization', bearer(key.body.key as string)).expect(200);
  return [ADMIN_TOKEN, created.body.token as string, userToken, 'wrong-token-0123456789', key.body.key as string];
}

describe('structured logs', () => {
  it('writes JSON lines, one access line per request, and never a token, path or user id', async () => {
    const log = new LogCapture();
    const t = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, LOG_LEVEL: 'log', LOG_FORMAT: 'json' }, undefined, {
      destination: log,
    });
    let tokens: string[];
    try {
      tokens = await traffic(t);
    } finally {
      await t.close();
    }
    const lines = log.lines(); // throws if any line is not JSON
    expect(lines.length).toBeGreaterThan(10);
    for (const token of tokens) expect(log.text).not.toContain(token);
    expect(log.text).not.toContain(ADA);
    expect(log.text).not.toContain(encodeURIComponent(ADA));
    expect(log.text).not.toContain('billing-sdk');
    expect(log.text).not.toContain('"grace"');

    const access = log.access();
    expect(access).toHaveLength(11);
    for (const line of access) {
      expect(line.requestId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      expect(line.access).toMatchObject({
        method: expect.stringMatching(/^(GET|POST|PUT)$/),
        status: expect.any(Number),
        durationMs: expect.any(Number),
        principal: expect.stringMatching(/^(admin|service|user|none)$/),
      });
    }
    expect(access.map((l) => [l.access.method, l.access.route, l.access.status, l.access.principal])).toEqual([
      ['POST', '/api/v1/manifest', 201, 'admin'],
      ['POST', '/api/v1/service-tokens', 201, 'admin'],
      ['GET', '/api/v1/me/preferences', 200, 'user'],
      ['PUT', '/api/v1/me/preferences/:flowKey', 200, 'user'],
      ['POST', '/api/v1/decisions', 200, 'service'],
      ['GET', '/api/v1/users/:userId/history', 200, 'admin'],
      ['GET', '/api/v1/flows', 401, 'none'],
      ['GET', '/api/v1/policy', 403, 'user'],
      ['GET', null, 404, 'none'],
      ['POST', '/api/v1/admin-keys', 201, 'admin'],
      ['GET', '/api/v1/map/history', 200, 'admin'],
    ]);
  });

  it('names users and services only with LOG_USER_IDS=1', async () => {
    const log = new LogCapture();
    const t = await startTestApp(
      { FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, LOG_LEVEL: 'log', LOG_FORMAT: 'json', LOG_USER_IDS: '1' },
      undefined,
      { destination: log },
    );
    try {
      const tokens = await traffic(t);
      for (const token of tokens) expect(log.text).not.toContain(token);
    } finally {
      await t.close();
    }
    const access = log.access();
    expect(access.find((l) => l.access.principal === 'user')?.access.userId).toBe(ADA);
    expect(access.find((l) => l.access.principal === 'service')?.access.service).toBe('billing-sdk');
    expect(access.find((l) => l.access.admin !== undefined)?.access.admin).toBe('grace');
  });

  it('takes a sane X-Request-Id, replaces an unsafe one, and answers with it', async () => {
    const log = new LogCapture();
    const t = await startTestApp({ LOG_LEVEL: 'log', LOG_FORMAT: 'json' }, undefined, { destination: log });
    try {
      const given = await t.http().get('/api/health').set('X-Request-Id', 'edge-7f3a.42').expect(200);
      expect(given.headers['x-request-id']).toBe('edge-7f3a.42');
      const forged = await t.http().get('/api/health').set('X-Request-Id', 'x" {"level":60}').expect(200);
      expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const none = await t.http().get('/api/health').expect(200);
      expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(none.headers['x-request-id']).not.toBe(forged.headers['x-request-id']);
    } finally {
      await t.close();
    }
    expect(log.access().map((l) => l.requestId)).toContain('edge-7f3a.42');
  });
});
