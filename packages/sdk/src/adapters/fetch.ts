import { FlowgateError } from '../errors.js';
import type { FetchGuardOptions, GateResult, Guard, GuardedCall } from '../guard.types.js';
import type { Pair } from './body.js';
import { wireSnapshot, readWire, redactWire, type WireSnapshot, type WireTarget } from './wire.js';

/**
 * `fetch` behind the guard. The call is first normalised, the way the fetch standard merges
 * a `Request` input with `init` (any `HeadersInit`: a record, pairs, `Headers`, a `Map`, any
 * iterable), into one private snapshot: method, final URL, every header, the body bytes. The
 * guard decides on the snapshot and the real `fetch` is given exactly the snapshot, never the
 * caller's objects again, so nothing done to them after the call changes what goes.
 *
 * Not an async function: for a string, URL-encoded or empty body and a cached user, the
 * snapshot, the decision and the real `fetch` happen synchronously and its own promise is
 * returned. Other bodies (streams, Blobs, FormData, a `Request`'s own) are read once first.
 */
/** A guard whose `gateFetchCached` is `gateCached`, but `true` for a call allowed as it is. */
export interface FetchGuard extends Guard {
  gateFetchCached(call: GuardedCall): GateResult | true | undefined;
}

export function guardedFetch(
  guard: FetchGuard,
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
    const fast = fastSnapshot(input, init);
    if (fast !== null) return gateAndSend(guard, fast, extraOf(init, init), target);
    const { snapshot, pending, extra } = takeSnapshot(input, init);
    if (snapshot !== null) return gateAndSend(guard, snapshot, extra, target);
    return pending.then((s) => gateAndSend(guard, s, extra, target));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** What the snapshot does not hold but `fetch` still needs (not data that is sent); `dispatcher` is undici's. */
type Extra = Pick<RequestInit, 'signal' | 'redirect' | 'credentials' | 'keepalive'> & { readonly dispatcher?: unknown };

/**
 * The options of `from` (the caller's init, or the merged `Request`) that `fetch` still needs;
 * null when there are none, the common call, so `send` builds its init without them.
 */
function extraOf(from: Extra | undefined, init: RequestInit | undefined): Extra | null {
  if (from === undefined) return null;
  const dispatcher = (init as { dispatcher?: unknown } | undefined)?.dispatcher;
  const { signal, redirect, credentials, keepalive } = from;
  if (signal === undefined && redirect === undefined && credentials === undefined && keepalive === undefined && dispatcher === undefined) return null;
  return { signal, redirect, credentials, keepalive, dispatcher };
}

const METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** The fetch standard's method normalisation: these six upper-cased, any other kept as given. */
function normalizedMethod(given: string): string {
  const upper = given.toUpperCase();
  return METHODS.has(upper) ? upper : given;
}

/**
 * The common call, a string or URL with a string (or no) body, without building a
 * `Request`: the same snapshot the fetch standard's merge would give (normalised method,
 * parsed URL, `Headers` from any HeadersInit, the default Content-Type of a string body).
 * Anything else: null, and the `Request` path (`takeSnapshot`).
 */
function fastSnapshot(input: string | URL | Request, init: RequestInit | undefined): WireSnapshot | null {
  if (typeof input !== 'string' && !(input instanceof URL)) return null;
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return null;
  // Read once (a getter may answer differently each time); 'POST' is already normalised.
  const given = init?.method ?? 'GET';
  const method = given === 'POST' ? given : normalizedMethod(given);
  if (typeof body === 'string' && (method === 'GET' || method === 'HEAD')) return null;
  const href = typeof input === 'string' ? hrefOf(input) : plainHref(input);
  if (href === null) return null;
  const pairs = headerPairs(init?.headers);
  if (pairs === null) return null;
  if (typeof body === 'string' && !hasContentType(pairs)) pairs.push(['content-type', 'text/plain;charset=UTF-8']);
  return wireSnapshot(method, href, pairs, typeof body === 'string' ? body : null);
}

/**
 * The parsed `href` of a URL string, remembered per string: parsing a URL is a pure function
 * of the string, and a service calls the same few vendor URLs again and again. Bounded (the
 * map starts over when full), so URLs built per user cannot grow it.
 */
const hrefs = new Map<string, string | null>();
const MAX_HREFS = 512;

function hrefOf(input: string): string | null {
  let href = hrefs.get(input);
  if (href !== undefined) return href;
  let url: URL | null = null;
  try {
    url = new URL(input);
  } catch {
    url = null;
  }
  href = url === null ? null : plainHref(url);
  if (hrefs.size >= MAX_HREFS) hrefs.clear();
  hrefs.set(input, href);
  return href;
}

/** A URL's `href`; null (the `Request` path) when it carries credentials. */
function plainHref(url: URL): string | null {
  return url.username !== '' || url.password !== '' ? null : url.href;
}

type Taken =
  | { readonly snapshot: WireSnapshot; readonly pending: null; readonly extra: Extra | null }
  | { readonly snapshot: null; readonly pending: Promise<WireSnapshot>; readonly extra: Extra | null };

/**
 * Headers as `Headers` would hold them: lower-case names, values trimmed, repeats joined with
 * `, `, sorted. A plain record is read directly (building `Headers` costs more than the rest
 * of the guard); any other form goes through `Headers`. Null when it cannot be read (then the
 * `Request` path decides). Exported for its property test.
 */
export function headerPairs(init: RequestInit['headers']): [string, string][] | null {
  const pairs: [string, string][] = [];
  try {
    if (init === undefined || init === null) return pairs;
    if (typeof init === 'object' && Object.getPrototypeOf(init) === Object.prototype && Object.getOwnPropertySymbols(init).length === 0) {
      // Indexed loops and character tests, no Map or regular expression: on the hot path,
      // run on a cold CPU right after an I/O wait, each builtin touched costs.
      const record = init as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let k = 0; k < keys.length; k++) {
        // The most common header, written as it is kept: nothing to lower-case, a token name,
        // and with a plain JSON value nothing to check (String() of a string is itself).
        const key = keys[k];
        const contentType = key === 'content-type';
        const name = contentType ? key : key.toLowerCase();
        if (!contentType && !isToken(name)) return null;
        const given = record[key];
        const raw = typeof given === 'string' ? given : String(given);
        let value = raw;
        if (!contentType || raw !== 'application/json') {
          value = isTrimmed(raw) ? raw : raw.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
          if (!isByteValue(value)) return null;
        }
        let seen = -1;
        for (let i = 0; i < pairs.length; i++) if (pairs[i][0] === name) seen = i;
        if (seen === -1) pairs.push([name, value]);
        else pairs[seen][1] = `${pairs[seen][1]}, ${value}`;
      }
    } else {
      const byName = new Map<string, string>();
      new Headers(init).forEach((value, name) => byName.set(name, value));
      pairs.push(...byName);
    }
  } catch {
    return null;
  }
  return pairs.length < 2 ? pairs : pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A value `Headers` takes: a ByteString (no code unit above 0xFF) without NUL, CR or LF. */
function isByteValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13 || c > 0xff) return false;
  }
  return true;
}

