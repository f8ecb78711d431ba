import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { aConsentManifest, startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { aSubprocessor } from '../factories/manifest.factory';

/**
 * Hostile bodies on every write endpoint: fast-check JSON and YAML (malformed, deep, wide,
 * prototype keys, duplicate keys, aliases, wrong types in the right places, odd content
 * types) plus the cases that once answered 500. Every answer must be below 500, and a
 * rejected write must leave every table and the map exactly as they were.
 */

interface Endpoint {
  method: 'post' | 'put' | 'patch' | 'delete';
  path: string;
  auth: 'admin' | 'service' | 'user' | 'none';
  /** A valid body, for mutations that keep most of it. */
  valid: unknown;
  yaml?: boolean;
}

const manifest = aConsentManifest();
const ENDPOINTS: Endpoint[] = [
  { method: 'post', path: '/api/v1/demo/login', auth: 'none', valid: { userId: 'ada@example.com' } },
  { method: 'post', path: '/api/v1/service-tokens', auth: 'admin', valid: { name: 'sdk-2' } },
  { method: 'delete', path: '/api/v1/service-tokens/999', auth: 'admin', valid: {} },
  {
    method: 'post',
    path: '/api/v1/audit/events',
    auth: 'service',
    valid: {
      service: 'checkout',
      events: [{ kind: 'blocked', subprocessor: 'vendor-b', purpose: 'product-analytics', field: 'usage.page-views', reason: 'not-opted-in', mode: 'enforce', policyVersion: 1, count: 1, firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-01T00:00:00.000Z' }],
    },
  },
  { method: 'post', path: '/api/v1/manifest?dryRun=true', auth: 'admin', valid: manifest, yaml: true },
  { method: 'post', path: '/api/v1/manifest', auth: 'admin', valid: manifest, yaml: true },
  { method: 'post', path: '/api/v1/fields', auth: 'admin', valid: { key: 'user.phone', name: 'Phone', sensitivity: 'personal', paths: ['phone'] } },
  { method: 'patch', path: '/api/v1/fields/user.name', auth: 'admin', valid: { name: 'Full name' } },
  { method: 'delete', path: '/api/v1/fields/user.health', auth: 'admin', valid: {} },
  { method: 'post', path: '/api/v1/purposes', auth: 'admin', valid: { key: 'billing', name: 'Billing' } },
  { method: 'patch', path: '/api/v1/purposes/support', auth: 'admin', valid: { name: 'Help' } },
  { method: 'post', path: '/api/v1/subprocessors', auth: 'admin', valid: aSubprocessor({ key: 'vendor-x', name: 'Vendor X' }) },
  { method: 'patch', path: '/api/v1/subprocessors/vendor-a', auth: 'admin', valid: { locations: ['DE', 'FR'] } },
  { method: 'post', path: '/api/v1/flows', auth: 'admin', valid: { subprocessor: 'vendor-c', purpose: 'marketing', mode: 'opt-in', legalBasis: 'consent', fields: ['user.contact.email'] } },
  { method: 'patch', path: '/api/v1/flows/vendor-c.support', auth: 'admin', valid: { description: 'Tickets' } },
  { method: 'post', path: '/api/v1/decisions', auth: 'service', valid: { userId: 'ada@example.com', subprocessor: 'vendor-b', fields: ['usage.page-views'] } },
  { method: 'post', path: '/api/v1/decisions/batch', auth: 'service', valid: { requests: [{ userId: 'ada@example.com', subprocessor: 'vendor-b' }] } },
  { method: 'put', path: '/api/v1/users/ada@example.com/preferences', auth: 'admin', valid: { changes: [{ flowKey: 'vendor-b.product-analytics', granted: true }], source: 'import' } },
  { method: 'put', path: '/api/v1/me/preferences', auth: 'user', valid: { changes: [{ flowKey: 'vendor-d.marketing', granted: true }] } },
  { method: 'put', path: '/api/v1/me/preferences/vendor-b.product-analytics', auth: 'user', valid: { granted: true } },
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** JSON values of every shape, including the keys that name the object model. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.constantFrom(null, true, -0, 1e308, -1e308, 2 ** 53 + 1, '', '\u0000', '\ud800', 'a'.repeat(5000)),
  ),
})).value;

