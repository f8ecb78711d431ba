import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's own metrics (prom-client's default ones: CPU, memory, heap, GC, event loop),
 * collected once per process and served by every app in it. prom-client's collectors never
 * stop (a PerformanceObserver on GC, an enabled event-loop-delay histogram), so collected
 * into each app's registry they kept every app ever started in the process reachable, with
 * its database and caches (about 0.5 MB a closed app, and an event-loop timer each).
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'flowgate_' });
  }
  return processMetrics;
}

/**
 * The server's Prometheus metrics (prom-client), served at `GET /metrics`. One registry per
 * app, not prom-client's global one, so several apps in one process (tests) count apart;
 * the process's own metrics come from one registry beside it (above).
 * Modules record through the few methods below; nothing else touches prom-client.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'flowgate_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status, and how long they took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  private readonly decisions = new Counter({
    name: 'flowgate_decisions_total',
    help: 'Decisions answered by the decision API, by outcome (allow, deny) and reason (none when allowed)',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly consentEvents = new Counter({
    name: 'flowgate_consent_events_total',
    help: 'Consent events written, by source (preference-centre, api, gpc, import)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly consentBatches = new Histogram({
    name: 'flowgate_consent_commit_batch_requests',
    help: 'Consent write requests acknowledged by one group commit',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    registers: [this.registry],
  });

  private readonly guardReports = new Counter({
    name: 'flowgate_guard_reports_total',
    help: 'Audit reports received from guards, by kind (blocked, monitored, drift, call), counting each report once',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly writeWait = new Histogram({
    name: 'flowgate_db_write_queue_wait_seconds',
    help: 'How long a database write waited in the write queue before its transaction began',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  private readonly changeLag = new Histogram({
    name: 'flowgate_change_feed_lag_seconds',
    help:
      'Time from a change-log entry being written to its delivery to this process\'s subscribers (caches, SSE feed), ' +
      'by origin: local (this process wrote it) or remote (another process did; read from the log by SQLite tailing or PostgreSQL LISTEN/NOTIFY)',
    labelNames: ['origin'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly replicaReads = new Counter({
    name: 'flowgate_replica_reads_total',
    help:
      'Reads that may use a PostgreSQL read replica (consent-cache fills), by outcome: replica (answered by a caught-up replica), ' +
      'lagging (primary: no replica had replayed the newest change this instance applied), down (primary: no replica answered)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly processRegistry = processRegistry();

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  decision(allow: boolean, reason: string | null): void {
    this.decisions.inc({ outcome: allow ? 'allow' : 'deny', reason: reason ?? 'none' });
  }

  consentCommitted(requests: number, sources: readonly string[]): void {
    this.consentBatches.observe(requests);
    const counts = new Map<string, number>();
    for (const source of sources) counts.set(source, (counts.get(source) ?? 0) + 1);
    for (const [source, n] of counts) this.consentEvents.inc({ source }, n);
  }

  guardReportsReceived(kinds: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    for (const [kind, n] of counts) this.guardReports.inc({ kind }, n);
  }

  changeDelivered(origin: 'local' | 'remote', seconds: number): void {
    this.changeLag.observe({ origin }, seconds);
  }

  replicaRead(outcome: 'replica' | 'lagging' | 'down'): void {
    this.replicaReads.inc({ outcome });
  }

  writeQueued(seconds: number): void {
    this.writeWait.observe(seconds);
  }

  /** A gauge read at each scrape (`count` is called then). */
  gauge(name: string, help: string, count: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  /** The exposition, in Prometheus text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const registry = Registry.merge([this.registry, this.processRegistry]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}
