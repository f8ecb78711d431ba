import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { constants as zlib } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { registerBodyParsing, routeOf } from './common/body-parsing';
import { installFrontDoor, type CompressionOptions, type FrontDoorRoute, type HeaderSet } from './common/front-door';
import { registerActorContext } from './auth/actor-context';
import { decisionFrontDoorRoute, registerDirectDecisionRoute } from './decisions/decision-route';
import { preferenceFrontDoorRoute, preferencesFrontDoorRoute } from './consent/preference-front-door';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import type { FlowgateConfig } from './config/configuration';
import { buildOpenApiDocument } from './openapi/openapi.document';
import { httpMetrics } from './observability/http-metrics';
import { MetricsService } from './observability/metrics.service';
import { createRootLogger, fastifyLogging, PinoNestLogger, registerAccessLog, type LoggingOptions } from './observability/logging';

export type FlowgateApp = NestFastifyApplication;

/** Responses at least this large are compressed for clients that accept it. */
export const COMPRESSION_THRESHOLD = 1024;

export interface AppOptions extends LoggingOptions {
  /**
   * `POST /api/v1/decisions` without Nest's per-request pipeline (src/decisions/decision-route.ts);
   * default on. Off only in the test that proves both answer alike.
   */
  directDecisionRoute?: boolean;
  /**
   * `PUT /api/v1/me/preferences/:flowKey`'s and `PUT /api/v1/me/preferences`' ordinary requests served in front of Fastify
   * (src/consent/preference-front-door.ts); default on. Off only in the test that proves both answer alike.
   */
  preferenceFrontDoor?: boolean;
}

/** Builds the HTTP app exactly as `main.ts` runs it; e2e tests use the same. */
export async function createApp(config: FlowgateConfig, logging: AppOptions = {}): Promise<FlowgateApp> {
  const logger = createRootLogger(config, logging);
  const adapter = new FastifyAdapter({
    ...fastifyLogging(logger),
    // The limit of routes without their own (404s); each route gets its own (body-parsing.ts).
    bodyLimit: config.bodyLimits.default,
    // User ids and keys in paths may be long (the validators say how long, with a 4xx).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // No proxy headers are trusted: the client address is the socket's.
    trustProxy: false,
    // No Nest or Express-style middleware here (hooks instead): no middie on every request.
    skipMiddie: true,
  });
  const app = await NestFactory.create<FlowgateApp>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  const instance = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const observe = httpMetrics(app.get(MetricsService));
  registerAccessLog(instance, config, observe);
  const headers = securityHeaders(config.allowedOrigins);
  registerSecurityHeaders(instance, headers);
  // After the security headers, so Cross-Origin-Resource-Policy can be relaxed for listed origins.
  if (config.allowedOrigins.length > 0) registerEmbedCors(instance, config.allowedOrigins);
  registerActorContext(instance);
  registerBodyParsing(instance, config.bodyLimits);
  // POST /api/v1/decisions, the hot path, without Nest's per-request pipeline (same guard, handler, errors),
  // its ordinary requests served in front of Fastify (same parts again).
  // The one-flow preference write, the consent write path's hot route, likewise in front of Fastify.
  const frontDoorRoutes: FrontDoorRoute[] = [];
  if (logging.directDecisionRoute !== false) {
    const decisions = decisionFrontDoorRoute(app);
    registerDirectDecisionRoute(instance, app, decisions);
    frontDoorRoutes.push(decisions);
  }
  if (logging.preferenceFrontDoor !== false) {
    frontDoorRoutes.push(preferenceFrontDoorRoute(app, config.allowedOrigins), preferencesFrontDoorRoute(app, config.allowedOrigins));
  }
  if (frontDoorRoutes.length > 0) {
    installFrontDoor(instance, {
      routes: frontDoorRoutes,
      bodyLimit: (url) => routeOf(url, config.bodyLimits).limit,
      headers: headers.api,
      tlsHeaders: headers.hsts,
      logger,
      logUserIds: config.logUserIds,
      observe,
      mapException: (error) => adapter.mapException(error),
      compression: COMPRESSION,
    });
  }
  await registerCompression(app, instance);
  await registerClient(app, instance);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app));
  return app;
}

