import type { MetricsService } from './metrics.service';

/** What `registerAccessLog` calls once per finished (or abandoned) request. */
export type RequestObserver = (method: string, route: string | null, status: number, durationMs: number) => void;

/**
 * Times every request into `flowgate_http_request_duration_seconds`, by route template:
 * from Fastify's first hook until the response finishes or its connection closes. Called
 * from the access log's hook, so a request costs one listener for both.
 */
export function httpMetrics(metrics: MetricsService): RequestObserver {
  return (method, route, status, durationMs) => metrics.httpRequest(method, route ?? '(no route)', status, durationMs / 1000);
}
