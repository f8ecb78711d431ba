import axios from 'axios';
import { createGuard, isFlowgateError, staticSource, type ConsentDeniedError, type Guard } from '@flowgate/sdk';
import { flowgateAxios } from '@flowgate/sdk/axios';
import { buildVendorMap, matrixConsents, USERS } from './factories/vendor-map.factory';
import { startVendorServer, type VendorServer } from './support/vendor-server';

let vendor: VendorServer;
let enforce: Guard;
let redact: Guard;
beforeAll(async () => {
  vendor = await startVendorServer();
  enforce = createGuard({ source: staticSource({ map: buildVendorMap(), consents: matrixConsents() }) });
  redact = enforce.extend({ mode: 'redact' });
});
afterAll(() => vendor.close());
beforeEach(() => vendor.reset());

const toA = { userId: USERS['no choice'], subprocessor: 'vendor-a', purpose: 'email-delivery' };
const toC = { userId: USERS['no choice'], subprocessor: 'vendor-c', purpose: 'support' };
const pairs = (text: string) => [...new URLSearchParams(text)];
const denial = async (p: Promise<unknown>) => {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!isFlowgateError(error)) throw new Error(`expected a denial, got ${String(error)}`);
  return (error as ConsentDeniedError).decision.blocked.map((b) => `${b.field}:${b.reason}`);
};

