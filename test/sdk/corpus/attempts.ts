import axios from 'axios';
import type { Guard } from '@flowgate/sdk';
import { flowgateAxios } from '@flowgate/sdk/axios';
import { LOGROCKET, SECRET } from './leak-map';

/**
 * The adversarial corpus: ways a caller (or a library between the caller and the wire) can
 * put Bob's email, which LogRocket must not get, into a call to LogRocket. Every attempt
 * runs in enforce and in redact mode, for Bob (flow allowed, email excluded) and for Ada
 * (opted out), against a raw-TCP vendor that records every byte. Controls carry nothing
 * personal and must arrive.
 */
export interface AttemptContext {
  /** The guard under test (consents cached). */
  readonly guard: Guard;
  /** The same mode over a source that never has the user's consents cached (each call waits). */
  readonly lazy: Guard;
  readonly vendor: string;
  /** The NestJS host app whose @VendorCall method posts its payload to the vendor. */
  readonly nest: string;
  readonly userId: string;
}

export interface Attempt {
  readonly id: string;
  readonly via: 'fetch' | 'wrap' | 'axios' | '@VendorCall';
  /** A call with nothing personal: it must be sent (for Bob) and arrive intact. */
  readonly control?: boolean;
  run(ctx: AttemptContext): Promise<unknown>;
}

const enc = encodeURIComponent;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const json = { 'content-type': 'application/json' };
const target = (ctx: AttemptContext) => ({ userId: ctx.userId, ...LOGROCKET });

