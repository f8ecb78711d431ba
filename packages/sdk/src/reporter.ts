import type { AuditBatch, AuditEvent, AuditRecord } from '@flowgate/core';
import { withoutEgressGuard } from './egress/scope.js';
import { serverBaseUrl } from './server-url.js';
import { count, type MetricsHook } from './metrics.js';

export { AUDIT_KINDS, type AuditBatch, type AuditEvent, type AuditKind, type AuditRecord } from '@flowgate/core';

/** Where a guard sends what it saw. `report` must be O(1) and never throw. */
export interface Reporter {
  report(record: AuditRecord): void;
  /** Sends what is pending now; never rejects. */
  flush(): Promise<void>;
  /** Flushes once more and stops timers; never rejects. */
  close(): Promise<void>;
  /** Optional: counts records sent and dropped into a guard's metrics hook (`GuardOptions.metrics`). */
  observe?(hook: MetricsHook): () => void;
}

export const noopReporter: Reporter = Object.freeze({
  report: () => undefined,
  flush: async () => undefined,
  close: async () => undefined,
});

interface Counted {
  record: AuditRecord;
  count: number;
  firstAt: number;
  lastAt: number;
}

/**
 * Counts records by identity (kind, subprocessor, purpose, field, reason, mode, policy
 * version); at most `maxKeys` distinct ones are held, beyond that records are dropped
 * and only counted.
 */
export class AuditBuffer {
  private pending = new Map<string, Counted>();
  private droppedCount = 0;

  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.pending.size;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  add(record: AuditRecord, now = Date.now()): void {
    const key = `${record.kind}\u0000${record.subprocessor}\u0000${record.purpose ?? ''}\u0000${record.field}\u0000${record.reason}\u0000${record.mode}\u0000${record.policyVersion}`;
    const counted = this.pending.get(key);
    if (counted !== undefined) {
      counted.count++;
      counted.lastAt = now;
    } else if (this.pending.size < this.maxKeys) {
      this.pending.set(key, { record, count: 1, firstAt: now, lastAt: now });
    } else {
      this.droppedCount++;
    }
  }

  /** Removes and returns up to `max` events, with the dropped count so far. */
  take(max: number): { events: AuditEvent[]; dropped: number; restore: () => void } {
    const taken: [string, Counted][] = [];
    for (const entry of this.pending) {
      if (taken.length >= max) break;
      taken.push(entry);
    }
    for (const [key] of taken) this.pending.delete(key);
    const dropped = this.droppedCount;
    this.droppedCount = 0;
    return {
      events: taken.map(([, c]) => ({
        ...c.record,
        count: c.count,
        firstAt: new Date(c.firstAt).toISOString(),
        lastAt: new Date(c.lastAt).toISOString(),
      })),
      dropped,
      // Puts a batch that could not be sent back, merged, as far as room allows.
      restore: () => {
        this.droppedCount += dropped;
        for (const [key, c] of taken) {
          const current = this.pending.get(key);
          if (current !== undefined) {
            current.count += c.count;
            current.firstAt = Math.min(current.firstAt, c.firstAt);
          } else if (this.pending.size < this.maxKeys) {
            this.pending.set(key, c);
          } else {
            this.droppedCount += c.count;
          }
        }
      },
    };
  }
}

export interface MemoryReporter extends Reporter {
  /** Everything reported so far, counted by identity. */
  events(): AuditEvent[];
  readonly dropped: number;
}

/** Keeps reports in memory (bounded): for tests and for services that read them themselves. */
export function memoryReporter(options: { maxKeys?: number } = {}): MemoryReporter {
  const buffer = new AuditBuffer(options.maxKeys ?? 10_000);
  let taken: AuditEvent[] = [];
  return {
    report: (record) => buffer.add(record),
    flush: async () => undefined,
    close: async () => undefined,
    events() {
      const { events } = buffer.take(Number.MAX_SAFE_INTEGER);
      taken = merge(taken, events);
      return taken;
    },
    get dropped() {
      return buffer.dropped;
    },
  };
}

function merge(into: AuditEvent[], events: AuditEvent[]): AuditEvent[] {
  const out = [...into];
  for (const event of events) {
    const i = out.findIndex(
      (e) =>
        e.kind === event.kind &&
        e.subprocessor === event.subprocessor &&
        e.purpose === event.purpose &&
        e.field === event.field &&
        e.reason === event.reason &&
        e.mode === event.mode &&
        e.policyVersion === event.policyVersion,
    );
    if (i === -1) out.push(event);
    else out[i] = { ...out[i], count: out[i].count + event.count, lastAt: event.lastAt };
  }
  return out;
}

