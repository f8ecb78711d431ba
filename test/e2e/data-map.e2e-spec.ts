import { aManifest } from '../factories/manifest.factory';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Data map API (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aManifest()).expect(201);
  });
  afterAll(() => t.close());

  const get = (url: string) => t.http().get(url).set('Authorization', t.admin);
  const post = (url: string, body: object) => t.http().post(url).set('Authorization', t.admin).send(body);
  const patch = (url: string, body: object) => t.http().patch(url).set('Authorization', t.admin).send(body);
  const del = (url: string) => t.http().delete(url).set('Authorization', t.admin);

  describe('fields', () => {
    it('creates, reads, lists, updates and deletes a field', async () => {
      const created = await post('/api/v1/fields', {
        key: 'user.contact.phone',
        name: 'Phone number',
        sensitivity: 'personal',
        paths: ['phone', 'customer.phone'],
      }).expect(201);
      expect(created.body).toEqual({
        key: 'user.contact.phone',
        name: 'Phone number',
        sensitivity: 'personal',
        paths: ['phone', 'customer.phone'],
        sentBy: [],
      });
      await get('/api/v1/fields/user.contact.phone').expect(200);
      const list = await get('/api/v1/fields?q=phone').expect(200);
      expect(list.body.items.map((f: { key: string }) => f.key)).toEqual(['user.contact.phone']);
      const updated = await patch('/api/v1/fields/user.contact.phone', { name: 'Mobile', description: 'E.164' }).expect(200);
      expect(updated.body).toMatchObject({ name: 'Mobile', description: 'E.164', sensitivity: 'personal' });
      await del('/api/v1/fields/user.contact.phone').expect(204);
      const gone = await get('/api/v1/fields/user.contact.phone').expect(404);
      expect(gone.body).toMatchObject({ statusCode: 404, code: 'FIELD_NOT_FOUND' });
    });

    it('says which flows send a field', async () => {
      const res = await get('/api/v1/fields/user.contact.email').expect(200);
      expect(res.body.sentBy).toEqual(['vendor-a.email-delivery']);
    });

    it('refuses to delete a field a flow uses, naming the flows', async () => {
      const res = await del('/api/v1/fields/user.contact.email').expect(409);
      expect(res.body.code).toBe('FIELD_IN_USE');
      expect(res.body.message).toContain('"vendor-a.email-delivery"');
      expect(res.body.message).toContain('"vendor-b.product-analytics"');
      expect(res.body.details).toEqual([
        { path: 'vendor-a.email-delivery', message: 'uses the field "user.contact.email"' },
        { path: 'vendor-b.product-analytics', message: 'uses the field "user.contact.email"' },
      ]);
    });

    it('rejects a duplicate key with 409', async () => {
      const res = await post('/api/v1/fields', { key: 'user.name', name: 'Again', sensitivity: 'personal', paths: ['n'] }).expect(409);
      expect(res.body.code).toBe('DUPLICATE_KEY');
    });
  });

  describe('purposes and subprocessors', () => {
    it('creates, updates and deletes a purpose, and guards one in use', async () => {
      await post('/api/v1/purposes', { key: 'support', name: 'Support' }).expect(201);
      await patch('/api/v1/purposes/support', { description: 'Help desk' }).expect(200);
      expect((await get('/api/v1/purposes/support')).body).toEqual({ key: 'support', name: 'Support', description: 'Help desk' });
      await del('/api/v1/purposes/support').expect(204);
      const inUse = await del('/api/v1/purposes/email-delivery').expect(409);
      expect(inUse.body).toMatchObject({ code: 'PURPOSE_IN_USE', details: [{ path: 'vendor-a.email-delivery', message: 'uses the purpose "email-delivery"' }] });
    });

    it('derives the region and filters by it', async () => {
      await post('/api/v1/subprocessors', {
        key: 'vendor-c',
        name: 'Vendor C',
        locations: ['FR', 'IN'],
        category: 'support',
        url: 'https://vendor-c.example',
      }).expect(201);
      const third = await get('/api/v1/subprocessors?region=third-country').expect(200);
      expect(third.body.items.map((s: { key: string }) => s.key)).toEqual(['vendor-b', 'vendor-c']);
      const eea = await get('/api/v1/subprocessors?region=eea').expect(200);
      expect(eea.body.items.map((s: { key: string; region: string }) => [s.key, s.region])).toEqual([['vendor-a', 'eea']]);
      await patch('/api/v1/subprocessors/vendor-c', { locations: ['FR'] }).expect(200);
      expect((await get('/api/v1/subprocessors/vendor-c')).body.region).toBe('eea');
      await del('/api/v1/subprocessors/vendor-c').expect(204);
      const inUse = await del('/api/v1/subprocessors/vendor-b').expect(409);
      expect(inUse.body.code).toBe('SUBPROCESSOR_IN_USE');
    });
  });

  describe('flows', () => {
    it('creates a flow keyed by subprocessor and purpose', async () => {
      const res = await post('/api/v1/flows', {
        subprocessor: 'vendor-b',
        purpose: 'email-delivery',
        mode: 'opt-out',
        legalBasis: 'legitimate-interests',
        fields: ['user.contact.email'],
        excludedFields: ['user.name'],
      }).expect(201);
      expect(res.body).toMatchObject({
        key: 'vendor-b.email-delivery',
        version: 1,
        region: 'third-country',
        fields: ['user.contact.email'],
        excludedFields: ['user.name'],
      });
      const dup = await post('/api/v1/flows', { subprocessor: 'vendor-b', purpose: 'email-delivery', mode: 'required', legalBasis: 'contract', fields: [] }).expect(409);
      expect(dup.body.code).toBe('DUPLICATE_KEY');
    });

    it('bumps the version when what a flow sends or its mode changes, not for its description', async () => {
      const key = '/api/v1/flows/vendor-b.email-delivery';
      expect((await patch(key, { description: 'Receipts' }).expect(200)).body.version).toBe(1);
      expect((await patch(key, { excludedFields: [] }).expect(200)).body.version).toBe(1);
      expect((await patch(key, { fields: ['user.contact.email', 'user.name'] }).expect(200)).body.version).toBe(2);
      expect((await patch(key, { mode: 'required', legalBasis: 'contract' }).expect(200)).body.version).toBe(3);
      expect((await patch(key, { mode: 'required' }).expect(200)).body.version).toBe(3);
    });

    it('filters by subprocessor, purpose, field, mode and region, with pagination', async () => {
      const keys = async (q: string) =>
        (await get(`/api/v1/flows?${q}`).expect(200)).body.items.map((f: { key: string }) => f.key);
      expect(await keys('subprocessor=vendor-b')).toEqual(['vendor-b.email-delivery', 'vendor-b.product-analytics']);
      expect(await keys('purpose=email-delivery')).toEqual(['vendor-a.email-delivery', 'vendor-b.email-delivery']);
      expect(await keys('field=usage.page-views')).toEqual(['vendor-b.product-analytics']);
      expect(await keys('mode=opt-in')).toEqual(['vendor-b.product-analytics']);
      expect(await keys('region=eea')).toEqual(['vendor-a.email-delivery']);
      const page = await get('/api/v1/flows?limit=1&offset=1').expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1, items: [{ key: 'vendor-b.email-delivery' }] });
    });

    it('deletes a flow', async () => {
      await del('/api/v1/flows/vendor-b.email-delivery').expect(204);
      await get('/api/v1/flows/vendor-b.email-delivery').expect(404);
      await del('/api/v1/flows/vendor-b.email-delivery').expect(404);
    });
  });

  describe('bad input', () => {
    const long = (n: number) => 'a'.repeat(n);
    const field = { key: 'user.ok', name: 'Ok', sensitivity: 'personal', paths: ['ok'] };
    const subprocessor = { key: 'vendor-z', name: 'Vendor Z', locations: ['DE'], category: 'support' };
    const flow = { subprocessor: 'vendor-a', purpose: 'product-analytics', mode: 'required', legalBasis: 'contract', fields: ['user.name'] };
    type Case = [name: string, method: 'post' | 'patch' | 'get', url: string, body: object | null, status: number, path: string];
    const cases: Case[] = [
      ['empty field', 'post', '/api/v1/fields', {}, 400, 'key'],
      ['field key of the wrong type', 'post', '/api/v1/fields', { ...field, key: 42 }, 400, 'key'],
      ['field key with capitals', 'post', '/api/v1/fields', { ...field, key: 'User.Email' }, 400, 'key'],
      ['field key too long', 'post', '/api/v1/fields', { ...field, key: long(101) }, 400, 'key'],
      ['empty field name', 'post', '/api/v1/fields', { ...field, name: '' }, 400, 'name'],
      ['field name too long', 'post', '/api/v1/fields', { ...field, name: long(201) }, 400, 'name'],
      ['unknown sensitivity', 'post', '/api/v1/fields', { ...field, sensitivity: 'secret' }, 400, 'sensitivity'],
      ['paths not an array', 'post', '/api/v1/fields', { ...field, paths: 'email' }, 400, 'paths'],
      ['no paths', 'post', '/api/v1/fields', { ...field, paths: [] }, 400, 'paths'],
      ['malformed path', 'post', '/api/v1/fields', { ...field, paths: ['a..b'] }, 400, 'paths[0]'],
      ['unknown property', 'post', '/api/v1/fields', { ...field, colour: 'red' }, 400, 'colour'],
      ['description too long', 'post', '/api/v1/fields', { ...field, description: long(2001) }, 400, 'description'],
      ['description of the wrong type', 'post', '/api/v1/fields', { ...field, description: 7 }, 400, 'description'],
      ['key in a field update', 'patch', '/api/v1/fields/user.name', { key: 'user.renamed' }, 400, 'key'],
      ['bad sensitivity in an update', 'patch', '/api/v1/fields/user.name', { sensitivity: 'x' }, 400, 'sensitivity'],
      ['purpose without name', 'post', '/api/v1/purposes', { key: 'support' }, 400, 'name'],
      ['purpose key with a space', 'post', '/api/v1/purposes', { key: 'customer support', name: 'S' }, 400, 'key'],
      ['subprocessor key with a dot', 'post', '/api/v1/subprocessors', { ...subprocessor, key: 'vendor.z' }, 400, 'key'],
      ['ftp url', 'post', '/api/v1/subprocessors', { ...subprocessor, url: 'ftp://vendor-z.example' }, 400, 'url'],
      ['url that is no url', 'post', '/api/v1/subprocessors', { ...subprocessor, url: 'not a url' }, 400, 'url'],
      ['lower-case location', 'post', '/api/v1/subprocessors', { ...subprocessor, locations: ['de'] }, 400, 'locations[0]'],
      ['locations as a string', 'post', '/api/v1/subprocessors', { ...subprocessor, locations: 'DE' }, 400, 'locations'],
      ['unknown category', 'post', '/api/v1/subprocessors', { ...subprocessor, category: 'cloud' }, 400, 'category'],
      ['unknown transfer mechanism', 'post', '/api/v1/subprocessors', { ...subprocessor, transferMechanism: 'magic' }, 400, 'transferMechanism'],
      ['unknown mode', 'post', '/api/v1/flows', { ...flow, mode: 'sometimes' }, 400, 'mode'],
      ['unknown legal basis', 'post', '/api/v1/flows', { ...flow, legalBasis: 'whim' }, 400, 'legalBasis'],
      ['fields as a string', 'post', '/api/v1/flows', { ...flow, fields: 'user.name' }, 400, 'fields'],
      ['fields of numbers', 'post', '/api/v1/flows', { ...flow, fields: [1] }, 400, 'fields[0]'],
      ['opt-in without consent', 'post', '/api/v1/flows', { ...flow, mode: 'opt-in' }, 422, 'legalBasis'],
      ['required on consent', 'post', '/api/v1/flows', { ...flow, legalBasis: 'consent' }, 422, 'legalBasis'],
      ['unknown field reference', 'post', '/api/v1/flows', { ...flow, fields: ['user.phone'] }, 422, 'fields[0]'],
      ['unknown subprocessor reference', 'post', '/api/v1/flows', { ...flow, subprocessor: 'vendor-q' }, 422, 'subprocessor'],
      ['unknown purpose reference', 'post', '/api/v1/flows', { ...flow, purpose: 'hosting' }, 422, 'purpose'],
      ['field sent and excluded', 'post', '/api/v1/flows', { ...flow, excludedFields: ['user.name'] }, 422, 'excludedFields[0]'],
      ['update making a flow opt-in on contract', 'patch', '/api/v1/flows/vendor-a.email-delivery', { mode: 'opt-in' }, 422, 'legalBasis'],
      ['update excluding a sent field', 'patch', '/api/v1/flows/vendor-a.email-delivery', { excludedFields: ['user.name'] }, 422, 'excludedFields[0]'],
      ['limit of zero', 'get', '/api/v1/flows?limit=0', null, 400, 'limit'],
      ['limit not a number', 'get', '/api/v1/flows?limit=abc', null, 400, 'limit'],
      ['unknown region', 'get', '/api/v1/flows?region=mars', null, 400, 'region'],
      ['unknown export format', 'get', '/api/v1/manifest?format=xml', null, 400, 'format'],
      ['dryRun not a boolean', 'post', '/api/v1/manifest?dryRun=maybe', aManifest(), 400, 'dryRun'],
    ];

    let before: { manifest: string; version: number };
    const fingerprint = async () => ({
      manifest: (await get('/api/v1/manifest?format=json').expect(200)).text,
      version: (await t.http().get('/api/health').expect(200)).body.dataMapVersion as number,
    });
    beforeAll(async () => {
      before = await fingerprint();
    });

    it(`has at least 30 cases (${cases.length})`, () => {
      expect(cases.length).toBeGreaterThanOrEqual(30);
    });

    const rows = cases.map(([name, method, url, body, status, path]) => [name, status, path, method, url, body] as const);
    it.each(rows)('%s → %i naming %s, database unchanged', async (_name, status, path, method, url, body) => {
      const req = method === 'get' ? get(url) : method === 'post' ? post(url, body!) : patch(url, body!);
      const res = await req;
      expect(res.status).toBe(status);
      expect(res.body.statusCode).toBe(status);
      expect(res.body.message).toContain(`${path}: `);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
      expect(await fingerprint()).toEqual(before);
    });

    it('answers malformed JSON with 400, not 500', async () => {
      const res = await t.http().post('/api/v1/fields').set('Authorization', t.admin).set('Content-Type', 'application/json').send('{"key": ');
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/JSON/);
    });

    it('answers an unknown route with 404', async () => {
      const res = await get('/api/v1/nothing-here').expect(404);
      expect(res.body.statusCode).toBe(404);
    });
  });
});
