import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import { routeTemplate } from './logging';
import type { MetricsService } from './metrics.service';

/**
 * Times every request into `flowgate_http_request_duration_seconds`, by route template:
 * from Fastify's first hook until the response finishes or its connection closes.
 */
export function registerHttpMetrics(instance: FastifyInstance, metrics: MetricsService): void {
  instance.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    res.once('close', () => {
      metrics.httpRequest(request.method, routeTemplate(request) ?? '(no route)', res.statusCode, (performance.now() - started) / 1000);
    });
    done();
  });
}
