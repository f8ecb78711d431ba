import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../support/test-app';

/** Translated descriptions travel from a manifest file to the preference centre and back out. */
describe('Translated descriptions (manifest → preferences → export)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml' });
  });
  afterAll(() => t.close());

  const yaml = `
version: 1
fields: []
purposes:
  - key: session-replay
    name: Session replay
    description:
      en: Replaying sessions.
      de: Sitzungen nachspielen.
subprocessors: []
flows:
  - subprocessor: logrocket
    purpose: session-replay
    mode: opt-out
    legalBasis: legitimate-interests
    fields: [usage.page-views]
    description: { en: Page views only., fr: Pages vues seulement. }
`;

  it('imports them, lists them for the user, and exports them inline again', async () => {
    await t.http().post('/api/v1/manifest').set('Authorization', t.admin).set('Content-Type', 'application/yaml').send(yaml).expect(201);
    const login = await t.http().post('/api/v1/demo/login').send({ userId: 'ada@example.com' }).expect(200);
    const prefs = await t
      .http()
      .get('/api/v1/me/preferences')
      .set('Authorization', `Bearer ${(login.body as { token: string }).token}`)
      .expect(200);
    const body = prefs.body as { purposes: { key: string; description: string; descriptions: Record<string, string>; flows: { key: string; description: string; descriptions: Record<string, string> }[] }[] };
    const purpose = body.purposes.find((p) => p.key === 'session-replay')!;
    expect(purpose).toMatchObject({ description: 'Replaying sessions.', descriptions: { de: 'Sitzungen nachspielen.' } });
    expect(purpose.flows[0]).toMatchObject({ description: 'Page views only.', descriptions: { fr: 'Pages vues seulement.' } });
    // Flows without translations say so with an empty object.
    expect(body.purposes.find((p) => p.key === 'hosting')?.descriptions).toEqual({});

    const exported = parse((await t.http().get('/api/v1/manifest?format=yaml').set('Authorization', t.admin).expect(200)).text) as {
      purposes: { key: string; description: unknown }[];
      flows: { subprocessor: string; purpose: string; description: unknown }[];
    };
    expect(exported.purposes.find((p) => p.key === 'session-replay')?.description).toEqual({ en: 'Replaying sessions.', de: 'Sitzungen nachspielen.' });
    expect(exported.flows.find((f) => f.subprocessor === 'logrocket')?.description).toEqual({ en: 'Page views only.', fr: 'Pages vues seulement.' });
  });

  it('refuses a bad translation with a 400 naming the place', async () => {
    const res = await t
      .http()
      .post('/api/v1/manifest')
      .set('Authorization', t.admin)
      .set('Content-Type', 'application/yaml')
      .send(yaml.replace('de: Sitzungen nachspielen.', 'Deutsch: Sitzungen nachspielen.'))
      .expect(400);
    expect((res.body as { details: unknown[] }).details).toContainEqual({
      path: 'purposes[0].description',
      message: '"Deutsch" is not a language tag (e.g. de, fr, pt-BR)',
    });
  });
});
