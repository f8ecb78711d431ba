import Ajv, { type ValidateFunction } from 'ajv';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { auditEvent } from '../factories/audit-event.factory';
import { aConsentManifest, startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Who = 'admin' | 'service' | 'user' | 'none';

interface Case {
  /** The documented operation: `GET /api/v1/fields/{key}`. */
  op: string;
  path: string;
  as: Who;
  status: number;
  body?: unknown;
  yaml?: string;
  headers?: Record<string, string>;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Document {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: { schemas: Record<string, object> };
}

const ADA = 'ada@example.com';

/**
 * Every route of the API, called for real: a success and the usual failures. In order: the
 * later ones use what the earlier ones created.
 */
const CASES: Case[] = [
  { op: 'GET /api/health', path: '/api/health', as: 'none', status: 200 },
  { op: 'GET /api/health/ready', path: '/api/health/ready', as: 'none', status: 200 },
  // The transparency routes (issue 15): the JSON bodies validated strictly (additionalProperties: false), the
  // public list against docs/subprocessors.schema.json itself, converted.
  { op: 'GET /subprocessors', path: '/subprocessors', as: 'none', status: 200 },
  { op: 'GET /subprocessors', path: '/subprocessors?lang=de', as: 'none', status: 200 },
  { op: 'GET /subprocessors', path: '/subprocessors?lang=x%3Cy', as: 'none', status: 400 },
  { op: 'GET /subprocessors.json', path: '/subprocessors.json', as: 'none', status: 200 },
  { op: 'GET /subprocessors.json', path: '/subprocessors.json?lang=es', as: 'none', status: 400 },
  { op: 'GET /subprocessors.atom', path: '/subprocessors.atom', as: 'none', status: 200 },
  { op: 'GET /subprocessors.css', path: '/subprocessors.css', as: 'none', status: 200 },
  { op: 'GET /api/v1/manifest/completeness', path: '/api/v1/manifest/completeness', as: 'admin', status: 200 },
  { op: 'GET /api/v1/ropa', path: '/api/v1/ropa?format=json', as: 'admin', status: 200 },
  { op: 'POST /api/v1/impact', path: '/api/v1/impact', as: 'admin', status: 200, body: aConsentManifest() },
  { op: 'GET /api/v1/notices', path: '/api/v1/notices', as: 'admin', status: 200 },
  { op: 'GET /api/v1/notices/{id}', path: '/api/v1/notices/999', as: 'admin', status: 404 },
  { op: 'POST /api/v1/notices/{id}/override', path: '/api/v1/notices/999/override', as: 'admin', status: 404, body: { reason: 'a reason of some length' } },
  { op: 'POST /api/v1/webhooks', path: '/api/v1/webhooks', as: 'admin', status: 201, body: { url: 'http://127.0.0.1:9/hook' } },
  { op: 'GET /api/v1/webhooks', path: '/api/v1/webhooks', as: 'admin', status: 200 },
  { op: 'GET /api/v1/webhooks/{id}/deliveries', path: '/api/v1/webhooks/1/deliveries', as: 'admin', status: 200 },
  { op: 'DELETE /api/v1/webhooks/{id}', path: '/api/v1/webhooks/1', as: 'admin', status: 204 },
  { op: 'GET /metrics', path: '/metrics', as: 'admin', status: 200 },
  { op: 'GET /metrics', path: '/metrics', as: 'none', status: 401 },
  { op: 'POST /api/v1/service-tokens', path: '/api/v1/service-tokens', as: 'admin', status: 201, body: { name: 'billing' } },
  { op: 'POST /api/v1/service-tokens', path: '/api/v1/service-tokens', as: 'admin', status: 400, body: { name: '' } },
  { op: 'GET /api/v1/service-tokens', path: '/api/v1/service-tokens', as: 'admin', status: 200 },
  { op: 'GET /api/v1/service-tokens', path: '/api/v1/service-tokens', as: 'none', status: 401 },
  { op: 'GET /api/v1/service-tokens', path: '/api/v1/service-tokens', as: 'user', status: 403 },
  { op: 'DELETE /api/v1/service-tokens/{id}', path: '/api/v1/service-tokens/2', as: 'admin', status: 204 },
  { op: 'DELETE /api/v1/service-tokens/{id}', path: '/api/v1/service-tokens/999', as: 'admin', status: 404 },
  { op: 'DELETE /api/v1/service-tokens/{id}', path: '/api/v1/service-tokens/x', as: 'admin', status: 400 },
  { op: 'POST /api/v1/admin-keys', path: '/api/v1/admin-keys', as: 'admin', status: 201, body: { name: 'grace', role: 'viewer' } },
  { op: 'POST /api/v1/admin-keys', path: '/api/v1/admin-keys', as: 'admin', status: 409, body: { name: 'grace', role: 'editor' } },
  { op: 'POST /api/v1/admin-keys', path: '/api/v1/admin-keys', as: 'admin', status: 400, body: { name: 'grace hopper', role: 'root' } },
  { op: 'GET /api/v1/admin-keys', path: '/api/v1/admin-keys', as: 'admin', status: 200 },
  { op: 'DELETE /api/v1/admin-keys/{id}', path: '/api/v1/admin-keys/1', as: 'admin', status: 204 },
  { op: 'DELETE /api/v1/admin-keys/{id}', path: '/api/v1/admin-keys/99', as: 'admin', status: 404 },
  { op: 'POST /api/v1/demo/login', path: '/api/v1/demo/login', as: 'none', status: 200, body: { userId: ADA } },
  { op: 'POST /api/v1/demo/login', path: '/api/v1/demo/login', as: 'none', status: 400, body: {} },

  { op: 'GET /api/v1/fields', path: '/api/v1/fields', as: 'admin', status: 200 },
  { op: 'GET /api/v1/fields', path: '/api/v1/fields?limit=many', as: 'admin', status: 400 },
  { op: 'GET /api/v1/fields/{key}', path: '/api/v1/fields/user.name', as: 'admin', status: 200 },
  { op: 'GET /api/v1/fields/{key}', path: '/api/v1/fields/user.nope', as: 'admin', status: 404 },
  { op: 'POST /api/v1/fields', path: '/api/v1/fields', as: 'admin', status: 201, body: { key: 'user.phone', name: 'Phone', sensitivity: 'personal', paths: ['phone'] } },
  { op: 'POST /api/v1/fields', path: '/api/v1/fields', as: 'admin', status: 409, body: { key: 'user.phone', name: 'Phone', sensitivity: 'personal', paths: ['phone'] } },
  { op: 'POST /api/v1/fields', path: '/api/v1/fields', as: 'admin', status: 400, body: { key: 'User Phone', name: 'Phone', sensitivity: 'secret', paths: [] } },
  { op: 'PATCH /api/v1/fields/{key}', path: '/api/v1/fields/user.phone', as: 'admin', status: 200, body: { name: 'Phone number' } },
  { op: 'DELETE /api/v1/fields/{key}', path: '/api/v1/fields/user.name', as: 'admin', status: 409 },

  { op: 'GET /api/v1/purposes', path: '/api/v1/purposes', as: 'admin', status: 200 },
  { op: 'GET /api/v1/purposes/{key}', path: '/api/v1/purposes/support', as: 'admin', status: 200 },
  { op: 'POST /api/v1/purposes', path: '/api/v1/purposes', as: 'admin', status: 201, body: { key: 'billing', name: 'Billing' } },
  { op: 'PATCH /api/v1/purposes/{key}', path: '/api/v1/purposes/billing', as: 'admin', status: 200, body: { description: 'Invoices' } },
  { op: 'GET /api/v1/subprocessors', path: '/api/v1/subprocessors?region=third-country', as: 'admin', status: 200 },
  { op: 'GET /api/v1/subprocessors/{key}', path: '/api/v1/subprocessors/vendor-b', as: 'admin', status: 200 },
  // A subscription that gets the notice of the next change (webhook 2).
  { op: 'POST /api/v1/webhooks', path: '/api/v1/webhooks', as: 'admin', status: 201, body: { url: 'http://127.0.0.1:9/hook-2' } },
  {
    op: 'POST /api/v1/subprocessors',
    path: '/api/v1/subprocessors',
    as: 'admin',
    status: 201,
    body: { key: 'vendor-e', name: 'Vendor E', url: 'https://vendor-e.example', locations: ['DE'], category: 'payments' },
  },
  { op: 'PATCH /api/v1/subprocessors/{key}', path: '/api/v1/subprocessors/vendor-e', as: 'admin', status: 200, body: { name: 'Vendor E GmbH' } },
  { op: 'GET /api/v1/flows', path: '/api/v1/flows?mode=opt-in', as: 'admin', status: 200 },
  { op: 'GET /api/v1/flows/{key}', path: '/api/v1/flows/vendor-b.product-analytics', as: 'admin', status: 200 },
  {
    op: 'POST /api/v1/flows',
    path: '/api/v1/flows',
    as: 'admin',
    status: 201,
    body: { subprocessor: 'vendor-e', purpose: 'billing', mode: 'required', legalBasis: 'contract', fields: ['user.phone'] },
  },
  {
    op: 'POST /api/v1/flows',
    path: '/api/v1/flows',
    as: 'admin',
    status: 422,
    body: { subprocessor: 'vendor-e', purpose: 'support', mode: 'opt-in', legalBasis: 'contract', fields: ['user.phone'] },
  },
  { op: 'PATCH /api/v1/flows/{key}', path: '/api/v1/flows/vendor-e.billing', as: 'admin', status: 200, body: { fields: ['user.phone', 'user.name'] } },
  // Adding vendor-e made notices: listed, one by one, overridden, delivered to webhook 2, on the page in French.
  { op: 'GET /api/v1/notices', path: '/api/v1/notices', as: 'admin', status: 200 },
  { op: 'GET /api/v1/notices/{id}', path: '/api/v1/notices/1', as: 'admin', status: 200 },
  { op: 'POST /api/v1/notices/{id}/override', path: '/api/v1/notices/1/override', as: 'admin', status: 200, body: { reason: 'needed at once for the audit' } },
  { op: 'POST /api/v1/notices/{id}/override', path: '/api/v1/notices/1/override', as: 'admin', status: 409, body: { reason: 'needed at once for the audit' } },
  { op: 'GET /api/v1/webhooks/{id}/deliveries', path: '/api/v1/webhooks/2/deliveries', as: 'admin', status: 200 },
  { op: 'GET /subprocessors.json', path: '/subprocessors.json?lang=fr', as: 'none', status: 200 },
  { op: 'GET /subprocessors.atom', path: '/subprocessors.atom?lang=fr', as: 'none', status: 200 },
  { op: 'DELETE /api/v1/flows/{key}', path: '/api/v1/flows/vendor-e.billing', as: 'admin', status: 204 },
  { op: 'DELETE /api/v1/subprocessors/{key}', path: '/api/v1/subprocessors/vendor-e', as: 'admin', status: 204 },
  { op: 'DELETE /api/v1/purposes/{key}', path: '/api/v1/purposes/billing', as: 'admin', status: 204 },
  { op: 'DELETE /api/v1/fields/{key}', path: '/api/v1/fields/user.phone', as: 'admin', status: 204 },

  { op: 'POST /api/v1/manifest', path: '/api/v1/manifest?dryRun=true&prune=true', as: 'admin', status: 200, body: aConsentManifest() },
  { op: 'POST /api/v1/manifest', path: '/api/v1/manifest?prune=true', as: 'admin', status: 201, yaml: stringify(aConsentManifest()) },
  { op: 'POST /api/v1/manifest', path: '/api/v1/manifest', as: 'admin', status: 400, body: { version: 1, flows: 'none' } },
  { op: 'POST /api/v1/manifest', path: '/api/v1/manifest?dryRun=maybe', as: 'admin', status: 400, body: aConsentManifest() },
  { op: 'GET /api/v1/manifest', path: '/api/v1/manifest', as: 'admin', status: 200 },
  { op: 'GET /api/v1/manifest', path: '/api/v1/manifest?format=json', as: 'admin', status: 200 },
  { op: 'GET /api/v1/manifest', path: '/api/v1/manifest?format=xml', as: 'admin', status: 400 },

  { op: 'GET /api/v1/me', path: '/api/v1/me', as: 'user', status: 200, headers: { 'Sec-GPC': '1' } },
  { op: 'GET /api/v1/me', path: '/api/v1/me', as: 'admin', status: 403 },
  { op: 'GET /api/v1/me/preferences', path: '/api/v1/me/preferences', as: 'user', status: 200 },
  { op: 'PUT /api/v1/me/preferences/{flowKey}', path: '/api/v1/me/preferences/vendor-b.product-analytics', as: 'user', status: 200, body: { granted: true }, headers: { 'Idempotency-Key': 'k-1' } },
  { op: 'PUT /api/v1/me/preferences/{flowKey}', path: '/api/v1/me/preferences/vendor-b.product-analytics', as: 'user', status: 422, body: { granted: false }, headers: { 'Idempotency-Key': 'k-1' } },
  { op: 'PUT /api/v1/me/preferences/{flowKey}', path: '/api/v1/me/preferences/vendor-a.email-delivery', as: 'user', status: 409, body: { granted: false } },
  { op: 'PUT /api/v1/me/preferences/{flowKey}', path: '/api/v1/me/preferences/vendor-z.support', as: 'user', status: 404, body: { granted: false } },
  { op: 'PUT /api/v1/me/preferences/{flowKey}', path: '/api/v1/me/preferences/vendor-c.support', as: 'user', status: 400, body: { granted: 'no' } },
  { op: 'PUT /api/v1/me/preferences', path: '/api/v1/me/preferences', as: 'user', status: 200, body: { changes: [{ flowKey: 'vendor-c.support', granted: false }] } },
  { op: 'GET /api/v1/me/history', path: '/api/v1/me/history?limit=1', as: 'user', status: 200 },
  { op: 'GET /api/v1/me/receipt', path: '/api/v1/me/receipt', as: 'user', status: 200 },
  { op: 'GET /api/v1/me/receipt', path: '/api/v1/me/receipt?format=jwt', as: 'user', status: 200 },
  { op: 'GET /api/v1/me/graph', path: '/api/v1/me/graph', as: 'user', status: 200 },

  { op: 'GET /api/v1/users/{userId}/consents', path: `/api/v1/users/${ADA}/consents`, as: 'service', status: 200 },
  { op: 'GET /api/v1/users/{userId}/consents', path: `/api/v1/users/${ADA}/consents`, as: 'none', status: 401 },
  { op: 'GET /api/v1/users/{userId}/preferences', path: `/api/v1/users/${ADA}/preferences`, as: 'admin', status: 200 },
  {
    op: 'PUT /api/v1/users/{userId}/preferences',
    path: `/api/v1/users/${ADA}/preferences`,
    as: 'service',
    status: 200,
    body: { changes: [{ flowKey: 'vendor-d.marketing', granted: true }], source: 'api' },
  },
  { op: 'GET /api/v1/users/{userId}/history', path: `/api/v1/users/${ADA}/history`, as: 'admin', status: 200 },
  { op: 'GET /api/v1/users/{userId}/history', path: '/api/v1/users/not%20an%20id/history', as: 'admin', status: 400 },
  { op: 'GET /api/v1/users/{userId}/verify', path: `/api/v1/users/${ADA}/verify`, as: 'admin', status: 200 },
  { op: 'GET /api/v1/map/history', path: '/api/v1/map/history?limit=2', as: 'admin', status: 200 },
  { op: 'GET /api/v1/map/history', path: '/api/v1/map/history?limit=0', as: 'admin', status: 400 },
  { op: 'GET /api/v1/receipts/keys', path: '/api/v1/receipts/keys', as: 'none', status: 200 },

  { op: 'POST /api/v1/decisions', path: '/api/v1/decisions', as: 'service', status: 200, body: { userId: ADA, subprocessor: 'vendor-c', fields: ['user.name'] } },
  { op: 'POST /api/v1/decisions', path: '/api/v1/decisions', as: 'service', status: 400, body: { userId: ADA } },
  { op: 'POST /api/v1/decisions/batch', path: '/api/v1/decisions/batch', as: 'admin', status: 200, body: { requests: [{ userId: ADA, subprocessor: 'vendor-b' }] } },
  { op: 'GET /api/v1/policy', path: '/api/v1/policy', as: 'service', status: 200 },
  { op: 'GET /api/v1/policy', path: '/api/v1/policy', as: 'service', status: 304, headers: { 'If-None-Match': 'ETAG' } },
  { op: 'GET /api/v1/changes', path: '/api/v1/changes', as: 'service', status: 200 },
  { op: 'GET /api/v1/changes', path: '/api/v1/changes?lastEventId=soon', as: 'service', status: 400 },
  { op: 'GET /api/v1/graph/catalog', path: '/api/v1/graph/catalog', as: 'admin', status: 200 },
  { op: 'GET /api/v1/graph', path: '/api/v1/graph?excluded=true&purposes=true', as: 'admin', status: 200 },
  { op: 'GET /api/v1/graph', path: '/api/v1/graph?mode=sometimes', as: 'admin', status: 400 },
  { op: 'POST /api/v1/audit/events', path: '/api/v1/audit/events', as: 'service', status: 202, body: { service: 'checkout', events: [auditEvent()] } },
  { op: 'POST /api/v1/audit/events', path: '/api/v1/audit/events', as: 'admin', status: 403, body: { service: 'checkout', events: [auditEvent()] } },
  { op: 'GET /api/v1/audit/summary', path: '/api/v1/audit/summary', as: 'admin', status: 200 },
  { op: 'GET /api/v1/audit/drift', path: '/api/v1/audit/drift?limit=0', as: 'admin', status: 400 },
  { op: 'GET /api/v1/audit/drift', path: '/api/v1/audit/drift', as: 'admin', status: 200 },
];

describe('the OpenAPI document', () => {
  let t: ConsentTestApp;
  let doc: Document;
  let ajv: Ajv;
  let etag = '';
  const validators = new Map<string, ValidateFunction>();

  beforeAll(async () => {
    // A notice window, so the notice of adding vendor-e can be overridden.
    t = await startConsentApp(undefined, { FLOWGATE_NOTICE_WINDOW_DAYS: '30' });
    doc = (await t.http().get('/api/docs-json').expect(200)).body as Document;
    ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  });
  afterAll(() => t.close());

  const operation = (op: string): Operation => {
    const [method, path] = op.split(' ');
    const found = doc.paths[path]?.[method.toLowerCase() as Method];
    if (!found) throw new Error(`${op} is not in the document`);
    return found;
  };

  const validator = (schema: object): ValidateFunction => {
    const key = JSON.stringify(schema);
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi.json#/components/')) as object);
      validators.set(key, v);
    }
    return v;
  };

  const auth = (who: Who): string | undefined =>
    who === 'admin' ? t.admin : who === 'service' ? t.service : who === 'user' ? t.user(ADA) : undefined;

  it('documents every route it serves, each with a summary, and no header twice', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(new Set(CASES.map((c) => c.op))).toEqual(new Set(documented));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const op of Object.values(item) as Array<Operation & { summary?: string; parameters?: Array<{ in: string; name: string; required?: boolean }> }>) {
        expect({ path, summary: op.summary }).toEqual({ path, summary: expect.any(String) });
        const headers = (op.parameters ?? []).filter((p) => p.in === 'header');
        expect(new Set(headers.map((h) => h.name.toLowerCase())).size).toBe(headers.length);
        for (const h of headers) expect({ path, header: h.name, required: h.required }).toEqual({ path, header: h.name, required: false });
      }
    }
  });

  it('takes the manifest as JSON and as YAML', () => {
    const body = (operation('POST /api/v1/manifest') as Operation & { requestBody: { content: Record<string, unknown> } }).requestBody;
    expect(Object.keys(body.content)).toEqual(expect.arrayContaining(['application/json', 'application/yaml']));
  });

  it.each(CASES.map((c, i) => [`${c.op} → ${c.status} (${c.as}) #${i}`, c] as const))(
    'answers %s as documented',
    async (_name, c) => {
      const op = operation(c.op);
      const documented = op.responses[String(c.status)];
      expect({ status: c.status, documented: documented !== undefined }).toEqual({ status: c.status, documented: true });
      if (c.op === 'GET /api/v1/changes' && c.status === 200) {
        expect(await openStream(t, c.path, auth(c.as)!)).toEqual({ status: 200, type: 'text/event-stream' });
        return;
      }
      const method = c.op.split(' ')[0].toLowerCase() as Method;
      let req = t.http()[method](c.path);
      const bearer = auth(c.as);
      if (bearer) req = req.set('Authorization', bearer);
      for (const [name, value] of Object.entries(c.headers ?? {})) req = req.set(name, value === 'ETAG' ? etag : value);
      if (c.yaml !== undefined) req = req.set('Content-Type', 'application/yaml').send(c.yaml);
      else if (c.body !== undefined) req = req.send(c.body as object);
      const res = await req;
      if (c.op === 'GET /api/v1/policy' && res.status === 200) etag = res.headers.etag as string;
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: c.status });

      if (c.status === 204 || c.status === 304) {
        expect(res.text ?? '').toBe('');
        return;
      }
      const type = String(res.headers['content-type']).split(';')[0];
      const content = documented.content?.[type];
      expect({ type, documentedTypes: Object.keys(documented.content ?? {}) }).toEqual({
        type,
        documentedTypes: expect.arrayContaining([type]),
      });
      if (type !== 'application/json') return;
      const body: unknown = JSON.parse(res.text);
      const validate = validator(content!.schema!);
      expect({ valid: validate(body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
      if (c.status >= 400) {
        // One error shape: details, when there, are problems with a path.
        const details = (body as { details?: unknown }).details;
        if (details !== undefined) expect(Array.isArray(details) && details.length > 0).toBe(true);
      }
    },
  );
});

/** Opens the change feed, reads the status and content type, and hangs up. */
function openStream(t: ConsentTestApp, path: string, bearer: string): Promise<{ status: number; type: string }> {
  const server = t.app.getHttpServer();
  const port = (server.address() as AddressInfo | null)?.port;
  return new Promise((resolve, reject) => {
    const start = (p: number) => {
      const req = httpGet({ host: '127.0.0.1', port: p, path, headers: { Authorization: bearer } }, (res) => {
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']).split(';')[0] });
        res.destroy();
        req.destroy();
      });
      req.on('error', reject);
    };
    if (port) start(port);
    else server.listen(0, '127.0.0.1', () => start((server.address() as AddressInfo).port));
  });
}
