import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { routeTemplate } from './logging';
import type { MetricsService } from './metrics.service';

/** Times every request into `flowgate_http_request_duration_seconds`, by route template. */
export function httpMetrics(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      metrics.httpRequest(req.method, routeTemplate(req) ?? '(no route)', res.statusCode, (performance.now() - started) / 1000);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
