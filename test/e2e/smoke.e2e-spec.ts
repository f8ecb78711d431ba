import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Flowgate app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers health without a token', async () => {
    const res = await t.http().get('/api/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      dataMapVersion: 0,
      database: 'sqlite',
      changeLog: { live: true, lastId: expect.any(Number), listening: null },
      replicas: [],
    });
  });

  it('is ready once migrated and following the change log', async () => {
    const res = await t.http().get('/api/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ready', database: 'sqlite', migrated: true, changeLog: { caughtUp: true, live: true } });
  });

  it('sends security headers with a strict Content-Security-Policy, relaxed only for the OpenAPI page', async () => {
    const api = await t.http().get('/api/health').expect(200);
    const csp = String(api.headers['content-security-policy']).split(';').map((d) => d.trim());
    expect(csp).toEqual(expect.arrayContaining(["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]));
    expect(csp.some((d) => d.startsWith('upgrade-insecure-requests'))).toBe(false);
    expect(csp.find((d) => d.startsWith('script-src'))).not.toContain('unsafe');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(api.headers['x-powered-by']).toBeUndefined();

    const docs = await t.http().get('/api/docs/').redirects(1).expect(200);
    expect(docs.text).toContain('swagger');
    expect(docs.headers['content-security-policy']).toBeUndefined();
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends API answers only the headers that guard a response a browser reads, and pages the whole set', async () => {
    const PAGE_ONLY = ['cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
    for (const answer of [await t.http().get('/api/health').expect(200), await t.http().get('/api/v1/fields').expect(401)]) {
      expect(answer.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(String(answer.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      for (const name of PAGE_ONLY) expect([name, answer.headers[name]]).toEqual([name, undefined]);
    }
    for (const page of [await t.http().get('/graph'), await t.http().get('/subprocessors')]) {
      for (const name of PAGE_ONLY) expect([name, typeof page.headers[name]]).toEqual([name, 'string']);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('rejects the admin API without a token, or with a wrong one', async () => {
    const none = await t.http().get('/api/v1/fields').expect(401);
    expect(none.body.code).toBe('UNAUTHENTICATED');
    await t.http().get('/api/v1/fields').set('Authorization', 'Bearer not-the-token').expect(401);
    await t.http().get('/api/v1/fields').set('Authorization', t.admin).expect(200);
  });

  it('runs on the durable SQLite pragmas', async () => {
    const ds = t.app.get(DataSource);
    const one = async (pragma: string) => Object.values((await ds.query(`PRAGMA ${pragma}`))[0])[0];
    expect(await one('journal_mode')).toBe('wal');
    expect(await one('synchronous')).toBe(2);
    expect(await one('foreign_keys')).toBe(1);
    expect(await one('busy_timeout')).toBe(5000);
  });

  it('serializes concurrent writes: 40 creates at once all land, each bumping the map version once', async () => {
    const creates = Array.from({ length: 40 }, (_, i) =>
      t.http().post('/api/v1/purposes').set('Authorization', t.admin).send({ key: `purpose-${i}`, name: `Purpose ${i}` }),
    );
    const results = await Promise.all(creates);
    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
    const list = await t.http().get('/api/v1/purposes?limit=100').set('Authorization', t.admin).expect(200);
    expect(list.body.total).toBe(40);
    expect((await t.http().get('/api/health')).body.dataMapVersion).toBe(40);
    // 40 real map writes, one transaction each, with their change-log entries and policy
    // recompiles: under a second alone, but it once passed Jest's default 5 s on a loaded
    // 2-core machine; a hang still fails it.
  }, 30_000);

  it('serves the OpenAPI document', async () => {
    const res = await t.http().get('/api/docs-json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/flows', '/api/v1/manifest']));
  });
});