describe('guard.fetch reads query strings and bodies', () => {
  it('denies a GET whose query string carries data the user did not opt in to', async () => {
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-c/track?email=ada%40example.com`, undefined, toC))).toEqual(['user.contact.email:not-opted-in']);
    expect(vendor.count()).toBe(0);
  });

  it('decides every URL string by its own text, sent once or many times, past the parsed-URL memo', async () => {
    // Credentials in the URL: never sent, the first time or again.
    const withCredentials = vendor.url.replace('http://', 'http://ada:secret@');
    for (let i = 0; i < 2; i++) {
      const error = await enforce.fetch(`${withCredentials}/vendor-a`, undefined, toA).catch((e: unknown) => e);
      expect(isFlowgateError(error) && error.code).toBe('UNREADABLE_REQUEST');
    }
    // More distinct URLs than the memo holds, each denied on its own query string...
    for (let i = 0; i < 600; i++) {
      expect(await denial(enforce.fetch(`${vendor.url}/vendor-c/track?n=${i}&email=u${i}%40example.com`, undefined, toC))).toContain('user.contact.email:not-opted-in');
    }
    // ...and the same string again: sent while it carries nothing personal, refused when it does.
    for (let i = 0; i < 3; i++) await enforce.fetch(`${vendor.url}/vendor-a/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@example.com"}' }, toA);
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-c/track?email=u0%40example.com`, undefined, toC))).toEqual(['user.contact.email:not-opted-in']);
    expect(vendor.count()).toBe(3);
    expect(vendor.received.map((r) => r.path)).toEqual(['/vendor-a/send', '/vendor-a/send', '/vendor-a/send']);
  });

  it('refuses a header value fetch cannot send (not a ByteString) before deciding, as the Request path does', async () => {
    const error = await enforce.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: { 'x-note': '\u0130' }, body: '{}' }, toA).catch((e: unknown) => e);
    expect(isFlowgateError(error) && error.code).toBe('UNREADABLE_REQUEST');
    expect(vendor.count()).toBe(0);
  });

  it('redacts the query string, keeping the other parameters as sent', async () => {
    await redact.fetch(`${vendor.url}/vendor-a/send?email=ada%40example.com&card=4242&customer[name]=Ada`, undefined, toA);
    expect(pairs(vendor.received[0].query)).toEqual([
      ['email', 'ada@example.com'],
      ['customer[name]', 'Ada'],
    ]);
  });

  it('redacts a URL-encoded body (string or URLSearchParams), bracket keys included', async () => {
    const form = 'customer[email]=ada%40example.com&customer[card]=4242&name=Ada';
    await redact.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, toA);
    await redact.fetch(`${vendor.url}/vendor-a`, { method: 'POST', body: new URLSearchParams(form) }, toA);
    for (const r of vendor.received) {
      expect(pairs(r.body)).toEqual([
        ['customer[email]', 'ada@example.com'],
        ['name', 'Ada'],
      ]);
    }
  });

  it('drops a stale Content-Length when it rewrites a JSON body', async () => {
    const body = JSON.stringify({ email: 'ada@example.com', card: '4242' });
    await redact.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body }, toA);
    expect(vendor.lastJson()).toEqual({ email: 'ada@example.com' });
  });

  it('reads a Request object as input', async () => {
    const request = new Request(`${vendor.url}/vendor-a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com', card: '4242' }) });
    expect(await denial(enforce.fetch(request, undefined, toA))).toEqual(['user.payment.card:excluded']);
    await redact.fetch(request, undefined, toA);
    expect(vendor.lastJson()).toEqual({ email: 'ada@example.com' });
  });

  it('blocks a body it cannot read unless the call says what it carries', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'ada@example.com' };
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-a`, init, toA))).toEqual(['(body):undeclared']);
    expect(vendor.count()).toBe(0);
    await enforce.fetch(`${vendor.url}/vendor-a`, init, { ...toA, fields: ['user.contact.email'] });
    expect(vendor.received[0].body).toBe('ada@example.com');
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-a`, init, { ...toA, fields: ['user.payment.card'] }))).toEqual(['user.payment.card:excluded']);
  });

  it('reads the text parts of multipart form data and treats files as opaque', async () => {
    const form = new FormData();
    form.append('email', 'ada@example.com');
    form.append('card', '4242');
    await redact.fetch(`${vendor.url}/vendor-a`, { method: 'POST', body: form }, toA);
    expect(vendor.received[0].body).toContain('name="email"');
    expect(vendor.received[0].body).not.toContain('name="card"');
    form.delete('card');
    form.append('attachment', new Blob(['%PDF-1.7']), 'invoice.pdf');
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-a`, { method: 'POST', body: form }, toA))).toEqual(['(body:attachment):undeclared']);
  });

  it('decides on headers that look personal: undeclared ones are blocked or stripped, declared ones go, plumbing is left alone', async () => {
    // (plumbing is exempt from the name rule only: `x-api-key: key-ada@example.com` would be an email)
    const plumbing = {
      authorization: 'Bearer sk_live_0123456789',
      'x-api-key': 'key-0123456789abcdef',
      'x-trace-id': '0af7651916cd43dd8448eb211c80319c',
      'content-type': 'application/json',
    };
    const body = '{"email":"ada@example.com"}';
    // X-User-Email looks personal by its name, X-Forwarded-For by its value (an IP); only the
    // first is declared (headers.x-user-email is a path of user.contact.email, which vendor-a gets).
    const leaky = { ...plumbing, 'X-User-Email': 'ada@example.com', 'X-Forwarded-For': '203.0.113.7' };
    expect(await denial(enforce.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: leaky, body }, toA))).toEqual(['headers.x-forwarded-for:undeclared']);
    expect(vendor.count()).toBe(0);

    await redact.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: new Headers(leaky), body }, toA);
    const [stripped] = vendor.received;
    expect(stripped.headers['x-forwarded-for']).toBeUndefined();
    // headers.x-user-email is one of user.contact.email's paths, which vendor-a receives.
    expect(stripped.headers['x-user-email']).toBe('ada@example.com');
    expect(stripped.headers).toMatchObject({ authorization: plumbing.authorization, 'x-api-key': plumbing['x-api-key'], 'x-trace-id': plumbing['x-trace-id'] });
    expect(JSON.parse(stripped.body)).toEqual({ email: 'ada@example.com' });

    await enforce.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: Object.entries({ ...plumbing, 'x-user-email': 'ada@example.com' }), body }, toA);
    expect(vendor.received[1].headers['x-user-email']).toBe('ada@example.com');
  });

  it('hands an allowed call to fetch in the same tick, and reports every failure as a rejection', async () => {
    const realFetch = globalThis.fetch;
    const handed: string[] = [];
    let returned: Promise<Response> | undefined;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      handed.push(String(input));
      return (returned = realFetch(input, init));
    }) as typeof fetch;
    try {
      const allowed = enforce.fetch(`${vendor.url}/vendor-a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@example.com"}' }, toA);
      expect(handed).toEqual([`${vendor.url}/vendor-a`]);
      expect(allowed).toBe(returned);
      expect((await allowed).status).toBe(200);
      const failures = [
        enforce.fetch(`${vendor.url}/vendor-a`, undefined, undefined as never),
        enforce.fetch(`${vendor.url}/vendor-a`, undefined, { ...toA, userId: '' }),
        enforce.fetch(`${vendor.url}/vendor-a?card=4242`, undefined, toA),
      ];
      for (const failure of failures) expect(failure).toBeInstanceOf(Promise);
      const codes = await Promise.all(failures.map((f) => f.then(() => null, (e: unknown) => (isFlowgateError(e) ? e.code : e))));
      expect(codes).toEqual(['INVALID_OPTIONS', 'NO_USER_CONTEXT', 'CONSENT_DENIED']);
      expect(handed).toHaveLength(1);
      expect(vendor.count()).toBe(1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

describe('flowgateAxios reads params, the URL query and the body', () => {
  const client = axios.create();
  const strict = axios.create();
  beforeAll(() => {
    client.interceptors.request.use(flowgateAxios(redact));
    strict.interceptors.request.use(flowgateAxios(enforce));
  });

  it('redacts params, the URL query and a JSON body', async () => {
    await client.post(`${vendor.url}/vendor-a/send?card=4242&name=Ada`, { email: 'ada@example.com', customer: { card: '4242' } }, { params: { email: 'ada@example.com', card: '4242' }, flowgate: toA });
    const [r] = vendor.received;
    expect(pairs(r.query).sort()).toEqual([
      ['email', 'ada@example.com'],
      ['name', 'Ada'],
    ]);
    expect(JSON.parse(r.body)).toEqual({ email: 'ada@example.com', customer: {} });
  });

  it('blocks or strips undeclared personal headers, instance defaults included', async () => {
    const leaky = axios.create({ headers: { common: { 'X-Customer-Phone': '+44 20 7946 0958' } } });
    leaky.interceptors.request.use(flowgateAxios(enforce));
    const error = await leaky.post(`${vendor.url}/vendor-a`, { email: 'ada@example.com' }, { flowgate: toA }).catch((e: unknown) => e);
    expect(isFlowgateError(error) && (error as ConsentDeniedError).decision.blocked.map((b) => `${b.field}:${b.reason}`)).toEqual(['headers.x-customer-phone:undeclared']);
    expect(vendor.count()).toBe(0);

    await client.post(`${vendor.url}/vendor-a`, { email: 'ada@example.com' }, { headers: { 'X-Real-IP': '203.0.113.7', 'X-User-Email': 'ada@example.com' }, flowgate: toA });
    await client.post(`${vendor.url}/vendor-a`, { email: 'ada@example.com' }, { flowgate: toA });
    const [first, second] = vendor.received;
    expect(first.headers['x-real-ip']).toBeUndefined();
    expect(first.headers['x-user-email']).toBe('ada@example.com');
    expect(second.headers['x-real-ip']).toBeUndefined();
  });

  it('redacts a URL-encoded string body', async () => {
    await client.post(`${vendor.url}/vendor-a`, 'email=ada%40example.com&card=4242', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, flowgate: toA });
    expect(pairs(vendor.received[0].body)).toEqual([['email', 'ada@example.com']]);
  });

  it('denies requests without config.flowgate unless told to let them pass', async () => {
    const error = await strict.get(`${vendor.url}/vendor-a`).catch((e: unknown) => e);
    expect(isFlowgateError(error) && error.code).toBe('UNMARKED_CALL');
    expect(vendor.count()).toBe(0);
    const lenient = axios.create();
    lenient.interceptors.request.use(flowgateAxios(enforce, { unmarked: 'pass' }));
    await lenient.get(`${vendor.url}/health`);
    expect(vendor.count()).toBe(1);
  });

  it('merges instance defaults with per-request flowgate settings', async () => {
    const vendorA = axios.create({ baseURL: vendor.url, flowgate: { subprocessor: 'vendor-a', purpose: 'email-delivery' } });
    vendorA.interceptors.request.use(flowgateAxios(enforce));
    await vendorA.post('/vendor-a', { email: 'ada@example.com' }, { flowgate: { userId: USERS['no choice'] } });
    expect(vendor.count()).toBe(1);
  });
});
