import { FlowgateError } from '../errors.js';
import type { FetchGuardOptions, GateResult, Guard, GuardedCall } from '../guard.types.js';
import type { Pair } from './body.js';
import { freezeSnapshot, readWire, redactWire, type WireSnapshot, type WireTarget } from './wire.js';

/**
 * `fetch` behind the guard. The call is first normalised, the way the fetch standard merges
 * a `Request` input with `init` (any `HeadersInit`: a record, pairs, `Headers`, a `Map`, any
 * iterable), into one frozen snapshot: method, final URL, every header, the body bytes. The
 * guard decides on the snapshot and the real `fetch` is given exactly the snapshot, never the
 * caller's objects again, so nothing done to them after the call changes what goes.
 *
 * Not an async function: for a string, URL-encoded or empty body and a cached user, the
 * snapshot, the decision and the real `fetch` happen synchronously and its own promise is
 * returned. Other bodies (streams, Blobs, FormData, a `Request`'s own) are read once first.
 */
export function guardedFetch(
  guard: Guard,
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: FetchGuardOptions,
): Promise<Response> {
  try {
    if (typeof options !== 'object' || options === null) {
      throw new FlowgateError('INVALID_OPTIONS', 'guard.fetch needs { userId, subprocessor, purpose? } as its third argument');
    }
    const target: WireTarget = {
      userId: options.userId,
      subprocessor: options.subprocessor,
      purpose: options.purpose,
      gpc: options.gpc,
      fields: options.fields,
    };
    const { snapshot, pending, extra } = takeSnapshot(input, init);
    if (snapshot !== null) return gateAndSend(guard, snapshot, extra, target);
    return pending.then((s) => gateAndSend(guard, s, extra, target));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** What the snapshot does not hold but `fetch` still needs (not data that is sent); `dispatcher` is undici's. */
type Extra = Pick<RequestInit, 'signal' | 'redirect' | 'credentials' | 'keepalive'> & { readonly dispatcher?: unknown };

const METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/**
 * The common call, a string or URL with a string (or no) body, without building a
 * `Request`: the same snapshot the fetch standard's merge would give (normalised method,
 * parsed URL, `Headers` from any HeadersInit, the default Content-Type of a string body).
 * Anything else: null, and the `Request` path below.
 */
function fastSnapshot(input: string | URL | Request, init: RequestInit | undefined): Taken | null {
  if (typeof input !== 'string' && !(input instanceof URL)) return null;
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return null;
  const upper = (init?.method ?? 'GET').toUpperCase();
  const method = METHODS.has(upper) ? upper : (init?.method ?? 'GET');
  if (typeof body === 'string' && (method === 'GET' || method === 'HEAD')) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  const pairs = headerPairs(init?.headers);
  if (pairs === null) return null;
  if (typeof body === 'string' && !pairs.some(([name]) => name === 'content-type')) pairs.push(['content-type', 'text/plain;charset=UTF-8']);
  const extra: Extra = init === undefined ? {} : { signal: init.signal, redirect: init.redirect, credentials: init.credentials, keepalive: init.keepalive, dispatcher: (init as { dispatcher?: unknown }).dispatcher };
  return { snapshot: freezeSnapshot(method, url.href, pairs, typeof body === 'string' ? body : null), pending: null, extra };
}

type Taken =
  | { readonly snapshot: WireSnapshot; readonly pending: null; readonly extra: Extra }
  | { readonly snapshot: null; readonly pending: Promise<WireSnapshot>; readonly extra: Extra };

/**
 * Headers as `Headers` would hold them: lower-case names, values trimmed, repeats joined with
 * `, `, sorted. A plain record is read directly (building `Headers` costs more than the rest
 * of the guard); any other form goes through `Headers`. Null when it cannot be read.
 */
function headerPairs(init: RequestInit['headers']): Pair[] | null {
  const byName = new Map<string, string>();
  try {
    if (init === undefined || init === null) return [];
    if (typeof init === 'object' && Object.getPrototypeOf(init) === Object.prototype && Object.getOwnPropertySymbols(init).length === 0) {
      const record = init as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const name = key.toLowerCase();
        if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return null;
        const value = String(record[key]).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
        if (/[\0\r\n]/.test(value)) return null;
        const seen = byName.get(name);
        byName.set(name, seen === undefined ? value : `${seen}, ${value}`);
      }
    } else {
      new Headers(init).forEach((value, name) => byName.set(name, value));
    }
  } catch {
    return null;
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function takeSnapshot(input: string | URL | Request, init: RequestInit | undefined): Taken {
  const fast = fastSnapshot(input, init);
  if (fast !== null) return fast;
  let request: Request;
  try {
    // The fetch standard's own merge: Request input + init, HeadersInit of every form, the
    // default Content-Type of a string or URLSearchParams body. A `Request` input with a
    // body is cloned, so a denied call leaves the caller's Request unread.
    const source = typeof input === 'object' && input instanceof Request && input.body !== null ? input.clone() : input;
    request = new Request(source, init);
  } catch (error) {
    throw new FlowgateError('UNREADABLE_REQUEST', `guard.fetch cannot read this request, so it is not sent: ${String(error)}`, { cause: error });
  }
  const headers: Pair[] = [];
  request.headers.forEach((value, name) => headers.push([name, value]));
  const extra: Extra = {
    signal: request.signal,
    redirect: request.redirect,
    credentials: request.credentials,
    keepalive: request.keepalive,
    dispatcher: (init as { dispatcher?: unknown } | undefined)?.dispatcher,
  };
  const body = init?.body;
  if (typeof body === 'string' || (body === undefined || body === null ? request.body === null : false)) {
    return { snapshot: freezeSnapshot(request.method, request.url, headers, typeof body === 'string' ? body : null), pending: null, extra };
  }
  if (body instanceof URLSearchParams) {
    return { snapshot: freezeSnapshot(request.method, request.url, headers, body.toString()), pending: null, extra };
  }
  const pending = request.arrayBuffer().then(
    (bytes) => freezeSnapshot(request.method, request.url, headers, new Uint8Array(bytes)),
    (error: unknown) => {
      throw new FlowgateError('UNREADABLE_REQUEST', `guard.fetch cannot read the request body, so it is not sent: ${String(error)}`, { cause: error });
    },
  );
  return { snapshot: null, pending, extra };
}

/** Decides on the snapshot (synchronously while the user is cached) and sends what may go. */
function gateAndSend(guard: Guard, snapshot: WireSnapshot, extra: Extra, target: WireTarget): Promise<Response> {
  const reading = readWire(snapshot, target);
  let toSend: WireSnapshot = snapshot;
  const call = reading.call as { -readonly [K in keyof GuardedCall]: GuardedCall[K] };
  call.redact = (blocked) => {
    const redacted = redactWire(snapshot, reading, blocked, target);
    if (redacted === null) return null;
    toSend = redacted.snapshot;
    return redacted.reading.call;
  };
  const cached = guard.gateCached(call);
  if (cached !== undefined) return send(toSend, extra, cached);
  return guard.gate(call).then((result) => send(toSend, extra, result));
}

function send(snapshot: WireSnapshot, extra: Extra, _result: GateResult): Promise<Response> {
  return fetch(snapshot.url, {
    ...(extra as RequestInit),
    method: snapshot.method,
    headers: snapshot.headers as [string, string][],
    body: snapshot.body as NonNullable<RequestInit['body']> | null,
  });
}
