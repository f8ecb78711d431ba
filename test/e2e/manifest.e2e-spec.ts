import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { DataSource } from 'typeorm';
import { PolicyService } from '../../src/decisions/policy.service';
import { normalizeManifest } from '../../src/data-map/manifest/manifest.diff';
import type { Manifest } from '../../src/data-map/manifest/manifest.types';
import { validManifest } from '../factories/manifest.arbitrary';
import { aManifest } from '../factories/manifest.factory';
import { startTestApp, type TestApp } from '../support/test-app';

const EXAMPLES = readdirSync('examples').filter((f) => f.endsWith('.yaml')).sort();

describe('Manifest import and export (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const importManifest = (body: object | string, query = '') => {
    const req = t.http().post(`/api/v1/manifest${query}`).set('Authorization', t.admin);
    return typeof body === 'string' ? req.set('Content-Type', 'application/yaml').send(body) : req.send(body);
  };
  const exportJson = async (): Promise<Manifest> =>
    JSON.parse((await t.http().get('/api/v1/manifest?format=json').set('Authorization', t.admin).expect(200)).text);

  it('ships the four example maps', () => {
    expect(EXAMPLES).toEqual(['caplena.yaml', 'miso.yaml', 'numberz.yaml', 'qase.yaml']);
  });

  it.each(EXAMPLES)('imports examples/%s as YAML and exports the same map', async (file) => {
    const text = readFileSync(join('examples', file), 'utf8');
    const res = await importManifest(text, '?prune=true').expect(201);
    const file_ = parse(text) as Manifest;
    expect(res.body.applied).toBe(true);
    const exported = await exportJson();
    expect(exported).toEqual(normalizeManifest(file_));
    expect(exported.flows).toHaveLength(file_.flows.length);
    expect(exported.subprocessors).toHaveLength(file_.subprocessors.length);
  });

  it('exports YAML that imports as a no-op (dry-run diff empty)', async () => {
    await importManifest(readFileSync('examples/caplena.yaml', 'utf8'), '?prune=true').expect(201);
    const yaml = (await t.http().get('/api/v1/manifest').set('Authorization', t.admin).expect(200)).text;
    const dry = await importManifest(yaml, '?dryRun=true&prune=true').expect(201);
    const empty = { added: [], changed: [], removed: [] };
    expect(dry.body).toMatchObject({
      applied: false,
      diff: { fields: empty, purposes: empty, subprocessors: empty, flows: empty },
    });
    const again = await importManifest(yaml, '?prune=true').expect(201);
    expect(again.body.applied).toBe(false);
  });

  it('dry run reports the diff and changes nothing', async () => {
    const before = await exportJson();
    const res = await importManifest(aManifest(), '?dryRun=true&prune=true').expect(201);
    expect(res.body.applied).toBe(false);
    expect(res.body.diff.subprocessors.added).toEqual(['vendor-a', 'vendor-b']);
    expect(res.body.diff.subprocessors.removed).toContain('google-cloud');
    expect(await exportJson()).toEqual(before);
  });

  it('without prune keeps what the manifest does not list', async () => {
    const res = await importManifest(aManifest()).expect(201);
    expect(res.body.diff.flows.removed).toEqual([]);
    const map = await exportJson();
    expect(map.subprocessors.map((s) => s.key)).toEqual(expect.arrayContaining(['google-cloud', 'vendor-a']));
  });

  it('rejects an invalid manifest listing every problem, leaving the database byte-for-byte unchanged', async () => {
    await importManifest(readFileSync('examples/caplena.yaml', 'utf8'), '?prune=true').expect(201);
    // The import recompiles the policy in the background; let that finish before the
    // checkpoint, which fails (SQLITE_LOCKED) while a transaction runs on the connection.
    await t.app.get(PolicyService).current();
    const dataSource = t.app.get(DataSource);
    await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    const files = () =>
      [t.config.databasePath, `${t.config.databasePath}-wal`]
        .filter((f) => existsSync(f))
        .map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
    const before = files();
    const bad = `
version: 1
fields:
  - key: user.phone-number
    name: Phone
    sensitivity: secret
    paths: [phone]
purposes:
  - key: calls
    name: Calls
subprocessors:
  - key: vendor-a
    name: Vendor A
    locations: [DE]
    category: telephony
flows:
  - subprocessor: vendor-a
    purpose: calls
    mode: opt-in
    legalBasis: contract
    fields: [user.phone-number, user.fax]
  - subprocessor: vendor-zz
    purpose: calls
    mode: required
    legalBasis: contract
    fields: []
`;
    const res = await importManifest(bad, '?prune=true').expect(400);
    expect(res.body.code).toBe('INVALID_MANIFEST');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { path: 'fields[0].sensitivity', message: 'must be one of personal, special, pseudonymous, none' },
        expect.objectContaining({ path: 'subprocessors[0].category' }),
        { path: 'flows[0].legalBasis', message: 'must be "consent" for an opt-in flow (got "contract")' },
        { path: 'flows[0].fields[1]', message: 'unknown field "user.fax"' },
        { path: 'flows[1].subprocessor', message: 'unknown subprocessor "vendor-zz"' },
      ]),
    );
    expect(res.body.details).toHaveLength(5);
    expect(res.body.message).toContain('flows[0].fields[1]: unknown field "user.fax"');
    expect(files()).toEqual(before);
  });

  it('reports a YAML syntax error with its line', async () => {
    const res = await importManifest('version: 1\nfields: [\n', '').expect(400);
    expect(res.body.message).toMatch(/line \d+/);
  });

  it('random valid maps survive export → import unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(validManifest, async (m) => {
        await importManifest(m, '?prune=true').expect(201);
        const exported = await exportJson();
        expect(exported).toEqual(normalizeManifest(m));
        const dry = await importManifest(exported, '?dryRun=true&prune=true').expect(201);
        for (const kind of ['fields', 'purposes', 'subprocessors', 'flows']) {
          expect(dry.body.diff[kind]).toEqual({ added: [], changed: [], removed: [] });
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('Persistence across restarts (e2e)', () => {
  it('keeps the map when the app is closed and reopened on the same file', async () => {
    const first = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/miso.yaml' });
    const before = (await first.http().get('/api/v1/manifest?format=json').set('Authorization', first.admin).expect(200)).text;
    expect(JSON.parse(before).subprocessors.length).toBeGreaterThan(0);
    await first.close({ keepFiles: true });

    // Seeding happens only into an empty database: the second boot must not re-import.
    const second = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/qase.yaml' }, first.dir);
    try {
      const after = (await second.http().get('/api/v1/manifest?format=json').set('Authorization', second.admin).expect(200)).text;
      expect(after).toEqual(before);
      const health = await second.http().get('/api/health').expect(200);
      expect(health.body.dataMapVersion).toBe(1);
    } finally {
      await second.close();
    }
  });
});
