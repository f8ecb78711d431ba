import { constants as zlib } from 'node:zlib';
import { NestFactory } from '@nestjs/core';
import compression from 'compression';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { bodyParsing } from './common/body-parsing';
import { actorContext } from './auth/actor-context';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import type { FlowgateConfig } from './config/configuration';
import { buildOpenApiDocument } from './openapi/openapi.document';
import { httpMetrics } from './observability/http-metrics';
import { MetricsService } from './observability/metrics.service';
import { accessLog, createRootLogger, PinoNestLogger, type LoggingOptions } from './observability/logging';

/** Builds the HTTP app exactly as `main.ts` runs it; e2e tests use the same. */
export async function createApp(config: FlowgateConfig, logging: LoggingOptions = {}): Promise<NestExpressApplication> {
  const logger = createRootLogger(config, logging);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
  });
  app.use(actorContext());
  app.use(accessLog(config, logger));
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(bodyParsing(config.bodyLimits));
  app.use(securityHeaders(config.allowedOrigins));
  // After helmet, so its Cross-Origin-Resource-Policy can be relaxed for listed origins.
  if (config.allowedOrigins.length > 0) app.use(embedCors(config.allowedOrigins));
  app.use(compressResponses());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app));
  return app;
}

/**
 * Compresses responses over 1 KB for clients that accept it: the whole-map graph of a large
 * map is 20 MB of JSON and 1.3–1.7 MB compressed. Low effort levels (brotli 4, gzip 1) keep
 * that to about 110 ms of CPU instead of 300+. The change feed (server-sent events) sends
 * `Cache-Control: no-transform`, which the middleware honours: compressing it would hold
 * events back until a compressed block filled.
 */
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
 */
function securityHeaders(allowedOrigins: readonly string[]) {
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
  const strict = helmet({ strictTransportSecurity: false, contentSecurityPolicy: { useDefaults: false, directives: directives(["'none'"]) } });
  const framable =
    allowedOrigins.length > 0
      ? helmet({
          contentSecurityPolicy: { useDefaults: false, directives: directives(["'self'", ...allowedOrigins]) },
          xFrameOptions: false,
          strictTransportSecurity: false,
        })
      : strict;
  const docs = helmet({ contentSecurityPolicy: false, strictTransportSecurity: false });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return (req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/docs') ? docs : /^\/settings\/?$/.test(req.path) ? framable : strict)(req, res, (error?: unknown) => {
      // HSTS only on a response that came over TLS: on plain HTTP the header means nothing
      // to browsers, and on localhost it would pin every other local app to HTTPS.
      if (error || !req.secure) next(error);
      else hsts(req, res, next);
    });
}

/** The routes a host page on another origin may call: the preference-centre API and the embed script. */
export const CORS_PATHS = /^\/(?:api\/v1\/me(?:\/.*)?|embed\/.*)$/;

/**
 * CORS for the embedded preference centre, only when `FLOWGATE_ALLOWED_ORIGINS` lists
 * origins and only on `CORS_PATHS`: a listed `Origin` is echoed back (never `*`, never
 * credentials: the user token travels in `Authorization`), any other origin gets no CORS
 * header, so its browser keeps the answer from it. Preflights on those paths are answered
 * here with 204, before authentication (a preflight carries no token).
 */
function embedCors(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!CORS_PATHS.test(req.path)) return next();
    res.vary('Origin');
    const origin = req.headers.origin;
    const listed = typeof origin === 'string' && allowed.has(origin);
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Idempotent-Replayed, ETag');
      // The embed script and API answers are meant for that page (helmet would say same-origin).
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    if (req.method !== 'OPTIONS') return next();
    if (listed) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Idempotency-Key, Sec-GPC, Accept-Language');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.status(204).end();
  };
}

function compressResponses() {
  return compression({ threshold: 1024, level: 1, brotli: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } } });
}
