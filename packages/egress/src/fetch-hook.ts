import type { EgressEngine, Gated, Outbound, Rewrite } from './engine.js';

/** Where undici (Node's own, bundled for `fetch`, and the npm package alike) keeps its global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

interface DispatchOptions {
  readonly origin?: string | URL;
  readonly path: string;
  readonly method?: string;
  readonly headers?: unknown;
  readonly body?: unknown;
}
interface DispatchHandler {
  onError?(error: Error): void;
  onResponseError?(controller: unknown, error: Error): void;
}
interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}

/**
 * Puts `engine` in front of Node's `fetch` (and undici's `request`, `stream`, …) by wrapping
 * the global dispatcher; a dispatcher passed per call (`fetch(url, { dispatcher })`) is not
 * seen. Returns the undo, or null when there is no global dispatcher to wrap.
 */
export function hookFetch(engine: EgressEngine): (() => void) | null {
  const g = fetchRealm() as unknown as Record<symbol, Dispatcher | undefined>;
  const inner = g[GLOBAL_DISPATCHER];
  if (inner === undefined || typeof inner.dispatch !== 'function') return null;
  const dispatch = (options: DispatchOptions, handler: DispatchHandler): boolean => {
    const out = describeOrigin(options);
    const verdict = out === null ? null : engine.classify(out);
    if (verdict === null) return inner.dispatch(options, handler);
    if (verdict instanceof Error) {
      queueMicrotask(() => fail(handler, verdict));
      return true;
    }
    void gateDispatch(engine, inner, options, handler, verdict);
    return true;
  };
  const bound = new Map<PropertyKey, unknown>();
  const wrapper = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'dispatch') return dispatch;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (fn === undefined)
        bound.set(prop, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
  g[GLOBAL_DISPATCHER] = wrapper;
  return () => {
    if (g[GLOBAL_DISPATCHER] === wrapper) g[GLOBAL_DISPATCHER] = inner;
  };
}

/**
 * The global object `fetch` reads its dispatcher from: this realm's, or, under a test runner
 * that runs code in a vm context (jest), the outer realm that owns `fetch`.
 */
function fetchRealm(): typeof globalThis {
  // Touching a fetch class loads Node's bundled undici, which installs its global dispatcher.
  void globalThis.Headers;
  try {
    const outer = (globalThis.fetch.constructor as FunctionConstructor)(
      'return globalThis',
    )() as typeof globalThis;
    if (outer !== globalThis && outer.fetch === globalThis.fetch) void outer.Headers;
    return outer.fetch === globalThis.fetch ? outer : globalThis;
  } catch {
    return globalThis; // code generation disallowed: this realm's only.
  }
}

async function gateDispatch(
  engine: EgressEngine,
  inner: Dispatcher,
  options: DispatchOptions,
  handler: DispatchHandler,
  gated: Gated,
): Promise<void> {
  let body: Buffer | null;
  let rest: AsyncIterator<unknown> | null = null;
  try {
    ({ body, rest } = await readBounded(options.body, engine.maxBodyBytes));
  } catch (error) {
    fail(handler, error as Error);
    return;
  }
  const headers = headerRecord(options.headers);
  let rewrite: Rewrite | null;
  try {
    const decided = engine.decide(gated, headers, rest === null ? body : null, rest !== null);
    // Synchronous while the user is cached: no extra turn before the request goes out.
    rewrite = decided instanceof Promise ? await decided : decided;
  } catch (error) {
    fail(handler, error as Error);
    return;
  }
  let next: DispatchOptions =
    rest === null ? { ...options, body } : { ...options, body: replay(body, rest) };
  if (rewrite !== null) {
    const sent = rewrite.body ?? body;
    next = {
      ...next,
      path: rewrite.path ?? options.path,
      body: sent,
      headers: rewriteHeaders(options.headers, rewrite, sent),
    };
  }
  try {
    inner.dispatch(next, handler);
  } catch (error) {
    fail(handler, error as Error);
  }
}

function fail(handler: DispatchHandler, error: Error): void {
  if (handler.onError !== undefined) handler.onError(error);
  else handler.onResponseError?.(null, error);
}

/** `https://api.example.com:8443` and a path → host, port, path; null for an origin it cannot read. */
function describeOrigin(options: DispatchOptions): Outbound | null {
  const origin = options.origin;
  if (origin === undefined) return null;
  const text = typeof origin === 'string' ? origin : origin.origin;
  const scheme = text.indexOf('://');
  if (scheme === -1) return null;
  const https = text.startsWith('https');
  let hostPort = text.slice(scheme + 3);
  const slash = hostPort.indexOf('/');
  if (slash !== -1) hostPort = hostPort.slice(0, slash);
  let host = hostPort;
  let port = '';
  const close = hostPort.lastIndexOf(']');
  const colon = hostPort.lastIndexOf(':');
  if (colon > close) {
    host = hostPort.slice(0, colon);
    port = hostPort.slice(colon + 1);
  }
  if (host.charCodeAt(0) === 91) host = host.slice(1, -1);
  if (port === (https ? '443' : '80')) port = '';
  return { host: host.toLowerCase(), port, path: options.path };
}

/** The whole body when it fits in `max` bytes; otherwise what was read and the rest, unread. */
async function readBounded(
  body: unknown,
  max: number,
): Promise<{ body: Buffer | null; rest: AsyncIterator<unknown> | null }> {
  if (body === undefined || body === null) return { body: null, rest: null };
  if (typeof body === 'string') return { body: Buffer.from(body), rest: null };
  if (body instanceof Uint8Array)
    return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), rest: null };
  const open = (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof open !== 'function') return { body: Buffer.from(String(body)), rest: null };
  const iterator = open.call(body);
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await iterator.next();
    if (done === true) return { body: Buffer.concat(chunks), rest: null };
    const chunk = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array);
    chunks.push(chunk);
    size += chunk.length;
    if (size > max) return { body: Buffer.concat(chunks), rest: iterator };
  }
}

async function* replay(head: Buffer | null, rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  if (head !== null) yield head;
  for (;;) {
    const { done, value } = await rest.next();
    if (done === true) return;
    yield value;
  }
}

/** undici takes headers as a record, flat `[name, value, …]` pairs, or an iterable of pairs. */
function headerRecord(headers: unknown): Record<string, unknown> {
  const record = Object.create(null) as Record<string, unknown>;
  if (headers === undefined || headers === null) return record;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0]))
      for (const [k, v] of headers as [string, unknown][]) record[String(k).toLowerCase()] = v;
    else
      for (let i = 0; i + 1 < headers.length; i += 2)
        record[String(headers[i]).toLowerCase()] = headers[i + 1];
    return record;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of headers as Iterable<[string, unknown]>)
      record[String(k).toLowerCase()] = v;
    return record;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>))
    record[k.toLowerCase()] = v;
  return record;
}

function rewriteHeaders(
  headers: unknown,
  rewrite: Rewrite,
  body: Buffer | null,
): Record<string, unknown> {
  const record = headerRecord(headers);
  for (const name of rewrite.removeHeaders) delete record[name];
  if (body !== null && record['content-length'] !== undefined)
    record['content-length'] = String(body.length);
  return record;
}