function post(ctx: AttemptContext, body: unknown, path = '/ingest'): Promise<unknown> {
  return ctx.guard.fetch(`${ctx.vendor}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) }, target(ctx));
}

// ── guard.fetch ──────────────────────────────────────────────────────────────────────────
const fetchAttempts: Attempt[] = (<Omit<Attempt, 'via'>[]>[
  { id: 'control: JSON body', control: true, run: (ctx) => post(ctx, { userId: 'u-1', event: 'view' }) },
  { id: 'control: query and path', control: true, run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/u/u-1/events?event=view`, undefined, target(ctx)) },
  { id: 'excluded field in a JSON body', run: (ctx) => post(ctx, { userId: 'u-1', email: SECRET }) },
  { id: 'excluded field nested in user', run: (ctx) => post(ctx, { user: { id: 'u-1', email: SECRET } }) },
  { id: 'object under a declared leaf', run: (ctx) => post(ctx, { recording: { user: { email: SECRET } } }) },
  { id: 'array of objects under a declared leaf', run: (ctx) => post(ctx, { recording: [{ who: SECRET }] }) },
  { id: 'email in a free-text field', run: (ctx) => post(ctx, { note: `contact ${SECRET} please` }) },
  { id: 'email base64 in a free-text field', run: (ctx) => post(ctx, { note: b64(SECRET) }) },
  { id: 'email URL-encoded in a free-text field', run: (ctx) => post(ctx, { note: enc(SECRET) }) },
  { id: 'email in the user id field', run: (ctx) => post(ctx, { userId: SECRET }) },
  { id: 'email in an event name', run: (ctx) => post(ctx, { events: [{ name: 'view' }, { name: SECRET }] }) },
  { id: 'email as a payload key', run: (ctx) => post(ctx, { recipients: { [SECRET]: true } }) },
  { id: 'duplicate JSON key, first value personal', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: `{"userId":"${SECRET}","userId":"u-1"}` }, target(ctx)) },
  { id: 'duplicate JSON key, nested', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: `{"recording":{"a":1},"note":"${SECRET}","note":"x"}` }, target(ctx)) },
  { id: 'JSON with unicode escapes', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: `{"note":"${SECRET.replace('@', '\\u0040')}"}` }, target(ctx)) },
  { id: 'JSON body without a content type', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body: JSON.stringify({ email: SECRET }) }, target(ctx)) },
  { id: 'JSON body as text/plain', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ email: SECRET }) }, target(ctx)) },
  { id: 'Request input, init.body null', run: (ctx) => ctx.guard.fetch(new Request(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: JSON.stringify({ email: SECRET }) }), { body: null }, target(ctx)) },
  { id: 'Request input, init without body', run: (ctx) => ctx.guard.fetch(new Request(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: JSON.stringify({ email: SECRET }) }), { headers: json }, target(ctx)) },
  { id: 'Request input headers, init headers undefined', run: (ctx) => ctx.guard.fetch(new Request(`${ctx.vendor}/ingest`, { headers: { 'x-user-email': SECRET } }), {}, target(ctx)) },
  { id: 'Blob body', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: new Blob([JSON.stringify({ email: SECRET })]) }, target(ctx)) },
  { id: 'Uint8Array body', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: new TextEncoder().encode(JSON.stringify({ email: SECRET })) }, target(ctx)) },
  {
    id: 'ReadableStream body',
    run: (ctx) =>
      ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: new Blob([JSON.stringify({ note: SECRET })]).stream(), duplex: 'half' } as RequestInit, target(ctx)),
  },
  { id: 'headers as a Map', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: new Map([['x-user-email', SECRET]]) as unknown as HeadersInit }, target(ctx)) },
  {
    id: 'headers as a generator',
    run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: (function* () { yield ['x-contact', SECRET]; })() as unknown as HeadersInit }, target(ctx)),
  },
  {
    id: 'headers from another realm (iterable, not Headers)',
    run: (ctx) => {
      const foreign = { *[Symbol.iterator]() { yield ['X-Info', SECRET] as const; } };
      return ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: foreign as unknown as HeadersInit }, target(ctx));
    },
  },
  { id: 'headers as pairs', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: [['X-Ref', SECRET]] }, target(ctx)) },
  { id: 'Authorization: Basic with an email user', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { authorization: `Basic ${b64(`${SECRET}:pw`)}` } }, target(ctx)) },
  { id: 'Cookie carrying an email', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { cookie: `sid=1; u=${enc(SECRET)}` } }, target(ctx)) },
  { id: 'User-Agent carrying an email', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { 'user-agent': `app/1 (${SECRET})` } }, target(ctx)) },
  { id: 'tracestate carrying an email', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { tracestate: `v=${SECRET}` } }, target(ctx)) },
  { id: 'credentials in the URL', run: (ctx) => ctx.guard.fetch(`${ctx.vendor.replace('://', `://${enc(SECRET)}:pw@`)}/ingest`, undefined, target(ctx)) },
  { id: 'query parameter', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest?email=${enc(SECRET)}`, undefined, target(ctx)) },
  { id: 'query subtree event[email]', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest?event[email]=${enc(SECRET)}`, undefined, target(ctx)) },
  { id: 'query key 0', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest?event=view&0=${enc(SECRET)}`, undefined, target(ctx)) },
  { id: 'query key empty', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest?event=view&=${enc(SECRET)}`, undefined, target(ctx)) },
  { id: 'URL path segment', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/u/${SECRET}/track`, undefined, target(ctx)) },
  { id: 'URL path segment, encoded, in a user-id template', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/u/${enc(SECRET)}/events`, undefined, target(ctx)) },
  { id: 'URL path segment, base64', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/s/${b64(SECRET)}`, undefined, target(ctx)) },
  { id: 'form body key 0', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body: new URLSearchParams([['event', 'view'], ['0', SECRET]]) }, target(ctx)) },
  { id: 'form body key empty', run: (ctx) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `event=view&=${enc(SECRET)}` }, target(ctx)) },
  {
    id: 'multipart field',
    run: (ctx) => {
      const form = new FormData();
      form.append('event', 'view');
      form.append('email', SECRET);
      return ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body: form }, target(ctx));
    },
  },
  {
    id: 'multipart file',
    run: (ctx) => {
      const form = new FormData();
      form.append('event', 'view');
      form.append('upload', new Blob([SECRET]), 'a.txt');
      return ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body: form }, target(ctx));
    },
  },
  {
    id: 'URL object mutated after the call (consents not cached)',
    run: (ctx) => {
      const url = new URL(`${ctx.vendor}/ingest?event=view`);
      const sent = ctx.lazy.fetch(url, undefined, target(ctx));
      url.searchParams.set('email', SECRET);
      url.pathname = `/u/${SECRET}`;
      return sent;
    },
  },
  {
    id: 'init.body replaced after the call (consents not cached)',
    run: (ctx) => {
      const init: RequestInit = { method: 'POST', headers: json, body: JSON.stringify({ event: 'view' }) };
      const sent = ctx.lazy.fetch(`${ctx.vendor}/ingest`, init, target(ctx));
      init.body = JSON.stringify({ email: SECRET });
      return sent;
    },
  },
  {
    id: 'init.headers mutated after the call (consents not cached)',
    run: (ctx) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const sent = ctx.lazy.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers, body: '{"event":"view"}' }, target(ctx));
      headers['x-user-email'] = SECRET;
      return sent;
    },
  },
  {
    id: 'Headers object mutated after the call (consents not cached)',
    run: (ctx) => {
      const headers = new Headers(json);
      const sent = ctx.lazy.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers, body: '{"event":"view"}' }, target(ctx));
      headers.set('x-ref', SECRET);
      return sent;
    },
  },
  {
    id: 'URLSearchParams body mutated after the call (consents not cached)',
    run: (ctx) => {
      const body = new URLSearchParams({ event: 'view' });
      const sent = ctx.lazy.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body }, target(ctx));
      body.set('note', SECRET);
      return sent;
    },
  },
  {
    id: 'Uint8Array body mutated after the call (consents not cached)',
    run: (ctx) => {
      const bytes = new TextEncoder().encode(JSON.stringify({ note: 'x'.repeat(SECRET.length) }));
      const sent = ctx.lazy.fetch(`${ctx.vendor}/ingest`, { method: 'POST', headers: json, body: bytes }, target(ctx));
      bytes.set(new TextEncoder().encode(SECRET), 9);
      return sent;
    },
  },
]).map((a) => ({ ...a, via: 'fetch' as const }));

// ── guard.wrap ───────────────────────────────────────────────────────────────────────────
function wrapped(ctx: AttemptContext, guard = ctx.guard) {
  return guard.wrap(
    LOGROCKET,
    async (payload: unknown) => {
      const res = await fetch(`${ctx.vendor}/wrap`, { method: 'POST', headers: json, body: JSON.stringify(payload) });
      await res.arrayBuffer();
    },
    { userId: ctx.userId },
  );
}

const wrapAttempts: Attempt[] = (<Omit<Attempt, 'via'>[]>[
  { id: 'control: plain payload', control: true, run: (ctx) => wrapped(ctx)({ userId: 'u-1', event: 'view' }) },
  { id: 'excluded field', run: (ctx) => wrapped(ctx)({ email: SECRET }) },
  { id: 'toJSON on the payload', run: (ctx) => wrapped(ctx)({ event: 'view', toJSON: () => ({ email: SECRET }) }) },
  { id: 'toJSON on a nested value', run: (ctx) => wrapped(ctx)({ recording: { toJSON: () => ({ user: { email: SECRET } }) } }) },
  { id: 'toJSON on an array element', run: (ctx) => wrapped(ctx)({ events: [{ toJSON: () => ({ name: 'view', email: SECRET }) }] }) },
  { id: 'toJSON returning an email string', run: (ctx) => wrapped(ctx)({ note: { toJSON: () => SECRET } }) },
  {
    id: 'getter answering differently on its second read',
    run: (ctx) => {
      let reads = 0;
      return wrapped(ctx)({ get note() { return reads++ === 0 ? 'x' : SECRET; } });
    },
  },
  { id: 'Proxy payload', run: (ctx) => wrapped(ctx)(new Proxy({ event: 'view' } as Record<string, unknown>, { get: (t, k) => (k === 'event' ? SECRET : t[k as string]) })) },
  { id: 'Proxy nested value', run: (ctx) => wrapped(ctx)({ recording: new Proxy({}, { ownKeys: () => ['email'], getOwnPropertyDescriptor: () => ({ value: SECRET, enumerable: true, configurable: true }) }) }) },
  { id: 'symbol keys', run: (ctx) => wrapped(ctx)({ event: 'view', [Symbol('email')]: SECRET }) },
  { id: 'Map payload', run: (ctx) => wrapped(ctx)(new Map([['email', SECRET]])) },
  { id: 'object under a declared leaf', run: (ctx) => wrapped(ctx)({ recording: { user: { email: SECRET } } }) },
  { id: 'email in free text', run: (ctx) => wrapped(ctx)({ note: `from ${SECRET}` }) },
  { id: 'email as a key', run: (ctx) => wrapped(ctx)({ recording: 'r', [SECRET]: 1 }) },
  {
    id: 'payload mutated after the call (consents not cached)',
    run: (ctx) => {
      const payload: Record<string, unknown> = { event: 'view' };
      const sent = wrapped(ctx, ctx.lazy)(payload);
      payload.email = SECRET;
      payload.note = SECRET;
      return sent;
    },
  },
  {
    id: 'nested value mutated after the call (consents not cached)',
    run: (ctx) => {
      const payload = { events: [{ name: 'view' }] as Record<string, unknown>[] };
      const sent = wrapped(ctx, ctx.lazy)(payload);
      payload.events[0].name = SECRET;
      payload.events.push({ email: SECRET });
      return sent;
    },
  },
]).map((a) => ({ ...a, via: 'wrap' as const }));

// ── axios ────────────────────────────────────────────────────────────────────────────────
function client(ctx: AttemptContext, defaults: Parameters<typeof axios.create>[0] = {}, guard = ctx.guard) {
  const instance = axios.create({ baseURL: ctx.vendor, ...defaults, flowgate: { userId: ctx.userId, ...LOGROCKET } });
  instance.interceptors.request.use(flowgateAxios(guard));
  return instance;
}

const axiosAttempts: Attempt[] = (<Omit<Attempt, 'via'>[]>[
  { id: 'control: JSON body', control: true, run: (ctx) => client(ctx).post('/ingest', { userId: 'u-1', event: 'view' }) },
  { id: 'control: params', control: true, run: (ctx) => client(ctx).get('/ingest', { params: { event: 'view' } }) },
  { id: 'excluded field in data', run: (ctx) => client(ctx).post('/ingest', { email: SECRET }) },
  { id: 'baseURL with a query string', run: (ctx) => client(ctx, { baseURL: `${ctx.vendor}/?email=${enc(SECRET)}` }).get('ingest') },
  { id: 'baseURL path segment', run: (ctx) => client(ctx, { baseURL: `${ctx.vendor}/u/${enc(SECRET)}` }).get('/track') },
  { id: 'transformRequest per request', run: (ctx) => client(ctx).post('/ingest', { event: 'view' }, { transformRequest: [(data: object) => JSON.stringify({ ...data, email: SECRET })], headers: json }) },
  {
    id: 'transformRequest instance default',
    run: (ctx) =>
      client(ctx, { transformRequest: [(data: object) => ({ ...data, note: SECRET }), ...(axios.defaults.transformRequest as never[])] }).post('/ingest', { event: 'view' }),
  },
  { id: 'paramsSerializer injecting a parameter', run: (ctx) => client(ctx, { paramsSerializer: { serialize: () => `event=view&email=${enc(SECRET)}` } }).get('/ingest', { params: { event: 'view' } }) },
  { id: 'paramsSerializer per request', run: (ctx) => client(ctx).get('/ingest', { params: { event: 'view' }, paramsSerializer: () => `note=${enc(SECRET)}` }) },
  { id: 'nested params', run: (ctx) => client(ctx).get('/ingest', { params: { event: { email: SECRET } } }) },
  {
    id: 'interceptor registered before flowgate (runs after it) adds data',
    run: (ctx) => {
      const instance = axios.create({ baseURL: ctx.vendor, flowgate: { userId: ctx.userId, ...LOGROCKET } });
      instance.interceptors.request.use((config) => {
        config.data = { ...(config.data as object), email: SECRET };
        return config;
      });
      instance.interceptors.request.use(flowgateAxios(ctx.guard));
      return instance.post('/ingest', { event: 'view' });
    },
  },
  {
    id: 'interceptor registered before flowgate adds a header',
    run: (ctx) => {
      const instance = axios.create({ baseURL: ctx.vendor, flowgate: { userId: ctx.userId, ...LOGROCKET } });
      instance.interceptors.request.use((config) => {
        config.headers.set('X-Forwarded-User', SECRET);
        return config;
      });
      instance.interceptors.request.use(flowgateAxios(ctx.guard));
      return instance.get('/ingest');
    },
  },
  {
    id: 'interceptor registered before flowgate rewrites the url and params',
    run: (ctx) => {
      const instance = axios.create({ baseURL: ctx.vendor, flowgate: { userId: ctx.userId, ...LOGROCKET } });
      instance.interceptors.request.use((config) => ({ ...config, url: `/u/${SECRET}/track`, params: { note: SECRET } }));
      instance.interceptors.request.use(flowgateAxios(ctx.guard));
      return instance.get('/ingest');
    },
  },
  { id: 'instance default Authorization Basic', run: (ctx) => client(ctx, { headers: { common: { Authorization: `Basic ${b64(`${SECRET}:pw`)}` } } }).get('/ingest') },
  { id: 'auth option (Basic) with an email user', run: (ctx) => client(ctx).get('/ingest', { auth: { username: SECRET, password: 'pw' } }) },
  { id: 'URL path segment', run: (ctx) => client(ctx).get(`/u/${enc(SECRET)}/track`) },
  { id: 'credentials in the URL', run: (ctx) => client(ctx).get(`${ctx.vendor.replace('://', `://${enc(SECRET)}:pw@`)}/ingest`) },
  { id: 'string data with a duplicate key', run: (ctx) => client(ctx).post('/ingest', `{"userId":"${SECRET}","userId":"u-1"}`, { headers: json }) },
  { id: 'URLSearchParams data with key 0', run: (ctx) => client(ctx).post('/ingest', new URLSearchParams([['event', 'view'], ['0', SECRET]])) },
  {
    id: 'FormData data',
    run: (ctx) => {
      const form = new FormData();
      form.append('event', 'view');
      form.append('note', SECRET);
      return client(ctx).post('/ingest', form);
    },
  },
  { id: 'object under a declared leaf', run: (ctx) => client(ctx).post('/ingest', { recording: { user: { email: SECRET } } }) },
  { id: 'email in free text', run: (ctx) => client(ctx).post('/ingest', { note: `hi ${SECRET}` }) },
  {
    id: 'data mutated after the call (consents not cached)',
    run: (ctx) => {
      const data: Record<string, unknown> = { event: 'view' };
      const sent = client(ctx, {}, ctx.lazy).post('/ingest', data);
      data.email = SECRET;
      return sent;
    },
  },
]).map((a) => ({ ...a, via: 'axios' as const }));

// ── @VendorCall (NestJS host app: the route's JSON body is the vendor call's payload) ───
function viaNest(ctx: AttemptContext, body: unknown): Promise<unknown> {
  return fetch(`${ctx.nest}/replay`, { method: 'POST', headers: { ...json, 'x-user-id': ctx.userId }, body: JSON.stringify(body) }).then(async (res) => {
    const answer = (await res.json()) as { code?: string };
    if (res.status === 200) return;
    if (res.status === 403 && answer.code === 'CONSENT_DENIED') throw Object.assign(new Error('denied'), { denied: true });
    throw new Error(`host app answered ${res.status}: ${JSON.stringify(answer)}`);
  });
}

const nestAttempts: Attempt[] = (<Omit<Attempt, 'via'>[]>[
  { id: 'control: plain payload', control: true, run: (ctx) => viaNest(ctx, { userId: 'u-1', event: 'view' }) },
  { id: 'excluded field', run: (ctx) => viaNest(ctx, { email: SECRET }) },
  { id: 'object under a declared leaf', run: (ctx) => viaNest(ctx, { recording: { user: { email: SECRET } } }) },
  { id: 'email in free text', run: (ctx) => viaNest(ctx, { note: `mail ${SECRET}` }) },
  { id: 'email in the user id', run: (ctx) => viaNest(ctx, { userId: SECRET }) },
  { id: 'email as a key', run: (ctx) => viaNest(ctx, { recording: 'r', recipients: { [SECRET]: 1 } }) },
  { id: 'email base64 in a declared field', run: (ctx) => viaNest(ctx, { recording: b64(SECRET) }) },
  { id: 'email in an array element', run: (ctx) => viaNest(ctx, { events: [{ name: SECRET }] }) },
]).map((a) => ({ ...a, via: '@VendorCall' as const }));

// ── the same email in five encodings at every place a call carries data ──────────────────
const ENCODINGS: Record<string, (s: string) => string> = {
  plain: (s) => s,
  'URL-encoded': (s) => enc(s),
  base64: (s) => b64(s),
  base64url: (s) => Buffer.from(s).toString('base64url'),
  'upper case': (s) => s.toUpperCase(),
};
const PLACES: Record<string, (ctx: AttemptContext, v: string) => Promise<unknown>> = {
  'fetch query': (ctx, v) => ctx.guard.fetch(`${ctx.vendor}/ingest?event=view&note=${enc(v)}`, undefined, target(ctx)),
  'fetch form body': (ctx, v) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { method: 'POST', body: new URLSearchParams({ event: 'view', note: v }) }, target(ctx)),
  'fetch JSON free text': (ctx, v) => post(ctx, { event: 'view', note: v }),
  'fetch header': (ctx, v) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { 'x-ref': v } }, target(ctx)),
  'fetch cookie': (ctx, v) => ctx.guard.fetch(`${ctx.vendor}/ingest`, { headers: { cookie: `a=1; n=${v}` } }, target(ctx)),
  'fetch path segment': (ctx, v) => ctx.guard.fetch(`${ctx.vendor}/s/${enc(v)}/view`, undefined, target(ctx)),
  'axios data': (ctx, v) => client(ctx).post('/ingest', { event: 'view', note: v }),
  'axios params': (ctx, v) => client(ctx).get('/ingest', { params: { event: 'view', note: v } }),
  'axios header': (ctx, v) => client(ctx).get('/ingest', { headers: { 'x-ref': v } }),
  'wrap free text': (ctx, v) => wrapped(ctx)({ event: 'view', note: v }),
  'wrap under a leaf': (ctx, v) => wrapped(ctx)({ recording: { meta: v } }),
};
const encodedAttempts: Attempt[] = Object.entries(PLACES).flatMap(([place, run]) =>
  Object.entries(ENCODINGS).map(([encoding, encode]) => ({
    id: `${place}, ${encoding}`,
    via: place.startsWith('axios') ? ('axios' as const) : place.startsWith('wrap') ? ('wrap' as const) : ('fetch' as const),
    run: (ctx: AttemptContext) => run(ctx, encode(SECRET)),
  })),
);

export const ATTEMPTS: readonly Attempt[] = [...fetchAttempts, ...wrapAttempts, ...axiosAttempts, ...nestAttempts, ...encodedAttempts];
