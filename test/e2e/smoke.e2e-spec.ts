import { startTestApp, type TestApp } from '../support/test-app';

describe('Flowgate app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers health without a token', async () => {
    const res = await t.http().get('/api/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', dataMapVersion: 0 });
  });

  it('rejects the admin API without a token', async () => {
    const res = await t.http().get('/api/v1/fields').expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });
});
