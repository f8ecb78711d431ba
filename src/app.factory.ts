import { constants as zlib } from 'node:zlib';
import { NestFactory } from '@nestjs/core';
import compression from 'compression';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
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
  app.useBodyParser('json', { limit: '10mb' });
  app.useBodyParser('text', {
    limit: '10mb',
    type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
  });
  app.use(securityHeaders());
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
 */
function securityHeaders() {
  const strict = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
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
        frameAncestors: ["'none'"],
      },
    },
  });
  const docs = helmet({ contentSecurityPolicy: false });
  return (req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/docs') ? docs : strict)(req, res, next);
}

function compressResponses() {
  return compression({ threshold: 1024, level: 1, brotli: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } } });
}
