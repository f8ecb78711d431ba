import { classifyText, type BlockedField } from '@flowgate/core';
import { looksPersonalKey } from '../drift.js';
import { EACH, parsePath } from '../payload-path.js';

export type Pair = readonly [key: string, value: string];

/**
 * Query-string and form pairs read as a JSON value, the way vendor APIs mean them:
 * `customer[email]=…` and `context.ip=…` nest, `items[0][sku]` and repeated keys make
 * arrays. Objects have no prototype, so `__proto__` is just a key.
 */
export function pairsToPayload(pairs: Iterable<Pair>): Record<string, unknown> {
  const root = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of pairs) assign(root, keySegments(key), value);
  return root;
}

/** `customer[email]` → customer, email; `a.b` → a, b; `items[0][sku]` → items, 0, sku; `tags[]` → tags, ''. */
export function keySegments(key: string): string[] {
  const segments: string[] = [];
  const bracket = key.indexOf('[');
  const head = bracket === -1 ? key : key.slice(0, bracket);
  segments.push(...head.split('.'));
  if (bracket !== -1) {
    const re = /\[([^\]]*)\]/g;
    let match: RegExpExecArray | null;
    let end = bracket;
    re.lastIndex = bracket;
    while ((match = re.exec(key)) !== null && match.index === end) {
      segments.push(...(match[1] === '' ? [''] : match[1].split('.')));
      end = re.lastIndex;
    }
    if (end < key.length) segments.push(key.slice(end));
  }
  const kept = segments.filter((s, i) => s !== '' || i > 0);
  return kept.length > 0 ? kept : [''];
}

const isIndex = (segment: string): boolean => segment === '' || /^\d+$/.test(segment);

type Container = Record<string, unknown> | unknown[];
const record = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

function assign(root: Container, segments: readonly string[], value: string): void {
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    const child: unknown = last ? value : isIndex(segments[i + 1]) ? [] : record();
    if (Array.isArray(current)) {
      // Every pair under an array adds an element: indexes only say "an array"; the engine
      // reads all elements alike (`items[*].sku`), so grouping by index changes no decision.
      if (isIndex(segment)) current.push(child);
      else {
        const holder = record();
        holder[segment] = child;
        current.push(holder);
      }
    } else {
      const existing = current[segment];
      if (existing === undefined) current[segment] = child;
      else if (last || typeof existing !== 'object' || existing === null) {
        // Repeated key, or `a=1&a[b]=2`: both kept, as elements of an array.
        if (Array.isArray(existing)) existing.push(child);
        else current[segment] = [existing, child];
      } else if (isIndex(segments[i + 1]) && !Array.isArray(existing)) {
        current[segment] = [existing];
        current = current[segment] as unknown[];
        continue;
      } else {
        current = existing as Container;
        continue;
      }
    }
    if (last) return;
    current = child as Container;
  }
}

/**
 * The pairs to keep once `blocked` is removed. A pair goes when a blocked path, read as
 * names (array markers and indexes aside), is a prefix of the pair's key: that covers every
 * pair the engine saw under a blocked location, and never fewer.
 */
export function redactPairs(pairs: readonly Pair[], blocked: readonly BlockedField[]): Pair[] {
  const removed: string[][] = [];
  for (const entry of blocked) {
    for (const path of entry.paths ?? []) removed.push(parsePath(path).filter((s): s is string => s !== EACH));
  }
  if (removed.length === 0) return [...pairs];
  return pairs.filter(([key]) => {
    // Index segments only say "an array"; a leading one (`0=…`, `=…`) is a name.
    const names = keySegments(key).filter((s, i) => i === 0 || !isIndex(s));
    return !removed.some((prefix) => prefix.length <= names.length && prefix.every((s, i) => s === names[i]));
  });
}

export type BodyKind = 'json' | 'form' | 'opaque';

/** How a body is read from its content type: JSON, URL-encoded form, or not at all. */
export function bodyKindOf(contentType: string | null | undefined, text: string | null): BodyKind {
  // The common case, without lower-casing or a regular expression.
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return 'json';
  const type = (contentType ?? '').toLowerCase();
  if (/\bjson\b|\+json\b/.test(type)) return 'json';
  if (type.includes('application/x-www-form-urlencoded')) return 'form';
  if (type === '' && text !== null && /^\s*[[{]/.test(text)) return 'json';
  return 'opaque';
}

export function toSearchParams(pairs: readonly Pair[]): URLSearchParams {
  return new URLSearchParams(pairs.map(([key, value]): [string, string] => [key, value]));
}

/** Headers that carry transport, content negotiation or the vendor's own credentials: exempt from the name rule (their values are still read). */
const PLUMBING_HEADERS = new Set([
  'accept', 'accept-encoding', 'authorization', 'cache-control', 'connection', 'content-encoding',
  'content-length', 'content-type', 'host', 'idempotency-key', 'if-match', 'if-none-match',
  'traceparent', 'tracestate', 'user-agent', 'x-api-key', 'x-request-id',
]);

/**
 * The request headers that look like personal data: by name (`X-User-Email`, `X-Real-IP`,
 * plumbing headers aside) or by value (an email, IP, phone, card or IBAN, also inside
 * `Authorization: Basic`, a cookie or `tracestate`, once URL- or base64-decoded), keyed by
 * lower-case name; null when none. The guard decides on them as the payload part `headers`,
 * so a map can declare one among a field's paths (`headers.x-user-email`); undeclared, they
 * are blocked like any undeclared data. Other headers are the call's plumbing. Takes headers
 * in any form fetch or axios accepts: `Headers`, pairs, a record, `AxiosHeaders`.
 */
export function personalHeaders(headers: unknown): Record<string, string> | null {
  if (typeof headers !== 'object' || headers === null) return null;
  let found: Record<string, string> | null = null;
  if (Array.isArray(headers)) {
    const pairs = headers as readonly (readonly [string, unknown])[];
    for (let i = 0; i < pairs.length; i++) found = flagHeader(found, pairs[i][0], pairs[i][1]);
    return found;
  }
  if (headers instanceof Headers) {
    for (const [name, value] of headers as Iterable<[string, unknown]>) found = flagHeader(found, name, value);
    return found;
  }
  const h = headers as { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
  const record = typeof h.toJSON === 'function' ? h.toJSON() : h;
  const names = Object.keys(record);
  for (let i = 0; i < names.length; i++) found = flagHeader(found, names[i], record[names[i]]);
  return found;
}

/**
 * Content types so common that classifying them on every call is waste; none is personal
 * data (body.spec.ts holds each to `classifyText`). Exact values only: anything else, a
 * parameter added, is classified as before.
 */
export const COMMON_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8', 'application/json;charset=UTF-8',
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded;charset=UTF-8', 'text/plain;charset=UTF-8',
]);

function flagHeader(found: Record<string, string> | null, rawName: string, rawValue: unknown): Record<string, string> | null {
  const name = rawName.toLowerCase();
  if (rawValue === undefined || rawValue === null) return found;
  const value = String(rawValue);
  if (name === 'content-type' && COMMON_CONTENT_TYPES.has(value)) return found;
  if ((PLUMBING_HEADERS.has(name) || !looksPersonalKey(name)) && classifyText(value) === null) return found;
  const into = found ?? (Object.create(null) as Record<string, string>);
  into[name] = value;
  return into;
}

/** The names of `flagged` headers the decision removed from the redacted `headers` part. */
export function removedHeaders(flagged: Record<string, string>, redactedPart: unknown): string[] {
  const kept = (redactedPart as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
  return Object.keys(flagged).filter((name) => !(name in kept));
}
