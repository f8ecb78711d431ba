import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { brotliCompressSync, createBrotliCompress, createDeflate, createGzip, deflateSync, gzipSync, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import negotiate from '@fastify/accept-negotiator';
import { errorCodes, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Principal } from '../auth/principal';
import { inActorContext } from '../auth/actor-context';
import { accessLine, requestId, writeRequestAccessLine } from '../observability/logging';
import type { RequestObserver } from '../observability/http-metrics';
import { parseBodyText } from './body-parsing';
import { errorBody, retryAfterOf } from './http-exception.filter';
import { DEFAULT_JSON_LIMITS, type JsonLimits } from './json-scan';

/** Headers set on every answer of a kind, computed once at boot (`helmetHeaders`). */
export type HeaderSet = ReadonlyArray<readonly [string, string]>;

/** A request the front door serves: what a route's handler and the auth guard read of it. */
export interface FrontDoorRequest {
  /** Its request id (`X-Request-Id`), as Fastify's `request.id`. */
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address, as Fastify's `request.ip` (no proxy headers are trusted). */
  readonly ip: string | undefined;
  readonly socket: Socket;
  /** The path's parameters, as `match` read them. */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed body (undefined for none), as Fastify's `request.body`. */
  body: unknown;
  /** Set by the auth guard: the access log names the caller's kind. */
  principal?: Principal;
}

/** What a route's `handle` may add to its 200 answer: headers, as Fastify's `reply.header`. */
export interface FrontDoorReply {
  header(name: string, value: string): FrontDoorReply;
}

/** A route served in front of Fastify. Nest still declares it (and Fastify still serves what the front door leaves). */
export interface FrontDoorRoute {
  readonly method: 'POST' | 'PUT';
  /** The route's template as Fastify's router knows it: the access log's and the metrics' route label. */
  readonly url: string;
  /**
   * The path's parameters when `path` (without its query) is this route's, else null. Only
   * plain paths: anything Fastify's router would decode or normalise is left to Fastify.
   */
  match(path: string): Record<string, string> | null;
  /**
   * Whether the front door takes this request (its headers), beyond the method, path and
   * body form every route asks for; default every such request. A route whose answers
   * Fastify would change by a request header (compression, CORS) leaves those to Fastify.
   */
  takes?(req: IncomingMessage): boolean;
  /** Headers every answer of this route carries besides the API's (as Fastify's hooks add them: CORS's `Vary`). */
  readonly headers?: HeaderSet;
  /**
   * `handle` runs inside a fresh actor context (`anonymous` until the auth guard names the
   * caller), as Fastify's `preHandler` hook runs a route's Nest handler (auth/actor-context.ts).
   */
  readonly actorContext?: boolean;
  /** Its answers of `compression.threshold` bytes or more are compressed as @fastify/compress would (`FrontDoorOptions.compression`). */
  readonly compress?: boolean;
  /**
   * What the route's Nest handler does after the body is parsed (guard, handler): the 200
   * answer's JSON value (or a promise of it); an error thrown or rejected is answered as
   * Fastify's error handler would (the adapter's `mapException`, then `errorBody`).
   */
  handle(request: FrontDoorRequest, reply: FrontDoorReply): unknown;
}

export interface FrontDoorOptions {
  readonly routes: readonly FrontDoorRoute[];
  /** Each route's body limit, as `registerBodyParsing` sets it on the Fastify route. */
  bodyLimit(url: string): number;
  /** The security headers of an API answer, and the ones added over TLS (app.factory.ts). */
  readonly headers: HeaderSet;
  readonly tlsHeaders: HeaderSet;
  /** The root logger: the access line is its request child's, as Fastify makes it. */
  readonly logger: PinoLogger;
  readonly logUserIds: boolean;
  readonly observe?: RequestObserver;
  /** The HTTP adapter's `mapException`, which Nest applies before the exception filter. */
  mapException(error: unknown): unknown;
  readonly json?: JsonLimits;
  /** @fastify/compress's options as app.factory.ts registers them: what `compress` routes' answers get. */
  readonly compression?: CompressionOptions;
}

/** The options @fastify/compress is registered with (app.factory.ts), which the front door applies alike. */
export interface CompressionOptions {
  /** Answers of at least this many bytes are compressed. */
  readonly threshold: number;
  /** Answers up to this many bytes are compressed at once (with `Content-Length`), larger ones streamed. */
  readonly syncThreshold: number;
  /** In the order of preference, as the plugin's `encodings`. */
  readonly encodings: readonly ('br' | 'gzip' | 'deflate')[];
  readonly zlibOptions: ZlibOptions;
  readonly brotliOptions: BrotliOptions;
}

/** The only content types the front door takes; every other request goes to Fastify untouched. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = errorCodes;

/**
 * A `request` listener on Fastify's own server, in front of Fastify's: the hot routes'
 * ordinary requests (method, a plain path, `Content-Type: application/json`, a body) are
 * served here at the `node:http` level (no `Content-Encoding`: @fastify/compress inflates those), without Fastify's request and reply objects, routing,
 * hook runners and content-type parser (~half of a decision's server CPU); every other
 * request (other methods, paths or forms of the path, content types, no body, a server
 * closing) goes to Fastify's handler untouched, which answers it as before.
 *
 * What a request the front door takes gets is what Fastify's pipeline gives it, in the same
 * order and from the same functions: its request id (`requestId`, echoed as `X-Request-Id`),
 * the API security headers, the route's body limit (413 from `Content-Length` before reading,
 * or as soon as a chunked body passes it; Fastify's own error objects), the length check and
 * a stream error (400), `parseBodyText` (`scanJson` then `JSON.parse`: 400s naming the
 * field), then the route's `handle` (the auth guard's 401/403/429, the handler); errors go
 * through the adapter's `mapException` and `errorBody` (the exception filter's body, with
 * `Retry-After`). When the response finishes or its connection closes: the access-log line
 * (`writeRequestAccessLine`, the line Fastify's request logger would write) and the HTTP
 * metrics, by the route's template. A route may also ask for what Fastify's hooks would add:
 * its own headers (CORS's `Vary`), an actor context around `handle` (the `preHandler` hook),
 * and compression of answers of 1 KB or more as @fastify/compress would (`compress`); it may
 * leave requests to Fastify by their headers (`takes`). test/e2e/decision-route.e2e-spec.ts and
 * preference-route.e2e-spec.ts compare it with the routes served by Nest and Fastify, hostile
 * requests included.
 *
 * Call after `NestFactory.create` and before `app.init()` (it adds a `preClose` hook).
 */
export function installFrontDoor(instance: FastifyInstance, options: FrontDoorOptions): void {
  const server = instance.server;
  const fastifyHandlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (fastifyHandlers.length !== 1) throw new Error(`The front door expects Fastify's one request listener, found ${fastifyHandlers.length}`);
  const fastify = fastifyHandlers[0];
  const limits = new Map(options.routes.map((r) => [r, options.bodyLimit(r.url)]));
  const routeHeaders = new Map(options.routes.map((r) => [r, (r.headers ?? []).flat()]));
  const json = options.json ?? DEFAULT_JSON_LIMITS;
  const headers = options.headers.flat();
  const secureHeaders = [...headers, ...options.tlsHeaders.flat()];
  // Once the app closes, Fastify answers (its 503 and `Connection: close` while draining).
  let closing = false;
  instance.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  const routeOf = (req: IncomingMessage): { route: FrontDoorRoute; params: Record<string, string> } | null => {
    if (closing) return null;
    const method = req.method;
    if (method !== 'POST' && method !== 'PUT') return null;
    const type = req.headers['content-type'];
    if (type === undefined || !JSON_TYPES.has(type)) return null;
    // A compressed body is Fastify's to decompress (@fastify/compress, every route).
    if (req.headers['content-encoding'] !== undefined) return null;
    if (req.headers['transfer-encoding'] === undefined) {
      const length = req.headers['content-length'];
      if (length === undefined || length === '0') return null;
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const route of options.routes) {
      if (route.method !== method) continue;
      const params = route.match(path);
      if (params !== null) return route.takes === undefined || route.takes(req) ? { route, params } : null;
    }
    return null;
  };

  const serve = (route: FrontDoorRoute, params: Record<string, string>, req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const id = requestId(req);
    const socket = req.socket;
    // The answer's headers, written at once with it (`writeHead` of a flat list: no header map).
    const head: string[] = ['X-Request-Id', id, ...((socket as { encrypted?: boolean }).encrypted ? secureHeaders : headers), ...routeHeaders.get(route)!];
    const request: FrontDoorRequest = {
      id,
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      ip: socket.remoteAddress,
      socket,
      params,
      body: undefined,
      principal: undefined,
    };
    res.once('close', () => {
      const durationMs = performance.now() - started;
      const status = res.statusCode;
      const access = accessLine(request.method, route.url, status, request.principal, Math.round(durationMs * 100) / 100, options.logUserIds);
      options.observe?.(access.method, access.route, status, durationMs);
      writeRequestAccessLine(options.logger, id, status >= 500 ? 'error' : 'info', access, `${request.method} ${route.url} ${status}`);
    });
    const limit = limits.get(route)!;
    const compression = route.compress === true && options.compression !== undefined ? { options: options.compression, req } : undefined;
    const log = { error: (fields: object, message: string) => options.logger.child({ requestId: id }).error(fields, message) };
    const fail = (error: unknown): void => {
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      try {
        const mapped = options.mapException(error);
        const body = errorBody(mapped, { bodyLimit: limit, log });
        const retryAfter = retryAfterOf(mapped);
        if (retryAfter !== undefined) head.push('Retry-After', retryAfter);
        send(res, body.statusCode, head, body, compression);
      } catch (failure) {
        // Never a crash from a callback: the plain 500 of an unknown error.
        log.error({ context: 'Errors', err: failure }, 'Unhandled error');
        if (!res.headersSent) send(res, 500, head, { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
        else if (!res.writableEnded) res.end();
      }
    };
    // An answer that cannot be serialised is an error like any other (Fastify's reply.send: a 500).
    const answer = (value: unknown): void => {
      try {
        send(res, 200, head, value, compression);
      } catch (error) {
        fail(error);
      }
    };
    const reply: FrontDoorReply = {
      header(name, value) {
        head.push(name, value);
        return reply;
      },
    };
    readBody(req, limit, (error, text) => {
      if (error !== null) return fail(error);
      let result: unknown;
      try {
        request.body = parseBodyText(request.method, 'application/json', text!, json);
        result = route.actorContext === true ? inActorContext(() => route.handle(request, reply)) : route.handle(request, reply);
      } catch (e) {
        return fail(e);
      }
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result);
    });
  };

  const count = { served: 0 };
  servedCounts.set(server, count);
  server.removeListener('request', fastify);
  server.on('request', function frontDoor(req: IncomingMessage, res: ServerResponse) {
    const taken = routeOf(req);
    if (taken === null) return fastify(req, res);
    count.served++;
    serve(taken.route, taken.params, req, res);
  });
}

const servedCounts = new WeakMap<object, { served: number }>();

/** How many requests a server's front door has taken (0 without one): tests tell with it which side answered. */
export function frontDoorServed(server: object): number {
  return servedCounts.get(server)?.served ?? 0;
}

/**
 * A JSON answer, as Fastify's `reply.send` of an object writes it; for a `compress` route,
 * compressed as @fastify/compress's `onSend` hook would (`compressed`).
 */
function send(res: ServerResponse, status: number, head: string[], value: unknown, compression?: { options: CompressionOptions; req: IncomingMessage }): void {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json);
  if (compression !== undefined && length >= compression.options.threshold) {
    const encoding = encodingOf(compression.req, compression.options.encodings);
    if (encoding !== undefined) return compressed(res, status, head, json, length, encoding, compression.options);
  }
  head.push('content-type', 'application/json; charset=utf-8', 'content-length', String(length));
  res.writeHead(status, head);
  res.end(json);
}

/** @fastify/compress's choice of encoding for a request (`getEncodingHeader`): none for no header, `identity` or `x-no-compression`. */
function encodingOf(req: IncomingMessage, encodings: readonly string[]): 'br' | 'gzip' | 'deflate' | undefined {
  if (req.headers['x-no-compression'] !== undefined) return undefined;
  const header = req.headers['accept-encoding'];
  if (header == null) return undefined;
  // The no-preference token and x-gzip count as gzip, as the plugin reads them.
  const encoding = negotiate(header.toLowerCase().replace(/\*|x-gzip/gu, 'gzip'), encodings as string[]);
  return encoding === null || encoding === undefined || encoding === 'identity' ? undefined : (encoding as 'br' | 'gzip' | 'deflate');
}

/**
 * A compressed answer as @fastify/compress's `onSend` writes one: `Vary` gains
 * `accept-encoding`, `Content-Encoding` names the encoding; up to its `syncThreshold` the
 * whole body compressed at once with its `Content-Length`, above it streamed (chunked).
 */
function compressed(res: ServerResponse, status: number, head: string[], json: string, length: number, encoding: 'br' | 'gzip' | 'deflate', options: CompressionOptions): void {
  const vary = head.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'vary');
  if (vary === -1) head.push('Vary', 'accept-encoding');
  else if (!head[vary + 1].includes('accept-encoding')) head[vary + 1] = `${head[vary + 1]}, accept-encoding`;
  head.push('content-type', 'application/json; charset=utf-8', 'Content-Encoding', encoding);
  const buffer = Buffer.from(json);
  if (length <= options.syncThreshold) {
    const body = encoding === 'br' ? brotliCompressSync(buffer, options.brotliOptions) : encoding === 'gzip' ? gzipSync(buffer, options.zlibOptions) : deflateSync(buffer, options.zlibOptions);
    head.push('Content-Length', String(body.length));
    res.writeHead(status, head);
    res.end(body);
    return;
  }
  const stream = encoding === 'br' ? createBrotliCompress(options.brotliOptions) : encoding === 'gzip' ? createGzip(options.zlibOptions) : createDeflate(options.zlibOptions);
  res.writeHead(status, head);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  stream.end(buffer);
}

/**
 * Fastify's `rawBody` for a string parser: the limit against `Content-Length` before a byte
 * is read and against the bytes received as they come, the length check at the end, a
 * stream error (an aborted body) as a 400, and one UTF-8 decode of the whole body.
 */
function readBody(req: IncomingMessage, limit: number, done: (error: Error | null, text?: string) => void): void {
  const contentLength = Number(req.headers['content-length']);
  if (contentLength > limit) return done(new FST_ERR_CTP_BODY_TOO_LARGE());
  let received = 0;
  const chunks: Buffer[] = [];
  const stop = () => {
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer) {
    received += chunk.length;
    if (received > limit) {
      stop();
      done(new FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(error?: Error & { statusCode?: number }) {
    stop();
    if (error != null) {
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      return done(error);
    }
    if (!Number.isNaN(contentLength) && received !== contentLength) return done(new FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    done(null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
  }
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onEnd);
  req.resume();
}
