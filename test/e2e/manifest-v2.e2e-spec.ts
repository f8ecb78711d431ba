import { parse } from 'yaml';
import type { Manifest } from '../../src/data-map/manifest/manifest.types';
import { aConsentManifest, startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { aField, aFlow, aPurpose, aSubprocessor } from '../factories/manifest.factory';

/**
 * Manifest format 2 end to end: what the company has not stated stays "not stated"
 * through import, export, the completeness report and the preference centre, and a
 * feature-activated flow is granted by the host on activation.
 */
function aV2Manifest(): Manifest {
  const base = aConsentManifest();
  return {
    ...base,
    version: 2,
    organization: {
      name: 'Example Org',
      legalName: 'Example Org Ltd',
      privacyPolicyUrl: 'https://example.com/privacy',
      roles: { customers: 'processor', 'website-visitors': 'controller' },
      page: { date: '2026-11-01', grouping: 'access' },
    },
    fields: [...base.fields, aField({ key: 'content.text', name: 'Uploaded text', paths: ['text'] })],
    purposes: [...base.purposes, aPurpose({ key: 'translation', name: 'Translation' }), aPurpose({ key: 'hosting', name: 'Hosting' })],
    subprocessors: [
      ...base.subprocessors,
      aSubprocessor({ key: 'vendor-e', name: 'Vendor E', locations: 'not-stated', category: 'ai', parent: 'Vendor Group', transfers: [{ to: 'vendor-a' }] }),
      aSubprocessor({ key: 'vendor-f', name: 'Vendor F', locations: ['worldwide'], category: 'infrastructure' }),
    ],
    flows: [
      ...base.flows,
      aFlow({ subprocessor: 'vendor-e', purpose: 'translation', mode: 'opt-in', activation: 'feature', feature: 'Translations', legalBasis: 'not-stated', fields: ['content.text'], audiences: ['customers'] }),
      aFlow({ subprocessor: 'vendor-f', purpose: 'hosting', mode: 'required', legalBasis: 'not-stated', fields: 'not-stated' }),
    ],
  };
}

describe('Manifest v2 (e2e)', () => {
  let t: ConsentTestApp;
  beforeAll(async () => {
    t = await startConsentApp(aV2Manifest());
  });
  afterAll(() => t.close());

  it('exports what was not stated as not-stated, and export → import is a no-op', async () => {
    const exported = await t.http().get('/api/v1/manifest?format=yaml').set('Authorization', t.admin).expect(200);
    const doc = parse(exported.text as string) as Manifest;
    expect(doc.version).toBe(2);
    expect(doc.subprocessors.find((s) => s.key === 'vendor-e')).toMatchObject({ locations: 'not-stated', parent: 'Vendor Group', transfers: [{ to: 'vendor-a' }] });
    expect(doc.flows.find((f) => f.subprocessor === 'vendor-f')).toMatchObject({ legalBasis: 'not-stated', fields: 'not-stated' });
    expect(doc.flows.find((f) => f.subprocessor === 'vendor-a')?.fields).toEqual(['user.contact.email', 'user.name']);
    const again = await t.http().post('/api/v1/manifest?dryRun=true').set('Authorization', t.admin).set('Content-Type', 'application/yaml').send(exported.text).expect(200);
    expect(again.body.applied).toBe(false);
    expect(Object.values(again.body.diff as Record<string, { added: unknown[]; changed: unknown[]; removed: unknown[] }>).every((d) => d.added.length + d.changed.length + d.removed.length === 0)).toBe(true);
    expect(again.body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: expect.stringMatching(/what vendor-f.hosting sends .* not stated/) }),
        expect.objectContaining({ message: expect.stringMatching(/where Vendor E processes data is not stated/) }),
      ]),
    );
  });

  it('lists every gap in the completeness report, each with its path', async () => {
    const res = await t.http().get('/api/v1/manifest/completeness').set('Authorization', t.admin).expect(200);
    const gaps = res.body.gaps as Array<{ path: string; kind: string; subject: string }>;
    const exported = parse((await t.http().get('/api/v1/manifest').set('Authorization', t.admin)).text as string) as Manifest;
    const at = (key: string) => exported.flows.findIndex((f) => `${f.subprocessor}.${f.purpose}` === key);
    const sp = (key: string) => exported.subprocessors.findIndex((s) => s.key === key);
    expect(gaps).toEqual(
      expect.arrayContaining([
        { path: `flows[${at('vendor-f.hosting')}].fields`, kind: 'not-stated', subject: 'vendor-f.hosting', message: expect.any(String) },
        { path: `flows[${at('vendor-f.hosting')}].legalBasis`, kind: 'not-stated', subject: 'vendor-f.hosting', message: expect.any(String) },
        { path: `flows[${at('vendor-e.translation')}].legalBasis`, kind: 'not-stated', subject: 'vendor-e.translation', message: expect.any(String) },
        { path: `subprocessors[${sp('vendor-e')}].locations`, kind: 'not-stated', subject: 'vendor-e', message: expect.any(String) },
        { path: 'organization.dpaUrl', kind: 'missing', subject: 'organization', message: expect.any(String) },
      ]),
    );
    // What is stated is not a gap.
    expect(gaps.map((g) => g.path)).not.toContain('organization.privacyPolicyUrl');
    expect(gaps.map((g) => g.path)).not.toContain(`subprocessors[${sp('vendor-f')}].locations`);
    expect(gaps.filter((g) => g.kind === 'not-stated')).toHaveLength(4);
    expect(res.body.stated).toBe(res.body.checked - gaps.length);
  });

  it('tells the user the company has not stated what a vendor gets, not that it gets nothing', async () => {
    const res = await t.http().get('/api/v1/me/preferences').set('Authorization', t.user('ada@example.com')).expect(200);
    const flows = (res.body.purposes as Array<{ flows: Array<Record<string, unknown>> }>).flatMap((p) => p.flows);
    const hosting = flows.find((f) => f.key === 'vendor-f.hosting')!;
    expect(hosting).toMatchObject({ fields: [], fieldsStated: false, legalBasis: 'not-stated' });
    expect(hosting.notice).toContain('receives data the company has not stated');
    expect(hosting.notice).not.toContain('no personal data');
    expect(flows.find((f) => f.key === 'vendor-a.email-delivery')).toMatchObject({ fieldsStated: true });
  });

  it('keeps a feature flow off until the host grants it on activation (source feature-activation)', async () => {
    const decide = () =>
      t.http().post('/api/v1/decisions').set('Authorization', t.service).send({ userId: 'grace@example.com', subprocessor: 'vendor-e', fields: ['content.text'] }).expect(200);
    expect((await decide()).body).toMatchObject({ allow: false });
    await t.http().put('/api/v1/users/grace@example.com/preferences').set('Authorization', t.admin)
      .send({ changes: [{ flowKey: 'vendor-e.translation', granted: true }], source: 'feature-activation' }).expect(200);
    expect((await decide()).body).toMatchObject({ allow: true });
    const prefs = await t.http().get('/api/v1/me/preferences').set('Authorization', t.user('grace@example.com')).expect(200);
    const flow = (prefs.body.purposes as Array<{ flows: Array<Record<string, unknown>> }>).flatMap((p) => p.flows).find((f) => f.key === 'vendor-e.translation');
    expect(flow).toMatchObject({ feature: 'Translations', choice: { value: 'granted', source: 'feature-activation' } });
  });

  it('rejects a feature flow that is not opt-in and a transfer to an unknown vendor, naming the paths', async () => {
    const bad = aV2Manifest();
    bad.flows[bad.flows.length - 2] = { ...bad.flows[bad.flows.length - 2], mode: 'opt-out' };
    bad.subprocessors[4] = { ...bad.subprocessors[4], transfers: [{ to: 'vendor-zz' }] };
    const res = await t.http().post('/api/v1/manifest?dryRun=true').set('Authorization', t.admin).send(bad).expect(400);
    const paths = (res.body.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining([`flows[${bad.flows.length - 2}].mode`, 'subprocessors[4].transfers[0].to']));
  });

  it('checks onward transfers on REST writes as on import', async () => {
    const bad = await t.http().post('/api/v1/subprocessors').set('Authorization', t.admin)
      .send({ key: 'vendor-g', name: 'Vendor G', locations: ['DE'], category: 'ai', transfers: [{ to: 'vendor-zz' }] }).expect(422);
    expect(bad.body.details).toEqual([{ path: 'transfers[0].to', message: 'unknown subprocessor "vendor-zz"' }]);
    const self = await t.http().patch('/api/v1/subprocessors/vendor-f').set('Authorization', t.admin).send({ transfers: [{ to: 'vendor-f' }] }).expect(422);
    expect(self.body.details).toEqual([{ path: 'transfers[0].to', message: 'a subprocessor cannot transfer to itself' }]);
    await t.http().post('/api/v1/subprocessors').set('Authorization', t.admin).send({ key: 'vendor-g', name: 'Vendor G', locations: 'not-stated', category: 'ai' }).expect(201);
    await t.http().patch('/api/v1/subprocessors/vendor-f').set('Authorization', t.admin).send({ transfers: [{ to: 'vendor-g' }] }).expect(200);
    const gone = await t.http().delete('/api/v1/subprocessors/vendor-g').set('Authorization', t.admin).expect(409);
    expect(gone.body).toMatchObject({ code: 'SUBPROCESSOR_IN_USE', details: [{ path: 'subprocessors.vendor-f.transfers' }] });
    const typo = await t.http().post('/api/v1/subprocessors').set('Authorization', t.admin).send({ key: 'vendor-h', name: 'H', locations: 'nowhere', category: 'ai' }).expect(400);
    expect(typo.body.details[0].path).toBe('locations');
  });
});