/** Starts the app and waits until Fastify has loaded its plugins and routes. */
export async function initApp(app: FlowgateApp): Promise<FlowgateApp> {
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * Compresses responses over 1 KB for clients that accept it (@fastify/compress): the
 * whole-map graph of a large map is 20 MB of JSON and 1.3–1.7 MB compressed. Low effort
 * levels (brotli 4, gzip 1) keep that to about 110 ms of CPU instead of 300+. Routes whose
 * answers are always small (a single decision, health) do not get the hook at all, so
 * they pay nothing for it. The change feed (server-sent events) writes to the socket
 * directly and is never compressed: compressing it would hold events back until a
 * compressed block filled.
 */
async function registerCompression(app: FlowgateApp, instance: FastifyInstance): Promise<void> {
  // Before the plugin's own onRoute hook, which reads `compress`.
  instance.addHook('onRoute', (route) => {
    if (ALWAYS_SMALL.test(route.url ?? '')) (route as { compress?: boolean }).compress = false;
  });
  await app.register(fastifyCompress, { global: true, ...COMPRESSION, encodings: [...COMPRESSION.encodings] });
}

/**
 * @fastify/compress's options, which the front door applies alike to the answers it
 * compresses. `syncThreshold` is the plugin's own default, spelled out so that both use the
 * same: 64 KB halved three times per core past the first, 4–64 KB (up to 4 cores).
 */
export const COMPRESSION: CompressionOptions = {
  threshold: COMPRESSION_THRESHOLD,
  syncThreshold: Math.min(Math.max(65_536 >> (3 * (Math.min(availableParallelism(), 4) - 1)), 4096), 65_536),
  encodings: ['br', 'gzip', 'deflate'],
  zlibOptions: { level: 1 },
  brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
};

/** Routes whose answers are always under the compression threshold. */
const ALWAYS_SMALL = /^\/api\/(?:health(?:\/.*)?|v1\/decisions)$/;

/**
 * The web client (client/, built to client/dist) with @fastify/static: assets at /, the
 * page (index.html) for /, /graph and /settings (the client routes them); /api/* is never
 * the client's (a path there that no route takes gets the API's 404). The embed
 * (client/dist/embed): `preferences.<hash>.js` never changes, so it is cached for a year;
 * `preferences.js` is always the newest, so caches check it every time (ETag).
 */
async function registerClient(app: FlowgateApp, instance: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: resolve(process.cwd(), 'client/dist'),
    index: 'index.html',
    maxAge: 0,
    setHeaders: embedCaching,
  });
  const page = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  instance.get('/graph', page);
  instance.get('/settings', page);
}

function embedCaching(reply: FastifyReply, path: string): void {
  if (/[\\/]embed[\\/]preferences\.[0-9a-f]{12}\.js$/.test(path)) {
    void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
  } else if (/[\\/]embed[\\/]/.test(path)) {
    void reply.header('Cache-Control', 'no-cache');
  }
}

/**
 * The headers one helmet configuration sets, computed once: helmet's directives here do
 * not depend on the request, so running it per request (12–63 µs) would recompute the same
 * strings every time.
 */
export function helmetHeaders(options: Parameters<typeof helmet>[0]): HeaderSet {
  const headers: [string, string][] = [];
  const res = {
    setHeader(name: string, value: string | number) {
      headers.push([name, String(value)]);
    },
    removeHeader() {},
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (error?: unknown) => {
    failed = error;
  });
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return headers;
}

/**
 * Security headers on every response (helmet), with a strict Content-Security-Policy: the
 * pages keep admin and user tokens in sessionStorage, so no script, style or connection
 * from anywhere but this origin may run, and no other site may frame them. The client is
 * built for it (module scripts and stylesheets from files, no inline code). The OpenAPI page
 * (`/api/docs`, Swagger UI) brings inline code of its own, so it keeps every header but
 * the CSP. No `upgrade-insecure-requests`: the quick start serves plain HTTP on localhost.
 * Strict-Transport-Security only on requests that came over TLS.
 *
 * With `FLOWGATE_ALLOWED_ORIGINS` set, `/settings` (and only it) may be framed by those
 * origins: its `frame-ancestors` lists them and it sends no `X-Frame-Options` (which cannot
 * name origins). Every other page still refuses to be framed.
 *
 * API answers (`/api/*` but the OpenAPI page) carry only the headers that matter for a
 * response a browser reads rather than navigates to: the same CSP, `X-Content-Type-Options`,
 * `X-Frame-Options` and `Cross-Origin-Resource-Policy`.
 *
 * Each kind of response's headers are computed once at boot (`helmetHeaders`) and set on
 * the Node response, so every answer carries them: errors, static files, the SSE feed.
 */
