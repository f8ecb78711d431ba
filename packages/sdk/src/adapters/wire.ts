import type { BlockedField } from '@flowgate/core';
import type { GuardedCall } from '../guard.types.js';
import { redactPayload } from '../redact.js';
import { bodyKindOf, pairsToPayload, personalHeaders, redactPairs, removedHeaders, type Pair } from './body.js';
import { parseJsonStrict } from './json.js';

/**
 * One outbound HTTP request exactly as it goes on the wire: the guard decides on this and
 * sends this, never the caller's objects again. Private to the guard; `body` is a string or
 * a private copy of the bytes.
 */
export interface WireSnapshot {
  readonly method: string;
  /** Absolute, with the query string. */
  readonly url: string;
  /** Lower-case names, in order. */
  readonly headers: readonly Pair[];
  readonly body: string | Uint8Array | null;
}

export type WireTarget = Pick<GuardedCall, 'userId' | 'subprocessor' | 'purpose' | 'gpc' | 'fields'>;

type Body =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly pairs: Pair[] }
  | { readonly kind: 'multipart'; readonly parts: readonly MultipartPart[]; readonly boundary: string }
  | { readonly kind: 'opaque' };

interface MultipartPart {
  /** The part as sent, delimiter excluded (latin1, so byte for byte). */
  readonly raw: string;
  readonly name: string;
  /** The text of a field part; null for a file. */
  readonly value: string | null;
}

/** What the guard reads off a snapshot, and where each part sits among the call's payloads. */
export interface WireReading {
  readonly call: GuardedCall;
  readonly queryPairs: readonly Pair[];
  readonly body: Body;
  readonly flaggedHeaders: Record<string, string> | null;
  readonly at: { readonly query: number; readonly body: number; readonly headers: number };
}

/** A request's snapshot, without `content-length` (`fetch` sets its own). */
export function wireSnapshot(method: string, url: string, headers: Pair[], body: string | Uint8Array | null): WireSnapshot {
  // Not frozen: it never reaches the caller's code, only the real `fetch` (or axios) as
  // arguments, and nothing in the guard writes to it. Freezing it cost 2 µs on guard.fetch's
  // path right after an I/O wait, and a `fetch` wrapper adding a header to the array would throw.
  let hasLength = false;
  for (let i = 0; i < headers.length; i++) if (headers[i][0] === 'content-length') hasLength = true;
  const kept = hasLength ? headers.filter(([name]) => name !== 'content-length') : headers;
  return { method, url, headers: kept, body };
}

/** Indexed loops here and below, not `for…of` with destructuring: on the hot path, run on a cold CPU, the iterator protocol costs. */
export function headerOf(snapshot: WireSnapshot, name: string): string | null {
  const headers = snapshot.headers;
  for (let i = 0; i < headers.length; i++) if (headers[i][0] === name) return headers[i][1];
  return null;
}

/**
 * Reads a snapshot as the guard decides on it: the URL path, the query string, the headers
 * that look personal, and a JSON, URL-encoded or multipart body. A JSON body with a
 * duplicate key is unreadable (the vendor may read the other value); any other body is
 * opaque unless the call says what it carries.
 */
export function readWire(snapshot: WireSnapshot, target: WireTarget): WireReading {
  return readJsonOnly(snapshot, target) ?? readWireFully(snapshot, target);
}

/** `readWire` of the common JSON call in one step; null for any other call. */
export function readJsonOnly(snapshot: WireSnapshot, target: WireTarget): WireReading | null {
  // A string body whose only header is an exact `application/json` content type, no query
  // string or fragment, a body that parses without a duplicate key: the reading
  // `readWireFully` gives (wire.spec.ts holds the two together), without the generic steps
  // that each touch code afresh right after an I/O wait (lower-casing, the multipart test,
  // `bodyKindOf`, the header classifier, which skips these content types anyway).
  const { url, headers, body: raw } = snapshot;
  if (typeof raw !== 'string' || headers.length !== 1 || headers[0][0] !== 'content-type') return null;
  const type = headers[0][1];
  if (type !== 'application/json' && type !== 'application/json; charset=utf-8') return null;
  const queryAt = url.indexOf('?');
  const hashAt = url.indexOf('#');
  if (queryAt !== -1 || hashAt !== -1) return null;
  const parsed = parseJsonStrict(raw);
  if (!parsed.ok) return null;
  const call: GuardedCall = {
    userId: target.userId,
    subprocessor: target.subprocessor,
    purpose: target.purpose,
    gpc: target.gpc,
    fields: target.fields,
    payloads: [parsed.value],
    opaque: NO_NAMES,
    unreadable: NO_NAMES,
    urlPath: pathOf(url, -1, -1),
    redact: undefined,
  };
  return { call, queryPairs: NO_PAIRS, body: { kind: 'json', value: parsed.value }, flaggedHeaders: null, at: BODY_ONLY };
}

