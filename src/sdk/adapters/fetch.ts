import { FlowgateError } from '../errors';
import type { FetchGuardOptions, Guard, GuardedCall } from '../guard.types';
import { bodyKindOf, pairsToPayload, redactPairs, toSearchParams, type Pair } from './body';

type BodyPart =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly pairs: Pair[]; readonly source: 'string' | 'params' }
  | { readonly kind: 'form-data'; readonly pairs: Pair[]; readonly files: readonly (readonly [string, Blob])[] }
  | { readonly kind: 'opaque' };

/**
 * `fetch` behind the guard: the query string and a JSON, URL-encoded or multipart body are
 * read and decided on before anything is sent. Allowed calls pass the caller's own input
 * and init through untouched; redacted calls send a rebuilt URL and body.
 */
export async function guardedFetch(
  guard: Guard,
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: FetchGuardOptions,
): Promise<Response> {
  if (typeof options !== 'object' || options === null) {
    throw new FlowgateError('INVALID_OPTIONS', 'guard.fetch needs { userId, subprocessor, purpose? } as its third argument');
  }
  const request = input instanceof Request ? input : null;
  const href = request !== null ? request.url : input instanceof URL ? input.href : String(input);
  // Parsing is only needed for a query string (the common JSON POST has none).
  const url = href.includes('?') ? new URL(href) : null;
  const rawBody = init?.body !== undefined ? init.body : request?.body ? await request.clone().arrayBuffer() : null;
  const body = rawBody === null || rawBody === undefined ? null : readBody(rawBody, contentTypeOf(init?.headers ?? request?.headers));

  const queryPairs: Pair[] = url === null || url.search === '' ? [] : [...url.searchParams];
  const payloads: unknown[] = [];
  if (queryPairs.length > 0) payloads.push(pairsToPayload(queryPairs));
  const bodyIndex = payloads.length;
  if (body !== null && body.kind === 'json') payloads.push(body.value);
  else if (body !== null && (body.kind === 'form' || body.kind === 'form-data')) payloads.push(pairsToPayload(body.pairs));
  const opaque: string[] = [];
  if (body?.kind === 'opaque') opaque.push('body');
  if (body?.kind === 'form-data' && body.files.length > 0) opaque.push(...body.files.map(([name]) => `body:${name}`));

  const call: GuardedCall = {
    userId: options.userId,
    subprocessor: options.subprocessor,
    purpose: options.purpose,
    gpc: options.gpc,
    fields: options.fields,
    payloads,
    opaque,
  };

  // Decided synchronously while the user is cached: nothing else runs before the call goes out.

  const result = guard.gateCached(call) ?? (await guard.gate(call));
  if (!result.redacted) return fetch(input, init);

  const { blocked } = result.decision;
  const target = new URL(href);
  if (queryPairs.length > 0) target.search = toSearchParams(redactPairs(queryPairs, blocked)).toString();
  const nextHeaders = new Headers(init?.headers ?? request?.headers);
  nextHeaders.delete('content-length');
  let nextBody: BodyInit | null | undefined = rawBody;
  if (body !== null && body.kind === 'json') nextBody = JSON.stringify(result.payloads[bodyIndex]);
  else if (body !== null && body.kind === 'form') {
    const kept = toSearchParams(redactPairs(body.pairs, blocked));
    nextBody = body.source === 'params' ? kept : kept.toString();
  } else if (body !== null && body.kind === 'form-data') {
    const form = new FormData();
    for (const [key, value] of redactPairs(body.pairs, blocked)) form.append(key, value);
    for (const [key, file] of body.files) form.append(key, file);
    nextBody = form;
    nextHeaders.delete('content-type');
  }
  const method = init?.method ?? request?.method ?? 'GET';
  const base: RequestInit = request !== null ? requestInit(request) : {};
  return fetch(target, { ...base, ...init, method, headers: nextHeaders, body: nextBody });
}

/** The content type from whatever form the headers were given in, without building `Headers` when avoidable. */
function contentTypeOf(headers: HeadersInit | undefined): string | null {
  if (headers === undefined) return null;
  if (headers instanceof Headers) return headers.get('content-type');
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) if (name.toLowerCase() === 'content-type') return value;
    return null;
  }
  const record = headers as Record<string, string>;
  const direct = record['content-type'] ?? record['Content-Type'];
  if (direct !== undefined) return direct;
  for (const name of Object.keys(record)) if (name.toLowerCase() === 'content-type') return record[name];
  return null;
}

function readBody(raw: BodyInit, contentType: string | null): BodyPart {
  if (raw instanceof URLSearchParams) return { kind: 'form', pairs: [...raw], source: 'params' };
  if (raw instanceof FormData) {
    const pairs: Pair[] = [];
    const files: [string, Blob][] = [];
    for (const [key, value] of raw) {
      if (typeof value === 'string') pairs.push([key, value]);
      else files.push([key, value]);
    }
    return { kind: 'form-data', pairs, files };
  }
  let text: string | null = null;
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    if (bodyKindOf(contentType, null) === 'opaque') return { kind: 'opaque' };
    text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
  } else return { kind: 'opaque' };
  const kind = bodyKindOf(contentType, text);
  if (kind === 'form') return { kind: 'form', pairs: [...new URLSearchParams(text)], source: 'string' };
  if (kind === 'json') {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch {
      return { kind: 'opaque' };
    }
  }
  return { kind: 'opaque' };
}

function requestInit(request: Request): RequestInit {
  return {
    method: request.method,
    headers: request.headers,
    redirect: request.redirect,
    signal: request.signal,
    credentials: request.credentials,
    cache: request.cache,
    referrer: request.referrer,
    integrity: request.integrity,
    keepalive: request.keepalive,
  };
}
