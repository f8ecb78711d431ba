import { startTestApp, type TestApp } from '../../test/support/test-app';
import { sentFields } from '../data-map/manifest/manifest.types';
import { GraphController } from './graph.controller';
import type { GraphResponse } from '@flowgate/core';

/** The HTTP contract of GET /api/v1/graph, on the whole app with the Caplena map. */
describe(GraphController.name, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml' });
  });
  afterAll(() => t.close());

  const graph = (query = '') => t.http().get(`/api/v1/graph${query}`).set('Authorization', t.admin);

  it('returns the whole map as nodes and edges for the admin', async () => {
    const res = await graph().expect(200);
    const body = res.body as GraphResponse;
    const flows = await t
      .http()
      .get('/api/v1/flows?limit=1000')
      .set('Authorization', t.admin)
      .expect(200);
    const fields = await t
      .http()
      .get('/api/v1/fields?limit=1000')
      .set('Authorization', t.admin)
      .expect(200);
    const sent = (flows.body.items as { fields: string[] }[]).reduce(
      (n, f) => n + sentFields(f).length,
      0,
    );
    expect(body.edges).toHaveLength(sent);
    expect(body.nodes.filter((n) => n.kind === 'field')).toHaveLength(fields.body.total);
    expect(Object.keys(body.flows)).toHaveLength(flows.body.total);
    expect(body.mapVersion).toBe(1);
    expect(body.organization).toBe('Caplena');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('lists what the filters offer in a small catalog', async () => {
    const res = await t
      .http()
      .get('/api/v1/graph/catalog')
      .set('Authorization', t.admin)
      .expect(200);
    expect(res.body.fields).toHaveLength(25);
    expect(res.body.subprocessors).toHaveLength(13);
    expect(res.body.purposes).toHaveLength(14);
    expect(res.body.fields).toContainEqual({
      key: 'user.contact.email',
      name: 'Email address',
      sensitivity: 'personal',
    });
    expect(res.body.subprocessors).toContainEqual({
      key: 'intercom',
      name: 'Intercom',
      region: 'third-country',
      locations: ['US'],
    });
    expect(res.body.totals).toEqual({
      fields: 25,
      subprocessors: 13,
      purposes: 14,
      flows: 15,
      sentEdges: 50,
    });
    await t.http().get('/api/v1/graph/catalog').expect(401);
  });

  it('filters by query parameters', async () => {
    const res = await graph('?field=user.contact.email&region=third-country&excluded=true').expect(
      200,
    );
    const body = res.body as GraphResponse;
    expect(body.query).toEqual({
      field: 'user.contact.email',
      region: 'third-country',
      excluded: true,
      purposes: false,
    });
    expect(
      body.edges
        .filter((e) => e.kind === 'sent')
        .map((e) => e.flow)
        .sort(),
    ).toEqual(['close.crm', 'intercom.support']);
    expect(
      body.edges
        .filter((e) => e.kind === 'excluded')
        .map((e) => e.flow)
        .sort(),
    ).toEqual([
      'google-analytics.product-analytics',
      'linkedin.ad-measurement',
      'logrocket.session-replay',
    ]);
  });

  it('leaves the edges out on request, keeping the nodes', async () => {
    const full = (await graph('?region=third-country').expect(200)).body as GraphResponse;
    const bare = (await graph('?region=third-country&edges=false').expect(200))
      .body as GraphResponse;
    expect(bare.nodes).toEqual(full.nodes);
    expect(bare.edges).toEqual([]);
    expect(bare.query.edges).toBe(false);
  });

  it('refuses callers without the admin token', async () => {
    const res = await t.http().get('/api/v1/graph').expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['?mode=sometimes', 'mode', 'must be one of required, opt-out, opt-in'],
    ['?region=mars', 'region', 'must be one of eea, third-country'],
    ['?sensitivity=secret', 'sensitivity', 'must be one of personal, special, pseudonymous, none'],
    ['?field=User.Email', 'field', 'must be lower-case dotted segments'],
    ['?subprocessor=a.b', 'subprocessor', 'must be a lower-case slug'],
    ['?excluded=maybe', 'excluded', 'must be true or false'],
    ['?edges=some', 'edges', 'must be true or false'],
    ['?field=user.contact.emial', 'field', 'no field "user.contact.emial" in the data map'],
    ['?subprocessor=vendor-a', 'subprocessor', 'no subprocessor "vendor-a" in the data map'],
    ['?purpose=astrology', 'purpose', 'no purpose "astrology" in the data map'],
    [`?q=${'x'.repeat(201)}`, 'q', 'must be shorter than or equal to 200 characters'],
    ['?colour=red', 'colour', 'is not a known property'],
    ['?user=ada%20lovelace', 'user', 'must be 1 to 128 letters, digits'],
  ])('rejects %s naming the parameter and the problem', async (query, path, message) => {
    const res = await graph(query).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path, message: expect.stringContaining(message) }),
      ]),
    );
  });

  describe('per-user view', () => {
    const user = 'ada@example.com';
    const edgesOf = async (query: string) =>
      ((await graph(query).expect(200)).body as GraphResponse).edges;

    it('marks each line allowed or blocked for the user now, with the engine reason', async () => {
      const body = (await graph(`?user=${encodeURIComponent(user)}`).expect(200))
        .body as GraphResponse;
      expect(body.user).toEqual({ id: user, policyVersion: body.mapVersion, gpc: false });
      for (const e of body.edges) {
        if (e.mode === 'opt-in') expect(e.user).toEqual({ allowed: false, reason: 'not-opted-in' });
        else expect(e.user).toEqual({ allowed: true, reason: null });
      }
    });

    it('changes after the user opts out, and after they opt in', async () => {
      const set = (flowKey: string, granted: boolean) =>
        t
          .http()
          .put(`/api/v1/users/${encodeURIComponent(user)}/preferences`)
          .set('Authorization', t.admin)
          .send({ changes: [{ flowKey, granted }] })
          .expect(200);
      await set('logrocket.session-replay', false);
      await set('deepl.translation', true);
      const edges = await edgesOf(`?user=${encodeURIComponent(user)}`);
      const logrocket = edges.filter((e) => e.flow === 'logrocket.session-replay');
      expect(logrocket.length).toBeGreaterThan(0);
      expect(
        logrocket.every((e) => e.user?.allowed === false && e.user.reason === 'opted-out'),
      ).toBe(true);
      expect(
        edges.filter((e) => e.flow === 'deepl.translation').every((e) => e.user?.allowed === true),
      ).toBe(true);
      // Nobody else is affected.
      const other = await edgesOf('?user=grace@example.com&subprocessor=logrocket');
      expect(other.every((e) => e.user?.allowed === true)).toBe(true);
    });

    it('serves "my data flows" to the user themselves, and only with a user token', async () => {
      const login = await t.http().post('/api/v1/demo/login').send({ userId: user }).expect(200);
      const mine = await t
        .http()
        .get('/api/v1/me/graph')
        .set('Authorization', `Bearer ${login.body.token}`)
        .expect(200);
      expect((mine.body as GraphResponse).user?.id).toBe(user);
      expect((mine.body as GraphResponse).edges).toEqual(
        await edgesOf(`?user=${encodeURIComponent(user)}`),
      );
      const admin = await t
        .http()
        .get('/api/v1/me/graph')
        .set('Authorization', t.admin)
        .expect(403);
      expect(admin.body.code).toBe('FORBIDDEN');
      await t
        .http()
        .get(`/api/v1/graph?user=${encodeURIComponent(user)}`)
        .set('Authorization', `Bearer ${login.body.token}`)
        .expect(403);
    });
  });
});