/** Where the parts of a reading with only a body sit (shared, never written to). */
const BODY_ONLY = Object.freeze({ query: -1, body: 0, headers: -1 });

/** `readWire` of any snapshot. */
export function readWireFully(snapshot: WireSnapshot, target: WireTarget): WireReading {
  const url = snapshot.url;
  const queryAt = url.indexOf('?');
  const hashAt = url.indexOf('#');
  const end = hashAt === -1 ? url.length : hashAt;
  const queryPairs: Pair[] = queryAt === -1 || queryAt > end ? NO_PAIRS : [...new URLSearchParams(url.slice(queryAt + 1, end))];
  const urlPath = pathOf(url, queryAt, hashAt);
  const contentType = headerOf(snapshot, 'content-type');
  const unreadable: string[] = [];
  const body = readBody(snapshot.body, contentType, unreadable);
  const flaggedHeaders = personalHeaders(snapshot.headers);

  const payloads: unknown[] = [];
  const at = { query: -1, body: -1, headers: -1 };
  if (queryPairs.length > 0) at.query = payloads.push(pairsToPayload(queryPairs)) - 1;
  if (body.kind === 'json') at.body = payloads.push(body.value) - 1;
  else if (body.kind === 'form') at.body = payloads.push(pairsToPayload(body.pairs)) - 1;
  else if (body.kind === 'multipart') {
    const pairs = body.parts.flatMap((p): Pair[] => (p.value === null ? [] : [[p.name, p.value]]));
    at.body = payloads.push(pairsToPayload(pairs)) - 1;
  }
  if (flaggedHeaders !== null) at.headers = payloads.push({ headers: flaggedHeaders }) - 1;
  let opaque: readonly string[] = NO_NAMES;
  if (body.kind === 'opaque') opaque = ['body'];
  else if (body.kind === 'multipart') opaque = body.parts.filter((p) => p.value === null).map((p) => `body:${p.name}`);

  const call: GuardedCall = {
    userId: target.userId,
    subprocessor: target.subprocessor,
    purpose: target.purpose,
    gpc: target.gpc,
    fields: target.fields,
    payloads,
    opaque,
    unreadable,
    urlPath,
    redact: undefined,
  };
  return { call, queryPairs, body, flaggedHeaders, at };
}

/** Shared empty lists of a reading (never written to). */
const NO_PAIRS: Pair[] = Object.freeze([]) as unknown as Pair[];
const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * The pathname of an absolute URL as it is sent (not decoded); `queryAt` and `hashAt` are
 * the first `?` and `#` of the whole URL (-1 when none).
 */
function pathOf(url: string, queryAt: number, hashAt: number): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  const query = queryAt !== -1 && queryAt < start ? url.indexOf('?', start) : queryAt;
  const hash = hashAt !== -1 && hashAt < start ? url.indexOf('#', start) : hashAt;
  if (query !== -1 && query < end) end = query;
  if (hash !== -1 && hash < end) end = hash;
  return url.slice(start, end);
}

