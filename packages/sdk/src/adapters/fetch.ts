import { FlowgateError } from '../errors.js';
import type { FetchGuardOptions, GateResult, Guard, GuardedCall } from '../guard.types.js';
import { bodyKindOf, pairsToPayload, personalHeaders, redactPairs, removedHeaders, toSearchParams, type Pair } from './body.js';

/** The fetch body and headers forms (`RequestInit`'s), without needing the DOM lib. */
type BodyInit = NonNullable<RequestInit['body']>;
type HeadersInit = NonNullable<RequestInit['headers']>;

type BodyPart =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly pairs: Pair[]; readonly source: 'string' | 'params' }
  | { readonly kind: 'form-data'; readonly pairs: Pair[]; readonly files: readonly (readonly [string, Blob])[] }
  | { readonly kind: 'opaque' };

/**
 * `fetch` behind the guard: the query string and a JSON, URL-encoded or multipart body are
 * read and decided on before anything is sent. Allowed calls pass the caller's own input
 * and init through untouched; redacted calls send a rebuilt URL and body.
 *
 * Not an async function: while the user is cached, the decision is taken and the real
 * `fetch` called synchronously, and its own promise is returned, so a guarded call costs
 * no extra promise or microtask on the way out or back. Failures still arrive as rejections.
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
    const request = typeof input !== 'string' && input instanceof Request ? input : null;
    if (init?.body === undefined && request?.body) {
      // A Request carrying its own body: read a copy of it first, the one step that waits.
      return request
        .clone()
        .arrayBuffer()
        .then((bytes) => gateAndSend(guard, input, init, options, request, bytes));
    }
    return gateAndSend(guard, input, init, options, request, init?.body ?? null);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** Reads the call, decides (synchronously while the user is cached) and sends what may go. */
function gateAndSend(
  guard: Guard,
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: FetchGuardOptions,
  request: Request | null,
  rawBody: BodyInit | null,
): Promise<Response> {
  const href = request !== null ? request.url : typeof input === 'string' ? input : input instanceof URL ? input.href : String(input);
  // Parsing is only needed for a query string (the common JSON POST has none).
  const queryPairs: Pair[] = href.includes('?') ? [...new URL(href).searchParams] : [];
  const headers = init?.headers ?? request?.headers;
  const body = rawBody === null ? null : readBody(rawBody, contentTypeOf(headers));
  const flaggedHeaders = personalHeaders(headers);

  const payloads: unknown[] = [];
  if (queryPairs.length > 0) payloads.push(pairsToPayload(queryPairs));
  let bodyAt = -1;
  if (body !== null && body.kind === 'json') bodyAt = payloads.push(body.value) - 1;
  else if (body !== null && (body.kind === 'form' || body.kind === 'form-data')) bodyAt = payloads.push(pairsToPayload(body.pairs)) - 1;
  const headersAt = flaggedHeaders === null ? -1 : payloads.push({ headers: flaggedHeaders }) - 1;
  let opaque: readonly string[] = NO_OPAQUE;
  if (body?.kind === 'opaque') opaque = ['body'];
  else if (body?.kind === 'form-data' && body.files.length > 0) opaque = body.files.map(([name]) => `body:${name}`);

  const call: GuardedCall = {
    userId: options.userId,
    subprocessor: options.subprocessor,
    purpose: options.purpose,
    gpc: options.gpc,
    fields: options.fields,
    payloads,
    opaque,
  };
  const parsed: ParsedCall = { input, init, request, href, rawBody, queryPairs, body, bodyAt, flaggedHeaders, headersAt };
  // Decided synchronously while the user is cached: nothing else runs before the call goes out.
  const cached = guard.gateCached(call);
  if (cached !== undefined) return send(parsed, cached);
  return guard.gate(call).then((result) => send(parsed, result));
}

const NO_OPAQUE: readonly string[] = Object.freeze([]);

interface ParsedCall {
  readonly input: string | URL | Request;
  readonly init: RequestInit | undefined;
  readonly request: Request | null;
  readonly href: string;
  readonly rawBody: BodyInit | null;
  readonly queryPairs: readonly Pair[];
  readonly body: BodyPart | null;
  /** Where the body's part is among the call's payloads (-1: none). */
  readonly bodyAt: number;
  /** Headers that look personal, decided on as the part at `headersAt` (-1: none). */
  readonly flaggedHeaders: Record<string, string> | null;
  readonly headersAt: number;
}

/** The caller's own request when nothing was blocked, else one rebuilt without the blocked data. */
function send(call: ParsedCall, result: GateResult): Promise<Response> {
  const { input, init, request, href, rawBody, queryPairs, body, bodyAt, flaggedHeaders, headersAt } = call;
  if (!result.redacted) return fetch(input, init);

  const { blocked } = result.decision;
  const target = new URL(href);
  if (queryPairs.length > 0) target.search = toSearchParams(redactPairs(queryPairs, blocked)).toString();
  const nextHeaders = new Headers(init?.headers ?? request?.headers);
  nextHeaders.delete('content-length');
  if (flaggedHeaders !== null) for (const name of removedHeaders(flaggedHeaders, result.payloads[headersAt])) nextHeaders.delete(name);
  let nextBody: BodyInit | null = rawBody;
  if (body !== null && body.kind === 'json') nextBody = JSON.stringify(result.payloads[bodyAt]);
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
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw instanceof URLSearchParams) return { kind: 'form', pairs: [...raw], source: 'params' };
  else if (raw instanceof FormData) {
    const pairs: Pair[] = [];
    const files: [string, Blob][] = [];
    for (const [key, value] of raw) {
      if (typeof value === 'string') pairs.push([key, value]);
      else files.push([key, value]);
    }
    return { kind: 'form-data', pairs, files };
  } else if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    if (bodyKindOf(contentType, null) === 'opaque') return { kind: 'opaque' };
    text = new TextDecoder('utf-8', { fatal: false }).decode(ArrayBuffer.isView(raw) ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) : new Uint8Array(raw));
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
    referrer: request.referrer,
    integrity: request.integrity,
    keepalive: request.keepalive,
  };
}
