import { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/run-cli';
import { aManifest } from '../factories/manifest.factory';
import { startTestApp, type TestApp } from '../support/test-app';

type Role = 'viewer' | 'editor' | 'owner';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const ROLES: Role[] = ['viewer', 'editor', 'owner'];

interface DocOperation {
  security?: unknown[];
}

/**
 * The least role each admin route needs: reads are for viewers, changes for editors, keys for
 * owners; asking for a decision changes nothing. Routes only other callers take are not here.
 */
function neededRole(method: Method, path: string): Role | null {
  if (path.startsWith('/api/v1/me') || (method === 'post' && path === '/api/v1/audit/events')) return null;
  if (path === '/metrics') return null; // the admin token or the metrics token, not keys
  if (path === '/api/v1/changes') return null; // a stream that stays open; every role may read it (auth.e2e checks refusals)
  if (path.startsWith('/api/v1/admin-keys')) return 'owner';
  if (method === 'get' || path.startsWith('/api/v1/decisions')) return 'viewer';
  return 'editor';
}

describe('admin keys', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(aManifest()).expect(201);
    for (const role of ROLES) {
      const res = await t.http().post('/api/v1/admin-keys').set('Authorization', t.admin).send({ name: `${role}-person`, role }).expect(201);
      expect(res.body).toMatchObject({ name: `${role}-person`, role, createdBy: 'admin', key: expect.stringMatching(/^fg_key_/) });
      keys[role] = `Bearer ${res.body.key as string}`;
    }
  });
  afterAll(() => t.close());

  it('refuses each admin route to the roles below the one it needs, with 403 naming that role', async () => {
    const doc = (await t.http().get('/api/docs-json').expect(200)).body as { paths: Record<string, Partial<Record<Method, DocOperation>>> };
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      const path = template.replace(/\{[^}]+\}/g, (p) => (p === '{id}' ? '999' : p === '{userId}' ? 'ada@example.com' : 'no-such-key'));
      for (const method of Object.keys(item) as Method[]) {
        if (!item[method]?.security?.length) continue;
        const needed = neededRole(method, template);
        if (needed === null) continue;
        for (const role of ROLES) {
          const res = await t.http()[method](path).set('Authorization', keys[role]).send(method === 'get' || method === 'delete' ? undefined : {});
          const allowed = ROLES.indexOf(role) >= ROLES.indexOf(needed);
          const what = `${method.toUpperCase()} ${template} as ${role}`;
          if (allowed) {
            expect({ what, forbidden: res.status === 403 }).toEqual({ what, forbidden: false });
          } else {
            expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status: 403, code: 'FORBIDDEN' });
            expect(res.body.message).toContain(`needs the ${needed} role`);
            expect(res.body.details).toEqual([{ path: 'role', message: `needs ${needed}, has ${role}` }]);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  }, 60_000);

  it('records who changed the map, and the history says what', async () => {
    await t.http().post('/api/v1/purposes').set('Authorization', keys.editor).send({ key: 'billing', name: 'Billing' }).expect(201);
    await t.http().patch('/api/v1/purposes/billing').set('Authorization', t.admin).send({ description: 'Invoices' }).expect(200);
    const history = await t.http().get('/api/v1/map/history?limit=2').set('Authorization', keys.viewer).expect(200);
    expect(history.body.items).toMatchObject([
      { actor: 'admin', diff: { purposes: { changed: [{ key: 'billing', properties: ['description'] }] } } },
      { actor: 'admin:editor-person', diff: { purposes: { added: ['billing'] } } },
    ]);
    expect(history.body.items[0].version).toBe(history.body.items[1].version + 1);
    const older = await t.http().get(`/api/v1/map/history?before=${history.body.nextBefore as number}`).set('Authorization', keys.viewer).expect(200);
    expect(older.body.items.at(-1)).toMatchObject({ version: 1, actor: 'admin', diff: { flows: { added: expect.any(Array) } } });
  });

  it('records who created and revoked a service token', async () => {
    const created = await t.http().post('/api/v1/service-tokens').set('Authorization', keys.editor).send({ name: 'billing' }).expect(201);
    expect(created.body).toMatchObject({ createdBy: 'admin:editor-person', revokedBy: null });
    await t.http().delete(`/api/v1/service-tokens/${created.body.id as number}`).set('Authorization', keys.owner).expect(204);
    const list = await t.http().get('/api/v1/service-tokens').set('Authorization', keys.viewer).expect(200);
    expect(list.body.items.find((s: { id: number }) => s.id === created.body.id)).toMatchObject({
      createdBy: 'admin:editor-person',
      revokedBy: 'admin:owner-person',
      revokedAt: expect.any(String),
    });
  });

  it('stores keys hashed, and a revoked key stops working at once', async () => {
    const created = await t.http().post('/api/v1/admin-keys').set('Authorization', keys.owner).send({ name: 'leaver', role: 'editor' }).expect(201);
    const key = created.body.key as string;
    const rows: Array<Record<string, unknown>> = await t.app.get(DataSource).query('SELECT * FROM admin_key');
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(rows.find((r) => r.name === 'leaver')).toMatchObject({ prefix: key.slice(0, 12), createdBy: 'admin:owner-person' });
    await t.http().get('/api/v1/fields').set('Authorization', `Bearer ${key}`).expect(200);
    await t.http().delete(`/api/v1/admin-keys/${created.body.id as number}`).set('Authorization', keys.owner).expect(204);
    const refused = await t.http().get('/api/v1/fields').set('Authorization', `Bearer ${key}`).expect(401);
    expect(refused.body.message).toBe('Unknown or revoked admin key');
    const listed = await t.http().get('/api/v1/admin-keys').set('Authorization', keys.owner).expect(200);
    expect(listed.body.items.find((k: { name: string }) => k.name === 'leaver')).toMatchObject({ revokedBy: 'admin:owner-person' });
    expect(JSON.stringify(listed.body)).not.toContain(key);
  });

  it('creates, lists and revokes keys from the CLI, as the OS user', async () => {
    const env = { DATABASE_PATH: t.config.databasePath, FLOWGATE_ADMIN_TOKEN: 'cli-admin-token-0123456789' };
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (x) => out.push(x), err: (x) => err.push(x), env });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const created = await run('admin-key', 'create', '--name', 'cli-person', '--role', 'viewer', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.out) as { id: number; key: string; createdBy: string };
    expect(key.createdBy).toMatch(/^cli:/);
    await t.http().get('/api/v1/graph/catalog').set('Authorization', `Bearer ${key.key}`).expect(200);
    await t.http().post('/api/v1/purposes').set('Authorization', `Bearer ${key.key}`).send({ key: 'x', name: 'X' }).expect(403);
    expect((await run('admin-key', 'create', '--name', 'cli-person', '--role', 'viewer')).code).toBe(1);
    expect((await run('admin-key', 'create', '--name', 'someone', '--role', 'root')).code).toBe(2);
    expect((await run('admin-key', 'list')).out).toContain('cli-person');
    expect((await run('admin-key', 'revoke', String(key.id))).code).toBe(0);
    await t.http().get('/api/v1/graph/catalog').set('Authorization', `Bearer ${key.key}`).expect(401);
    expect((await run('admin-key', 'revoke', '999')).code).toBe(1);
  });
});