/** A valid body with one property replaced by something hostile (or removed, or added). */
const mutated = (valid: unknown): fc.Arbitrary<unknown> => {
  if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return hostileJson;
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...(keys.length ? keys : ['x'])), hostileJson).map(([k, v]) => ({ ...valid, [k]: v })),
    fc.constantFrom(...(keys.length ? keys : ['x'])).map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))),
    fc.tuple(fc.string({ maxLength: 10 }), hostileJson).map(([k, v]) => ({ ...valid, [k]: v })),
  );
};

/** Raw texts: malformed, truncated, deep, wide, duplicate keys, prototype keys. */
const hostileText = (valid: unknown): fc.Arbitrary<string> => {
  const text = JSON.stringify(valid);
  return fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    fc.integer({ min: 65, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    fc.integer({ min: 65, max: 5000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
    fc.integer({ min: 1, max: 200_000 }).map((n) => `{"changes":[${'1,'.repeat(n)}1]}`),
    fc.constantFrom(...Object.keys(valid as object), 'x').map((k) => `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(k)}:null,${JSON.stringify(k)}:1}`),
    fc.constantFrom(...PROTOTYPE_KEYS).map((k) => `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"${k}":{"polluted":true}}`),
    fc.constantFrom(...PROTOTYPE_KEYS).map((k) => `{"version":{"${k}":{}}}`),
  );
};

/** YAML that a parser must bound: aliases, anchors, tags, merges, deep flow collections. */
const hostileYaml: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.integer({ min: 90, max: 400 }).map((n) => `a: &a [1, 2]\nb: [${Array.from({ length: n }, () => '*a').join(', ')}]\n`),
  fc.constant('a: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d]\n'),
  fc.constantFrom('a: *nope\n', 'a: !!js/function "return 1"\n', 'a: !!binary aGk=\n', '<<: *x\n', 'a: 1\na: 2\n', '? [a]\n: 1\n', '--- 1\n--- 2\n', 'version: {constructor: {}}\n', '__proto__: {polluted: true}\n'),
  fc.integer({ min: 65, max: 3000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.integer({ min: 1, max: 60 }).map((n) => stringify({ ...manifest, subprocessors: Array.from({ length: n + 100 }, (_, i) => ({ ...aSubprocessor({ key: `v-${i}` }), locations: manifest.subprocessors[0].locations })) })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => stringify(v)),
);

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-16', 'application/yaml', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''];

interface Case {
  endpoint: Endpoint;
  type: string;
  body: string;
}

const caseFor = (endpoint: Endpoint): fc.Arbitrary<Case> =>
  fc.oneof(
    mutated(endpoint.valid).map((v) => ({ endpoint, type: 'application/json', body: JSON.stringify(v) ?? 'null' })),
    hostileJson.map((v) => ({ endpoint, type: 'application/json', body: JSON.stringify(v) ?? 'null' })),
    hostileText(endpoint.valid).map((body) => ({ endpoint, type: 'application/json', body })),
    fc.tuple(fc.constantFrom(...CONTENT_TYPES), hostileText(endpoint.valid)).map(([type, body]) => ({ endpoint, type, body })),
    ...(endpoint.yaml ? [hostileYaml.map((body) => ({ endpoint, type: 'application/yaml', body }))] : []),
  );

/** The cases named in the issue (each once answered 500, or silently did the wrong thing). */
const NAMED: Array<[string, Partial<Endpoint> & { path: string }, string, string]> = [
  ['deep JSON on the demo login', { method: 'post', path: '/api/v1/demo/login', auth: 'none' }, 'application/json', `{"userId":${'['.repeat(3000)}${']'.repeat(3000)}}`],
  ['fields: [[]]', { method: 'post', path: '/api/v1/manifest' }, 'application/json', JSON.stringify({ ...manifest, fields: [[]] })],
  ['version.constructor', { method: 'post', path: '/api/v1/manifest' }, 'application/json', '{"version":{"constructor":{}}}'],
  ['110 YAML aliases', { method: 'post', path: '/api/v1/manifest' }, 'application/yaml', stringify({ ...manifest, subprocessors: Array.from({ length: 110 }, (_, i) => ({ ...aSubprocessor({ key: `v-${i}` }), locations: manifest.subprocessors[0].locations })) })],
  ['a duplicate key in JSON', { method: 'post', path: '/api/v1/manifest' }, 'application/json', `${JSON.stringify(manifest).slice(0, -1)},"subprocessors":[]}`],
  ['a 200,000-element array', { method: 'put', path: '/api/v1/me/preferences', auth: 'user' }, 'application/json', `{"changes":[${'1,'.repeat(199_999)}1]}`],
  ['PATCH as XML', { method: 'patch', path: '/api/v1/subprocessors/vendor-a' }, 'application/xml', '<name>X</name>'],
  ['PATCH as a form', { method: 'patch', path: '/api/v1/subprocessors/vendor-a' }, 'application/x-www-form-urlencoded', 'name=X'],
  ['PATCH without a content type', { method: 'patch', path: '/api/v1/subprocessors/vendor-a' }, '', '{"name":"X"}'],
  ['__proto__ on a subprocessor', { method: 'post', path: '/api/v1/subprocessors' }, 'application/json', '{"key":"vendor-x","name":"X","locations":["DE"],"category":"analytics","__proto__":{"admin":true}}'],
];

describe('fuzzing every write endpoint', () => {
  let t: ConsentTestApp;
  let db: DataSource;
  let tables: string[];
  beforeAll(async () => {
    t = await startConsentApp(undefined, { RATE_LIMITS: '0' });
    db = t.app.get(DataSource);
    // job_lease is the periodic jobs' lease (audit retention claims it on its own schedule),
    // not something a request writes.
    tables = (await db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'job_lease' ORDER BY name")).map((r: { name: string }) => r.name);
  });
  afterAll(() => t.close());

  /** SHA-256 of every table's rows, and of the exported map. */
  const fingerprint = async () => {
    const hashes: Record<string, string> = {};
    for (const table of tables) {
      hashes[table] = createHash('sha256').update(JSON.stringify(await db.query(`SELECT * FROM "${table}" ORDER BY rowid`))).digest('hex');
    }
    hashes.map = createHash('sha256').update((await t.http().get('/api/v1/manifest?format=json').set('Authorization', t.admin).expect(200)).text).digest('hex');
    return hashes;
  };

  const send = (c: Case) => {
    const { endpoint } = c;
    let req = t.http()[endpoint.method](endpoint.path);
    if (endpoint.auth === 'admin') req = req.set('Authorization', t.admin);
    if (endpoint.auth === 'service') req = req.set('Authorization', t.service);
    if (endpoint.auth === 'user') req = req.set('Authorization', t.user('ada@example.com'));
    if (c.type) req = req.set('Content-Type', c.type);
    else req = req.unset('Content-Type');
    return req.send(Buffer.from(c.body));
  };

  /** Sends the case; a 5xx fails, and so does a rejected write that changed anything. */
  const check = async (c: Case) => {
    const before = await fingerprint();
    const res = await send(c);
    const label = `${c.endpoint.method.toUpperCase()} ${c.endpoint.path} (${c.type || 'no type'}): ${c.body.slice(0, 120)}`;
    expect({ label, status: res.status < 500 ? 'below 500' : res.status }).toEqual({ label, status: 'below 500' });
    if (res.status >= 400) expect({ label, changed: await fingerprint() }).toEqual({ label, changed: before });
    return res;
  };

  it.each(NAMED)('answers %s with a 4xx and changes nothing', async (_, endpoint, type, body) => {
    const res = await check({ endpoint: { method: 'post', auth: 'admin', valid: {}, ...endpoint }, type, body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('never answers 5xx to hostile JSON and YAML on any write endpoint, and rejected writes change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS).chain(caseFor), async (c) => {
        await check(c);
      }),
      { numRuns: 500, seed: 12 },
    );
  }, 120_000);
});