export interface HttpReporterOptions {
  /** The Flowgate server, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  /** A service token (`POST /api/v1/service-tokens`). */
  readonly token: string;
  /** This service's name, shown in the audit reports. */
  readonly service?: string;
  /** Send every so often (default 1,000 ms), or as soon as `maxBatch` records are pending. */
  readonly flushIntervalMs?: number;
  /** Distinct records per request (default 500). */
  readonly maxBatch?: number;
  /** Distinct records held while the server is slow or down (default 10,000); more are counted as dropped. */
  readonly maxPending?: number;
  /** Per request (default 5,000 ms). */
  readonly timeoutMs?: number;
  /** Called with each failed send (for the host's logs); must not throw. */
  readonly onError?: (error: unknown) => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Batches reports to `POST /api/v1/audit/events` in the background. Memory is bounded by
 * `maxPending` distinct records; a failed send is retried with exponential back-off; the
 * caller's call is never delayed or failed by it. Timers do not keep the process alive.
 */
export function httpReporter(options: HttpReporterOptions): Reporter {
  const interval = options.flushIntervalMs ?? 1_000;
  const maxBatch = options.maxBatch ?? 500;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const url = `${serverBaseUrl(options.baseUrl, 'baseUrl')}/api/v1/audit/events`;
  const buffer = new AuditBuffer(options.maxPending ?? 10_000);
  const service = options.service ?? 'unnamed';
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inflight: Promise<void> | null = null;
  let failures = 0;
  let closed = false;
  const hooks = new Set<MetricsHook>();
  /** Records of a batch, counted by its events' own counts (one event stands for `count` records). */
  const tally = (outcome: 'sent' | 'dropped', records: number): void => {
    if (records > 0) for (const hook of hooks) count(hook, { kind: 'reports', outcome, count: records });
  };

  const schedule = (delay: number): void => {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, delay);
    timer.unref();
  };

  const sendOnce = async (): Promise<boolean> => {
    if (buffer.size === 0 && buffer.dropped === 0) return true;
    const batch = buffer.take(maxBatch);
    try {
      const body: AuditBatch = { service, events: batch.events, dropped: batch.dropped };
      // Plumbing: the egress guard (if installed) lets calls to the Flowgate server pass.
      const res = await withoutEgressGuard(() =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
      await res.arrayBuffer().catch(() => undefined);
      // 4xx other than auth/rate limits will not get better by retrying: drop the batch.
      if (res.ok || (res.status >= 400 && res.status < 500 && ![401, 403, 408, 429].includes(res.status))) {
        if (!res.ok) safely(options.onError, new Error(`audit batch rejected: HTTP ${res.status}`));
        if (hooks.size > 0) {
          const records = batch.events.reduce((n, e) => n + e.count, 0);
          tally(res.ok ? 'sent' : 'dropped', records);
          // Records the full buffer could not hold: given up on, whatever the server answered.
          tally('dropped', batch.dropped);
        }
        return true;
      }
      throw new Error(`audit batch failed: HTTP ${res.status}`);
    } catch (error) {
      batch.restore();
      safely(options.onError, error);
      return false;
    }
  };

  const flush = (): Promise<void> => {
    if (inflight !== null) return inflight;
    inflight = (async () => {
      let ok = true;
      while (ok && (buffer.size > 0 || buffer.dropped > 0)) ok = await sendOnce();
      failures = ok ? 0 : failures + 1;
      inflight = null;
      if (buffer.size > 0) schedule(ok ? interval : Math.min(MAX_BACKOFF_MS, interval * 2 ** failures));
    })();
    return inflight;
  };

  return {
    report(record) {
      if (closed) return;
      buffer.add(record);
      if (buffer.size >= maxBatch && inflight === null && failures === 0) {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        schedule(0);
      } else {
        schedule(interval);
      }
    },
    flush,
    observe(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      // One last attempt for what a send in flight could not deliver.
      if (inflight !== null) await inflight;
      await flush();
    },
  };
}

function safely(callback: ((error: unknown) => void) | undefined, error: unknown): void {
  try {
    callback?.(error);
  } catch {
    // A broken log callback must not break the reporter.
  }
}