/** `/^[!#$%&'*+.^_`|~0-9a-z-]+$/` (an HTTP token, lower case), without a regular expression. */
function isToken(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45) continue;
    if (TOKEN_SYMBOLS.indexOf(name[i]) === -1) return false;
  }
  return true;
}
const TOKEN_SYMBOLS = "!#$%&'*+.^_`|~";

function hasContentType(pairs: readonly Pair[]): boolean {
  for (let i = 0; i < pairs.length; i++) if (pairs[i][0] === 'content-type') return true;
  return false;
}

/** No leading or trailing HTTP whitespace (tab, LF, CR, space): the value as `Headers` keeps it. */
function isTrimmed(value: string): boolean {
  if (value === '') return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first > 0x20 && last > 0x20;
}

/** The `Request` path: any call `fastSnapshot` declines. */
function takeSnapshot(input: string | URL | Request, init: RequestInit | undefined): Taken {
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
  const extra = extraOf(request, init);
  const body = init?.body;
  if (typeof body === 'string' || (body === undefined || body === null ? request.body === null : false)) {
    return { snapshot: wireSnapshot(request.method, request.url, headers, typeof body === 'string' ? body : null), pending: null, extra };
  }
  if (body instanceof URLSearchParams) {
    return { snapshot: wireSnapshot(request.method, request.url, headers, body.toString()), pending: null, extra };
  }
  const pending = request.arrayBuffer().then(
    (bytes) => wireSnapshot(request.method, request.url, headers, new Uint8Array(bytes)),
    (error: unknown) => {
      throw new FlowgateError('UNREADABLE_REQUEST', `guard.fetch cannot read the request body, so it is not sent: ${String(error)}`, { cause: error });
    },
  );
  return { snapshot: null, pending, extra };
}

/** Decides on the snapshot (synchronously while the user is cached) and sends what may go. */
function gateAndSend(guard: FetchGuard, snapshot: WireSnapshot, extra: Extra | null, target: WireTarget): Promise<Response> {
  const reading = readWire(snapshot, target);
  let toSend: WireSnapshot = snapshot;
  const call = reading.call as { -readonly [K in keyof GuardedCall]: GuardedCall[K] };
  // Only the redact mode ever calls it.
  if (guard.options.mode === 'redact') {
    call.redact = (blocked) => {
      const redacted = redactWire(snapshot, reading, blocked, target);
      if (redacted === null) return null;
      toSend = redacted.snapshot;
      return redacted.reading.call;
    };
  }
  // `true`: the common call, allowed as it is, decided without a result object.
  if (guard.gateFetchCached(call) !== undefined) return send(toSend, extra);
  return guard.gate(call).then(() => send(toSend, extra));
}

/**
 * The real `fetch`, given exactly the snapshot. Its init is an object literal (not a spread:
 * undici reads every RequestInit member of it, and V8 reads spread-built objects slowly),
 * with the caller's signal, redirect, credentials, keepalive and dispatcher only when set.
 */
function send(snapshot: WireSnapshot, extra: Extra | null): Promise<Response> {
  const headers = snapshot.headers as [string, string][];
  const body = snapshot.body as NonNullable<RequestInit['body']> | null;
  if (extra === null) return fetch(snapshot.url, { method: snapshot.method, headers, body });
  // `dispatcher` is undici's (not in every RequestInit typing).
  const init = {
    method: snapshot.method,
    headers,
    body,
    signal: extra.signal,
    redirect: extra.redirect,
    credentials: extra.credentials,
    keepalive: extra.keepalive,
    dispatcher: extra.dispatcher,
  } as RequestInit;
  return fetch(snapshot.url, init);
}