function readBody(raw: string | Uint8Array | null, contentType: string | null, unreadable: string[]): Body {
  if (raw === null) return { kind: 'none' };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    const parts = boundary === undefined ? null : parseMultipart(latin1(raw), boundary);
    return parts === null || boundary === undefined ? { kind: 'opaque' } : { kind: 'multipart', parts, boundary };
  }
  const kind = bodyKindOf(contentType, typeof raw === 'string' ? raw : null);
  if (kind === 'opaque' && !(typeof raw !== 'string' && contentType === null)) return { kind: 'opaque' };
  const text = typeof raw === 'string' ? raw : utf8(raw);
  if (text === null) return { kind: 'opaque' };
  const actual = kind === 'opaque' ? bodyKindOf(null, text) : kind;
  if (actual === 'form') return { kind: 'form', pairs: [...new URLSearchParams(text)] };
  if (actual !== 'json') return { kind: 'opaque' };
  const parsed = parseJsonStrict(text);
  if (parsed.duplicate) {
    unreadable.push('(body: a JSON object with a duplicate key)');
    return { kind: 'none' };
  }
  return parsed.ok ? { kind: 'json', value: parsed.value } : { kind: 'opaque' };
}

function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function latin1(raw: string | Uint8Array): string {
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
}

/** RFC 7578 parts (field parts as UTF-8 text, parts with a filename as files); null when malformed. */
function parseMultipart(text: string, boundary: string): MultipartPart[] | null {
  const delimiter = `--${boundary}`;
  const chunks = text.split(delimiter);
  if (chunks.length < 3 || !chunks[chunks.length - 1].startsWith('--')) return null;
  const parts: MultipartPart[] = [];
  for (const chunk of chunks.slice(1, -1)) {
    const headEnd = chunk.indexOf('\r\n\r\n');
    if (!chunk.startsWith('\r\n') || headEnd === -1 || !chunk.endsWith('\r\n')) return null;
    const head = chunk.slice(2, headEnd);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1];
    const name = disposition === undefined ? undefined : /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) return null;
    const isFile = /\bfilename\*?=/.test(disposition ?? '');
    const value = isFile ? null : Buffer.from(chunk.slice(headEnd + 4, -2), 'latin1').toString('utf8');
    const decodedName = Buffer.from(name.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n'), 'latin1').toString('utf8');
    parts.push({ raw: chunk, name: decodedName, value });
  }
  return parts;
}

/**
 * The snapshot without what `blocked` names, and the guard's reading of it (from the new
 * bytes, so the guard decides again on exactly what will be sent); null when it cannot be
 * redacted (a blocked URL path segment, an unreadable part).
 */
export function redactWire(
  snapshot: WireSnapshot,
  reading: WireReading,
  blocked: readonly BlockedField[],
  target: WireTarget,
): { snapshot: WireSnapshot; reading: WireReading } | null {
  if (blocked.some((b) => b.reason === 'unreadable' || (b.paths ?? [b.field]).some((p) => p.startsWith('url:')))) return null;
  let url = snapshot.url;
  if (reading.queryPairs.length > 0) {
    const queryAt = url.indexOf('?');
    const hashAt = url.indexOf('#', queryAt);
    const kept = new URLSearchParams(redactPairs(reading.queryPairs, blocked) as [string, string][]).toString();
    url = url.slice(0, queryAt) + (kept === '' ? '' : `?${kept}`) + (hashAt === -1 ? '' : url.slice(hashAt));
  }
  let headers = [...snapshot.headers];
  if (reading.flaggedHeaders !== null) {
    const removed = new Set(removedHeaders(reading.flaggedHeaders, redactPayload(reading.call.payloads[reading.at.headers], blocked)));
    headers = headers.filter(([name]) => !removed.has(name));
  }
  let body = snapshot.body;
  const b = reading.body;
  if (b.kind === 'json') {
    const kept = redactPayload(b.value, blocked);
    if (kept === undefined) return null;
    body = JSON.stringify(kept);
  } else if (b.kind === 'form') {
    body = new URLSearchParams(redactPairs(b.pairs, blocked) as [string, string][]).toString();
  } else if (b.kind === 'multipart') {
    const keptPairs = new Set(redactPairs(b.parts.map((p): Pair => [p.name, p.value ?? '']), blocked).map(([name]) => name));
    const kept = b.parts.filter((p) => p.value === null || keptPairs.has(p.name));
    const text = kept.map((p) => `--${b.boundary}${p.raw}`).join('') + `--${b.boundary}--\r\n`;
    body = new Uint8Array(Buffer.from(text, 'latin1'));
  }
  const next = wireSnapshot(snapshot.method, url, headers, body);
  return { snapshot: next, reading: readWire(next, target) };
}
