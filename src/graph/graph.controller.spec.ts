import { startTestApp, type TestApp } from '../../test/support/test-app';
import { GraphController } from './graph.controller';
import type { GraphResponse } from './graph.types';

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
    const flows = await t.http().get('/api/v1/flows?limit=1000').set('Authorization', t.admin).expect(200);
    const fields = await t.http().get('/api/v1/fields?limit=1000').set('Authorization', t.admin).expect(200);
    const sent = (flows.body.items as { fields: string[] }[]).reduce((n, f) => n + f.fields.length, 0);
    expect(body.edges).toHaveLength(sent);
    expect(body.nodes.filter((n) => n.kind === 'field')).toHaveLength(fields.body.total);
    expect(Object.keys(body.flows)).toHaveLength(flows.body.total);
    expect(body.mapVersion).toBe(1);
    expect(body.organization).toBe('Caplena');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('filters by query parameters', async () => {
    const res = await graph('?field=user.contact.email&region=third-country&excluded=true').expect(200);
    const body = res.body as GraphResponse;
    expect(body.query).toEqual({ field: 'user.contact.email', region: 'third-country', excluded: true, purposes: false });
    expect(body.edges.filter((e) => e.kind === 'sent').map((e) => e.flow).sort()).toEqual(['close.crm', 'intercom.support']);
    expect(body.edges.filter((e) => e.kind === 'excluded').map((e) => e.flow).sort()).toEqual([
      'google-analytics.product-analytics',
      'linkedin.ad-measurement',
      'logrocket.session-replay',
    ]);
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
    ['?field=user.contact.emial', 'field', 'no field "user.contact.emial" in the data map'],
    ['?subprocessor=vendor-a', 'subprocessor', 'no subprocessor "vendor-a" in the data map'],
    ['?purpose=astrology', 'purpose', 'no purpose "astrology" in the data map'],
    [`?q=${'x'.repeat(201)}`, 'q', 'must be shorter than or equal to 200 characters'],
    ['?colour=red', 'colour', 'is not a known property'],
  ])('rejects %s naming the parameter and the problem', async (query, path, message) => {
    const res = await graph(query).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringContaining(message) })]));
  });
});
