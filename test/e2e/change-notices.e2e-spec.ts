import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Manifest } from '../../src/data-map/manifest/manifest.types';
import { ConsentDeniedError, createGuard, remoteSource, type Guard } from '@flowgate/sdk';
import { aConsentManifest } from '../factories/consent-app.factory';
import { aField, aFlow, aSubprocessor } from '../factories/manifest.factory';
import { startFlowgateServer, type FlowgateServer } from '../sdk/support/flowgate-server';
import { checkAtom } from '../support/atom';

const DAY = 24 * 60 * 60 * 1000;
const SECRET = 'whsec-test-0123456789abcdef';

/** A loopback receiver that answers 500 to the first delivery and 200 afterwards. */
interface Received {
  body: string;
  signature: string;
  at: number;
}

async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['flowgate-signature']), at: Date.now() });
      res.statusCode = received.length === 1 ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/flowgate`, received };
}

/** What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time. */
function verify(secret: string, body: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function eventually<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The base map plus a new subprocessor, a field added to vendor-a's flow, and vendor-c moved. */
function changed(): Manifest {
  const m = aConsentManifest({ organization: { name: 'Example Org', objectionContact: 'privacy@example.com' } });
  m.fields.push(aField({ key: 'user.contact.phone', name: 'Phone number', paths: ['phone'] }));
  m.subprocessors.push(aSubprocessor({ key: 'vendor-e', name: 'Vendor E', url: 'https://vendor-e.example', locations: ['US'], category: 'ai' }));
  m.subprocessors = m.subprocessors.map((s) => (s.key === 'vendor-c' ? { ...s, locations: ['US'] } : s));
  m.flows.push(aFlow({ subprocessor: 'vendor-e', purpose: 'support', mode: 'required', legalBasis: 'contract', fields: ['user.contact.email'] }));
  m.flows[0] = { ...m.flows[0], fields: ['user.contact.email', 'user.name', 'user.contact.phone'] };
  return m;
}

describe('Change notices (e2e)', () => {
  let server: FlowgateServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let imported: number;
  const guards: Guard[] = [];

  beforeAll(async () => {
    server = await startFlowgateServer(aConsentManifest({ organization: { name: 'Example Org', objectionContact: 'privacy@example.com' } }), {
      FLOWGATE_NOTICE_WINDOW_DAYS: '30',
      FLOWGATE_PUBLIC_URL: 'https://privacy.example.com',
    });
    receiver = await startReceiver();
    await server.http().post('/api/v1/webhooks').set('Authorization', server.admin).send({ url: receiver.url, secret: SECRET }).expect(201);
    imported = Date.now();
    await server.http().post('/api/v1/manifest').set('Authorization', server.admin).send(changed()).expect(201);
  });
  afterAll(async () => {
    for (const g of guards) await g.close();
    await server.close();
    await new Promise((r) => receiver.server.close(r));
  });

  it('records one dated notice naming each change, effective 30 days later', async () => {
    const { body } = await server.http().get('/api/v1/notices').set('Authorization', server.admin).expect(200);
    expect(body).toHaveLength(1);
    const [notice] = body as Array<{ kinds: string[]; changes: string[]; noticeDate: string; effectiveDate: string; objection: string }>;
    expect(notice.kinds.sort()).toEqual(['added-field', 'added-subprocessor', 'changed-location']);
    expect(notice.changes).toEqual(
      expect.arrayContaining([
        'Vendor E is added as a subprocessor.',
        'Vendor E receives Email address for Email delivery.'.replace('Email delivery', 'Customer support'),
        'Vendor A now also receives Phone number for Email delivery.',
        'Vendor C now processes data in US (before: IE, FR).',
      ]),
    );
    const noticeAt = Date.parse(notice.noticeDate);
    expect(noticeAt).toBeGreaterThanOrEqual(imported - 1000);
    expect(Date.parse(notice.effectiveDate) - noticeAt).toBe(30 * DAY);
    expect(notice.objection).toBe(`To object, contact privacy@example.com before ${notice.effectiveDate.slice(0, 10)}.`);
  });

  it('lists the notice on the page and in an Atom feed that validates', async () => {
    const page = await server.http().get('/subprocessors').expect(200);
    expect(page.text).toContain('Changes to this list');
    expect(page.text).toContain('Vendor E is added as a subprocessor.');
    const atom = await server.http().get('/subprocessors.atom').expect(200);
    const { problems, entries } = checkAtom(atom.text);
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(1);
    expect((entries[0].summary as Record<string, string>)['#text']).toContain('To object, contact privacy@example.com');
    // The checker itself rejects what is not Atom.
    expect(checkAtom(atom.text.replace(/<updated>[^<]*<\/updated>/, '')).problems).toEqual(['feed must have exactly one updated']);
    expect(checkAtom('<feed><id>x</id>').problems[0]).toMatch(/not well-formed/);
  });

  it('writes the notice in the language of the page, the JSON and the feed', async () => {
    const de = await server.http().get('/subprocessors?lang=de').expect(200);
    expect(de.text).toContain('<li>Vendor E kommt als Unterauftragsverarbeiter hinzu.</li>');
    expect(de.text).toContain('<li>Vendor A erhält zusätzlich Phone number für Email delivery.</li>');
    expect(de.text).toContain('Verarbeitungsort von Vendor C jetzt: US (vorher: IE, FR).');
    expect(de.text).not.toContain('is added as a subprocessor');
    expect(de.text).not.toContain('lang="en"');
    const fr = await server.http().get('/subprocessors.json?lang=fr').expect(200);
    const [notice] = (fr.body as { notices: Array<Record<string, unknown>> }).notices;
    expect(notice.changes).toEqual(expect.arrayContaining(['Vendor E est ajouté comme sous-traitant ultérieur.']));
    expect(notice).not.toHaveProperty('facts');
    expect(notice).not.toHaveProperty('changesLanguage');
    const atom = await server.http().get('/subprocessors.atom?lang=fr').expect(200);
    expect(atom.text).toContain('Vendor E est ajouté comme sous-traitant ultérieur.');
    // The admin API and the webhooks keep the English sentences.
    const { body } = await server.http().get('/api/v1/notices').set('Authorization', server.admin).expect(200);
    expect((body as Array<{ changes: string[] }>)[0].changes).toContain('Vendor E is added as a subprocessor.');
    expect((body as Array<Record<string, unknown>>)[0]).not.toHaveProperty('facts');
  });

  it('denies the new flow and the new field with not-yet-effective; what was in effect still goes', async () => {
    const decide = (body: object) => server.http().post('/api/v1/decisions').set('Authorization', server.service).send({ userId: 'ada@example.com', ...body }).expect(200);
    expect((await decide({ subprocessor: 'vendor-e', fields: ['user.contact.email'] })).body).toMatchObject({ allow: false, reason: 'not-yet-effective' });
    expect((await decide({ subprocessor: 'vendor-a', fields: ['user.contact.email', 'user.contact.phone'] })).body).toMatchObject({
      allow: false,
      allowedFields: ['user.contact.email'],
      blocked: [{ field: 'user.contact.phone', reason: 'not-yet-effective' }],
    });
  });

  it('a guard denies the new flow until its clock passes the effective date, then allows it', async () => {
    const { body } = await server.http().get('/api/v1/notices').set('Authorization', server.admin).expect(200);
    const effective = Date.parse((body as Array<{ effectiveDate: string }>)[0].effectiveDate);
    let now = effective - 1;
    const guard = createGuard({ source: remoteSource({ baseUrl: server.url, token: server.serviceToken }), clock: () => now });
    guards.push(guard);
    await guard.ready();
    const send = guard.wrap({ subprocessor: 'vendor-e' }, async (payload: { email: string }) => payload, { userId: 'ada@example.com' });
    const call = () => send({ email: 'ada@example.com' });
    const denied = await call().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ConsentDeniedError);
    expect((denied as ConsentDeniedError).decision).toMatchObject({ reason: 'not-yet-effective' });
    now = effective;
    await expect(call()).resolves.toEqual({ email: 'ada@example.com' });
  });

  it('sends the signed notice to the subscribed webhook, retrying after a failure, and logs each delivery', async () => {
    const got = await eventually(() => receiver.received, (r) => r.length >= 2);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(900); // the first retry waits 1 s
    for (const r of got) expect(verify(SECRET, r.body, r.signature)).toBe(true);
    expect(verify('another-secret-0123456789', got[1].body, got[1].signature)).toBe(false);
    expect(verify(SECRET, got[1].body.replace('Vendor E', 'Vendor X'), got[1].signature)).toBe(false);
    const payload = JSON.parse(got[1].body) as { type: string; notice: { changes: string[] } };
    expect(payload.type).toBe('notice.created');
    expect(payload.notice.changes).toContain('Vendor E is added as a subprocessor.');
    const hooks = await server.http().get('/api/v1/webhooks').set('Authorization', server.admin).expect(200);
    const log = await eventually(
      async () => (await server.http().get(`/api/v1/webhooks/${hooks.body[0].id}/deliveries`).set('Authorization', server.admin)).body as Array<Record<string, unknown>>,
      (l) => l[0]?.status === 'delivered',
    );
    expect(log).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, lastStatus: 200, lastError: null })]);
  });

  it('an emergency override needs a reason, is recorded on the notice, and makes the change effective at once', async () => {
    const { body } = await server.http().get('/api/v1/notices').set('Authorization', server.admin).expect(200);
    const id = (body as Array<{ id: number }>)[0].id;
    const bad = await server.http().post(`/api/v1/notices/${id}/override`).set('Authorization', server.admin).send({ reason: 'now' }).expect(400);
    expect(bad.body.details).toEqual([{ path: 'reason', message: 'must say why, in 10 to 2000 characters' }]);
    await server.http().post('/api/v1/notices/999/override').set('Authorization', server.admin).send({ reason: 'Outage of the old vendor' }).expect(404);
    const done = await server.http().post(`/api/v1/notices/${id}/override`).set('Authorization', server.admin).send({ reason: 'Outage of the old vendor: moving support now' }).expect(200);
    expect(done.body.override).toMatchObject({ reason: 'Outage of the old vendor: moving support now' });
    await server.http().post(`/api/v1/notices/${id}/override`).set('Authorization', server.admin).send({ reason: 'Outage of the old vendor' }).expect(409);
    const decision = await server.http().post('/api/v1/decisions').set('Authorization', server.service).send({ userId: 'ada@example.com', subprocessor: 'vendor-e', fields: ['user.contact.email'] }).expect(200);
    expect(decision.body).toMatchObject({ allow: true });
    const page = await server.http().get('/subprocessors').expect(200);
    expect(page.text).toContain('Outage of the old vendor: moving support now');
  });

  it('needs no token for the public page but the admin token for notices and webhooks', async () => {
    await server.http().get('/api/v1/notices').expect(401);
    await server.http().post('/api/v1/webhooks').send({ url: receiver.url }).expect(401);
    const bad = await server.http().post('/api/v1/webhooks').set('Authorization', server.admin).send({ url: 'ftp://example.com/x' }).expect(400);
    expect(bad.body.details).toEqual([{ path: 'url', message: 'must be an http(s) URL of at most 500 characters' }]);
  });
});
