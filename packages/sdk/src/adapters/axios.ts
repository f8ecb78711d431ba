import type { InternalAxiosRequestConfig } from 'axios';
import { FlowgateError } from '../errors.js';
import type { Guard, GuardedCall } from '../guard.types.js';
import { bodyKindOf, pairsToPayload, personalHeaders, redactPairs, removedHeaders, toSearchParams, type Pair } from './body.js';

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

/**
 * An axios request interceptor: `instance.interceptors.request.use(flowgateAxios(guard))`.
 * Reads `config.flowgate = { userId, subprocessor, purpose }` (instance defaults merge with
 * per-request values), decides on `params`, the URL's query and the body before axios
 * serializes anything; a denied request rejects with `ConsentDeniedError` and is never sent.
 */
export function flowgateAxios(
  guard: Guard,
  options: FlowgateAxiosOptions = {},
): (config: Config) => Promise<Config> {
  const unmarked = options.unmarked ?? 'deny';
  return async (config) => {
    const context = config.flowgate;
    if (context === undefined) {
      if (unmarked === 'pass') return config;
      throw new FlowgateError(
        'UNMARKED_CALL',
        `axios request to ${config.url ?? '(no url)'} has no config.flowgate = { userId, subprocessor, purpose }`,
      );
    }
    const url = config.url ?? '';
    const queryAt = url.indexOf('?');
    const queryPairs: Pair[] = queryAt === -1 ? [] : [...new URLSearchParams(url.slice(queryAt + 1))];
    const body = readData(config.data, contentTypeOf(config.headers));

    const payloads: unknown[] = [];
    const at = { params: -1, query: -1, body: -1, headers: -1 };
    const paramPairs: Pair[] | null = config.params instanceof URLSearchParams ? [...config.params] : null;
    if (isPresent(config.params)) {
      at.params = payloads.push(paramPairs !== null ? pairsToPayload(paramPairs) : config.params) - 1;
    }
    if (queryPairs.length > 0) at.query = payloads.push(pairsToPayload(queryPairs)) - 1;
    if (body.kind === 'json' || body.kind === 'form') at.body = payloads.push(body.payload) - 1;
    const flaggedHeaders = personalHeaders(config.headers);
    if (flaggedHeaders !== null) at.headers = payloads.push({ headers: flaggedHeaders }) - 1;

    const call: GuardedCall = {
      userId: context.userId as string,
      subprocessor: context.subprocessor as string,
      purpose: context.purpose,
      gpc: context.gpc,
      fields: context.fields,
      payloads,
      opaque: body.kind === 'opaque' ? ['body'] : [],
    };

    // Decided synchronously while the user is cached: nothing else runs before the call goes out.

    const result = guard.gateCached(call) ?? (await guard.gate(call));
    if (!result.redacted) return config;

    const { blocked } = result.decision;
    const next: Config = { ...config };
    if (at.params !== -1) {
      next.params = paramPairs !== null ? toSearchParams(redactPairs(paramPairs, blocked)) : result.payloads[at.params];
    }
    if (at.query !== -1) {
      const kept = toSearchParams(redactPairs(queryPairs, blocked)).toString();
      next.url = url.slice(0, queryAt) + (kept === '' ? '' : `?${kept}`);
    }
    if (body.kind === 'json') next.data = body.text ? JSON.stringify(result.payloads[at.body]) : result.payloads[at.body];
    else if (body.kind === 'form') {
      const kept = toSearchParams(redactPairs(body.pairs, blocked));
      next.data = body.params ? kept : kept.toString();
    }
    if (flaggedHeaders !== null) {
      // The request's own headers object (axios builds one per request), so instance defaults stay.
      for (const name of removedHeaders(flaggedHeaders, result.payloads[at.headers])) next.headers.delete(name);
    }
    return next;
  };
}

type Data =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly payload: unknown; readonly text: boolean }
  | { readonly kind: 'form'; readonly payload: unknown; readonly pairs: Pair[]; readonly params: boolean }
  | { readonly kind: 'opaque' };

function readData(data: unknown, contentType: string | null): Data {
  if (data === undefined || data === null) return { kind: 'none' };
  if (data instanceof URLSearchParams) {
    const pairs = [...data];
    return { kind: 'form', payload: pairsToPayload(pairs), pairs, params: true };
  }
  if (typeof data === 'string') {
    const kind = bodyKindOf(contentType, data);
    if (kind === 'form') {
      const pairs = [...new URLSearchParams(data)];
      return { kind: 'form', payload: pairsToPayload(pairs), pairs, params: false };
    }
    if (kind === 'json') {
      try {
        return { kind: 'json', payload: JSON.parse(data) as unknown, text: true };
      } catch {
        return { kind: 'opaque' };
      }
    }
    return { kind: 'opaque' };
  }
  if (typeof data === 'object' && isPlainData(data)) {
    // axios serializes plain objects as JSON (or as a form when the content type says so).
    if (bodyKindOf(contentType, null) === 'form') {
      return { kind: 'opaque' };
    }
    return { kind: 'json', payload: data, text: false };
  }
  return { kind: 'opaque' };
}

function isPlainData(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isPresent(params: unknown): boolean {
  if (params === undefined || params === null) return false;
  if (params instanceof URLSearchParams) return [...params.keys()].length > 0;
  return typeof params !== 'object' || Object.keys(params).length > 0;
}

function contentTypeOf(headers: unknown): string | null {
  if (typeof headers !== 'object' || headers === null) return null;
  const h = headers as { get?: (name: string) => unknown } & Record<string, unknown>;
  const value = typeof h.get === 'function' ? h.get('content-type') : (h['content-type'] ?? h['Content-Type']);
  return typeof value === 'string' ? value : null;
}