function registerSecurityHeaders(instance: FastifyInstance, sets: SecurityHeaders): void {
  const { strict, framable, docs, api, hsts } = sets;
  instance.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    const set = url.startsWith('/api/') ? (url.startsWith('/api/docs') ? docs : api) : SETTINGS.test(url) ? framable : strict;
    const res = reply.raw;
    for (let i = 0; i < set.length; i++) res.setHeader(set[i][0], set[i][1]);
    if ((request.raw.socket as { encrypted?: boolean }).encrypted) for (const [name, value] of hsts) res.setHeader(name, value);
    done();
  });
}

/** Each kind of response's security headers (see `registerSecurityHeaders`). */
interface SecurityHeaders {
  strict: HeaderSet;
  framable: HeaderSet;
  docs: HeaderSet;
  api: HeaderSet;
  hsts: HeaderSet;
}

function securityHeaders(allowedOrigins: readonly string[]): SecurityHeaders {
  const directives = (frameAncestors: string[]) => ({
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // The one <style> cytoscape adds (`.__________cytoscape_container { position: relative; }`), by hash.
    styleSrc: ["'self'", "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors,
  });
  const strict = helmetHeaders({ strictTransportSecurity: false, contentSecurityPolicy: { useDefaults: false, directives: directives(["'none'"]) } });
  const framable =
    allowedOrigins.length > 0
      ? helmetHeaders({
          contentSecurityPolicy: { useDefaults: false, directives: directives(["'self'", ...allowedOrigins]) },
          xFrameOptions: false,
          strictTransportSecurity: false,
        })
      : strict;
  const docs = helmetHeaders({ contentSecurityPolicy: false, strictTransportSecurity: false });
  // API answers (JSON, CSV, SSE, the record of processing as HTML) keep the headers that
  // guard a response read by a browser: the same CSP, nosniff, X-Frame-Options and
  // Cross-Origin-Resource-Policy. The rest of helmet's set governs pages a user navigates
  // (opener, referrer, DNS prefetch, agent cluster, IE/Flash-era headers); writing those
  // seven on every answer cost ~1.5 µs of a decision for nothing.
  const api = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: directives(["'none'"]) },
    strictTransportSecurity: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  // HSTS only on a response that came over TLS: on plain HTTP the header means nothing
  // to browsers, and on localhost it would pin every other local app to HTTPS.
  const hsts = helmetHeaders({
    contentSecurityPolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    xContentTypeOptions: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  });
  return { strict, framable, docs, api, hsts };
}

const SETTINGS = /^\/settings\/?(?:\?|$)/;

/** The routes a host page on another origin may call: the preference-centre API and the embed script. */
export const CORS_PATHS = /^\/(?:api\/v1\/me(?:\/.*)?|embed\/.*)$/;

/**
 * CORS for the embedded preference centre, only when `FLOWGATE_ALLOWED_ORIGINS` lists
 * origins and only on `CORS_PATHS`: a listed `Origin` is echoed back (never `*`, never
 * credentials: the user token travels in `Authorization`), any other origin gets no CORS
 * header, so its browser keeps the answer from it. Preflights on those paths are answered
 * here with 204, before authentication (a preflight carries no token). (@fastify/cors
 * would answer every path, or need its per-request delegate to do this same test.)
 */
function registerEmbedCors(instance: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  instance.addHook('onRequest', (request, reply, done) => {
    const q = request.url.indexOf('?');
    if (!CORS_PATHS.test(q === -1 ? request.url : request.url.slice(0, q))) return done();
    const res = reply.raw;
    // On the reply, where compression and static files add theirs (`Accept-Encoding`) to it.
    void reply.header('Vary', 'Origin');
    const origin = request.headers.origin;
    const listed = typeof origin === 'string' && allowed.has(origin);
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Idempotent-Replayed, ETag');
      // The embed script and API answers are meant for that page (helmet would say same-origin).
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    if (request.method !== 'OPTIONS') return done();
    if (listed) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, Sec-GPC, Accept-Language');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    void reply.code(204).send();
  });
}
