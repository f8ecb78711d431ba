import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import type { EgressEngine, Gated, Outbound, Rewrite } from './engine.js';

type RequestFn = (...args: unknown[]) => http.ClientRequest;
type Callback = (error?: Error | null) => void;

/**
 * Puts `engine` in front of `request` and `get` of node:http and node:https (and so of
 * axios, node-fetch, got and the vendor SDKs built on them). Returns the undo.
 */
export function hookHttp(engine: EgressEngine): () => void {
  const saved = [
    [http, http.request, http.get, 'http:'],
    [https, https.request, https.get, 'https:'],
  ] as const;
  for (const [mod, request, , protocol] of saved) {
    const guarded = guardRequest(engine, request as RequestFn, protocol);
    mod.request = guarded as typeof http.request;
    mod.get = function get(this: unknown, ...args: unknown[]): http.ClientRequest {
      const req = guarded.apply(this, args);
      req.end();
      return req;
    } as typeof http.get;
  }
  // ES module imports (`import { request } from 'node:http'`) see the hooks too.
  syncBuiltinESMExports();
  return () => {
    for (const [mod, request, get] of saved) {
      mod.request = request;
      mod.get = get;
    }
    syncBuiltinESMExports();
  };
}

function guardRequest(
  engine: EgressEngine,
  original: RequestFn,
  defaultProtocol: string,
): RequestFn {
  return function request(this: unknown, ...args: unknown[]): http.ClientRequest {
    const out = describeRequest(args, defaultProtocol);
    const verdict = out === null ? null : engine.classify(out);
    const req = original.apply(this, args);
    if (verdict === null) return req;
    if (verdict instanceof Error) {
      silence(req);
      req.destroy(verdict);
      return req;
    }
    holdUntilDecided(engine, req, verdict);
    return req;
  };
}

/** No byte leaves until the decision: writes are buffered (up to the bound), `end()` decides. */
function holdUntilDecided(engine: EgressEngine, req: http.ClientRequest, gated: Gated): void {
  const write = req.write as (...args: unknown[]) => boolean;
  const end = req.end as (...args: unknown[]) => http.ClientRequest;
  const flushHeaders = req.flushHeaders;
  const chunks: Buffer[] = [];
  let size = 0;
  let state: 'holding' | 'deciding' | 'passing' | 'failed' = 'holding';
  let ended = false;
  let endCallback: Callback | undefined;

  const finish = (rewrite: Rewrite | null): void => {
    if (req.destroyed) return;
    state = 'passing';
    req.write = write as typeof req.write;
    req.end = end as typeof req.end;
    req.flushHeaders = flushHeaders;
    let body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (rewrite !== null) {
      if (rewrite.path !== null) req.path = rewrite.path;
      for (const name of rewrite.removeHeaders) req.removeHeader(name);
      if (rewrite.body !== null) {
        body = rewrite.body;
        if (req.hasHeader('content-length')) req.setHeader('content-length', body.length);
      }
    }
    if (ended) {
      if (body.length > 0) end.call(req, body, endCallback);
      else end.call(req, endCallback);
    } else if (body.length > 0) write.call(req, body);
  };
  const fail = (error: unknown): void => {
    state = 'failed';
    req.destroy(error as Error);
  };
  const decide = (opaque: boolean): void => {
    state = 'deciding';
    let result;
    try {
      result = engine.decide(
        gated,
        req.getHeaders(),
        opaque ? null : Buffer.concat(chunks),
        opaque,
      );
    } catch (error) {
      fail(error);
      return;
    }
    if (result === null || !(result instanceof Promise)) finish(result);
    else result.then(finish, fail);
  };

  req.write = function (chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const cb = (typeof encoding === 'function' ? encoding : callback) as Callback | undefined;
    if (state === 'failed') {
      if (cb !== undefined) process.nextTick(cb, new Error('write after the request was denied'));
      return false;
    }
    const buf = toBuffer(chunk, typeof encoding === 'string' ? encoding : undefined);
    chunks.push(buf);
    size += buf.length;
    if (cb !== undefined) process.nextTick(cb);
    // Too large to hold: decided as a body the guard cannot read (monitor mode lets it stream on).
    if (state === 'holding' && size > engine.maxBodyBytes) decide(true);
    return true;
  } as typeof req.write;

  req.end = function (chunk?: unknown, encoding?: unknown, callback?: unknown): http.ClientRequest {
    if (typeof chunk === 'function') callback = chunk;
    else if (typeof encoding === 'function') callback = encoding;
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      const buf = toBuffer(chunk, typeof encoding === 'string' ? encoding : undefined);
      chunks.push(buf);
      size += buf.length;
    }
    if (ended) return req;
    ended = true;
    endCallback = callback as Callback | undefined;
    if (state === 'holding') decide(size > engine.maxBodyBytes);
    return req;
  } as typeof req.end;

  req.flushHeaders = function (): void {
    // The headers go with the decided request.
  };
}

function toBuffer(chunk: unknown, encoding: string | undefined): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding as BufferEncoding | undefined);
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

/** A request denied before its first write: whatever the caller writes next goes nowhere. */
function silence(req: http.ClientRequest): void {
  req.write = function (_chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const cb = (typeof encoding === 'function' ? encoding : callback) as Callback | undefined;
    if (cb !== undefined) process.nextTick(cb);
    return false;
  } as typeof req.write;
  req.end = function (): http.ClientRequest {
    return req;
  } as typeof req.end;
}

/** Host, port and path of `http.request(url?, options?, callback?)`, as Node merges them; null for a unix socket. */
export function describeRequest(
  args: readonly unknown[],
  defaultProtocol: string,
): Outbound | null {
  let url: URL | null = null;
  let i = 0;
  if (typeof args[0] === 'string') {
    url = new URL(args[0]);
    i = 1;
  } else if (args[0] instanceof URL) {
    url = args[0];
    i = 1;
  }
  const o = (
    typeof args[i] === 'object' && args[i] !== null ? args[i] : {}
  ) as http.RequestOptions & { href?: string };
  if (o.socketPath !== undefined) return null;
  let host = o.hostname ?? o.host ?? url?.hostname ?? 'localhost';
  if (host.charCodeAt(0) === 91) host = host.slice(1, -1);
  const protocol = o.protocol ?? url?.protocol ?? defaultProtocol;
  const rawPort = o.port ?? (url !== null && url.port !== '' ? url.port : (o.defaultPort ?? ''));
  const port = String(rawPort);
  const isDefault = port === '' || (protocol === 'https:' ? port === '443' : port === '80');
  return {
    host: host.toLowerCase(),
    port: isDefault ? '' : port,
    path: o.path ?? (url !== null ? url.pathname + url.search : '/'),
  };
}
