import axios, { AxiosHeaders, type AxiosAdapter, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { FlowgateError } from '../errors.js';
import type { Guard, GuardedCall } from '../guard.types.js';
import { withoutEgressGuard } from '../egress/scope.js';
import type { Pair } from './body.js';
import { wireSnapshot, headerOf, readWire, redactWire, type WireSnapshot, type WireTarget } from './wire.js';

/** What a guarded axios request says about itself (`config.flowgate`). */
export interface FlowgateAxiosContext {
  readonly userId: string;
  readonly subprocessor: string;
  readonly purpose?: string;
  /** Global Privacy Control for this call. */
  readonly gpc?: boolean;
  /** Field keys the request carries besides what its body and query show. */
  readonly fields?: readonly string[];
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Partial on an instance's defaults (`axios.create({ flowgate: { subprocessor } })`); axios merges them. */
    flowgate?: Partial<FlowgateAxiosContext>;
  }
}

export interface FlowgateAxiosOptions {
  /** Requests without `config.flowgate`: `deny` (default, fail closed) or `pass` untouched. */
  readonly unmarked?: 'deny' | 'pass';
}

type Config = InternalAxiosRequestConfig<unknown>;
const GUARDED = Symbol.for('flowgate.axios-adapter');

/**
 * An axios request interceptor: `instance.interceptors.request.use(flowgateAxios(guard))`.
 * It decides nothing itself: it puts the guard in front of the request's adapter, where
 * axios hands over the request as it will be sent, after `baseURL`, `params` and the
 * `paramsSerializer`, every `transformRequest` and every interceptor, in whatever order
 * they were registered. See `flowgateAxiosAdapter`.
 */
export function flowgateAxios(guard: Guard, options: FlowgateAxiosOptions = {}): (config: Config) => Config {
  return (config) => {
    if (config.flowgate === undefined && options.unmarked !== 'pass') throw unmarkedError(config);
    if (!isGuarded(config.adapter)) config.adapter = flowgateAxiosAdapter(guard, { ...options, adapter: config.adapter });
    return config;
  };
}

/**
 * An axios adapter that decides on the final request and sends exactly what it decided on:
 * `axios.create({ adapter: flowgateAxiosAdapter(guard) })`. `adapter` is the one to send
 * with (default: axios's own for this platform).
 */
export function flowgateAxiosAdapter(
  guard: Guard,
  options: FlowgateAxiosOptions & { readonly adapter?: AxiosRequestConfig['adapter'] } = {},
): AxiosAdapter {
  const inner = axios.getAdapter(options.adapter ?? axios.defaults.adapter);
  const guarded: AxiosAdapter = async (config) => {
    const context = config.flowgate;
    if (context === undefined) {
      if (options.unmarked === 'pass') return inner(config);
      throw unmarkedError(config);
    }
    const target: WireTarget = {
      userId: context.userId as string,
      subprocessor: context.subprocessor as string,
      purpose: context.purpose,
      gpc: context.gpc,
      fields: context.fields,
    };
    const snapshot = await snapshotOf(config);
    const reading = readWire(snapshot, target);
    let toSend = snapshot;
    const call = reading.call as { -readonly [K in keyof GuardedCall]: GuardedCall[K] };
    call.redact = (blocked) => {
      const redacted = redactWire(snapshot, reading, blocked, target);
      if (redacted === null) return null;
      toSend = redacted.snapshot;
      return redacted.reading.call;
    };
    // Throws ConsentDeniedError when denied; otherwise `toSend` is what may go.
    if (guard.gateCached(call) === undefined) await guard.gate(call);
    // Decided here: the egress guard (if installed) lets the request pass, as for guard.fetch.
    const decided = configFor(config, toSend);
    return withoutEgressGuard(() => inner(decided));
  };
  Object.defineProperty(guarded, GUARDED, { value: true });
  return guarded;
}

function isGuarded(adapter: unknown): boolean {
  return typeof adapter === 'function' && (adapter as unknown as Record<symbol, unknown>)[GUARDED] === true;
}

function unmarkedError(config: AxiosRequestConfig): FlowgateError {
  return new FlowgateError(
    'UNMARKED_CALL',
    `axios request to ${config.url ?? '(no url)'} has no config.flowgate = { userId, subprocessor, purpose }`,
  );
}

/** A bare Axios (no defaults) only to resolve the final URL the way axios's adapters do. */
const resolver = new axios.Axios({});

async function snapshotOf(config: Config): Promise<WireSnapshot> {
  let url: string;
  try {
    url = new URL(resolver.getUri(config)).href;
  } catch (error) {
    throw new FlowgateError('UNREADABLE_REQUEST', 'axios request without an absolute URL: not sent', { cause: error });
  }
  const headers: Pair[] = [];
  const flat = AxiosHeaders.from(config.headers as never).toJSON(true) as Record<string, string>;
  for (const name of Object.keys(flat)) headers.push([name.toLowerCase(), String(flat[name])]);
  // axios's http adapter turns `auth` (or credentials in the URL) into Authorization: Basic.
  const parsed = new URL(url);
  const auth = config.auth ?? (parsed.username !== '' ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined);
  if (auth !== undefined) {
    const credentials = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
    const at = headers.findIndex(([name]) => name === 'authorization');
    if (at !== -1) headers.splice(at, 1);
    headers.push(['authorization', `Basic ${credentials}`]);
    parsed.username = '';
    parsed.password = '';
    url = parsed.href;
  }
  const { body, contentType } = await bytesOf(config.data);
  if (contentType !== null) {
    const at = headers.findIndex(([name]) => name === 'content-type');
    if (at === -1) headers.push(['content-type', contentType]);
    else headers[at] = ['content-type', contentType];
  }
  return wireSnapshot((config.method ?? 'get').toUpperCase(), url, headers, body);
}

/** The request body as axios's adapters would send it (data is past every transformRequest here). */
async function bytesOf(data: unknown): Promise<{ body: string | Uint8Array | null; contentType: string | null }> {
  if (data === undefined || data === null) return { body: null, contentType: null };
  if (typeof data === 'string') return { body: data, contentType: null };
  if (data instanceof ArrayBuffer) return { body: new Uint8Array(data.slice(0)), contentType: null };
  if (ArrayBuffer.isView(data)) return { body: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(), contentType: null };
  if (data instanceof URLSearchParams) return { body: data.toString(), contentType: null };
  if (data instanceof FormData || data instanceof Blob) {
    const response = new Response(data);
    return { body: new Uint8Array(await response.arrayBuffer()), contentType: data instanceof FormData ? response.headers.get('content-type') : null };
  }
  if (typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of data as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return { body: new Uint8Array(Buffer.concat(chunks)), contentType: null };
  }
  throw new FlowgateError('UNREADABLE_REQUEST', 'axios request data is not a string, bytes, a form or a stream after transformRequest: not sent');
}

/** The config the real adapter gets: exactly the snapshot, nothing left for it to add. */
function configFor(config: Config, snapshot: WireSnapshot): Config {
  const headers = new AxiosHeaders();
  for (const [name, value] of snapshot.headers) {
    const seen = headers.get(name);
    headers.set(name, typeof seen === 'string' ? `${seen}, ${value}` : value);
  }
  if (headerOf(snapshot, 'content-type') === null) headers.set('content-type', false as never);
  const body = snapshot.body;
  return {
    ...config,
    method: snapshot.method.toLowerCase(),
    url: snapshot.url,
    baseURL: undefined,
    params: undefined,
    paramsSerializer: undefined,
    auth: undefined,
    headers,
    data: typeof body === 'string' || body === null ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  };
}
