import type { ReasonCode } from '@flowgate/core';

/** What a guarded call came to: sent as it was, sent redacted, refused, or sent and reported (monitor mode, fail-open). */
export type CallOutcome = 'allowed' | 'redacted' | 'blocked' | 'monitored';

/**
 * One count for a metrics hook (`GuardOptions.metrics`): the SDK's side of what the server
 * exports at `/metrics`. Each is one event; the hook adds it to whatever counters it keeps.
 */
export type GuardMetric =
  /** One engine decision (`check`, `checkCached`, and each guarded call, once). `reason`: the flow's, else the first blocked field's. */
  | { readonly kind: 'decision'; readonly allow: boolean; readonly reason: ReasonCode | null }
  /** One guarded call (`fetch`, `wrap`, axios, `gate`) and what came of it. */
  | { readonly kind: 'call'; readonly outcome: CallOutcome; readonly subprocessor: string; readonly purpose: string | null }
  /** The source loaded a policy version it did not have. */
  | { readonly kind: 'policy-refresh'; readonly version: number }
  /** A call found the last known policy too old to use (`maxStalenessMs`); `ageMs` since the source last confirmed it. */
  | { readonly kind: 'policy-stale'; readonly ageMs: number }
  /** The change feed dropped; `feed-reconnect` when it is back. */
  | { readonly kind: 'feed-disconnect' }
  | { readonly kind: 'feed-reconnect' }
  /** Audit records delivered to the server, or given up (buffer full, batch refused). */
  | { readonly kind: 'reports'; readonly outcome: 'sent' | 'dropped'; readonly count: number };

/** Receives every count; must be cheap and must not throw (a throw is swallowed). */
export type MetricsHook = (metric: GuardMetric) => void;

/** A source or reporter that can tell a metrics hook what it does (`remoteSource`, `httpReporter`). */
export interface Observable {
  observe?(hook: MetricsHook): () => void;
}

/** Calls `hook`, never letting it fail the caller. */
export function count(hook: MetricsHook, metric: GuardMetric): void {
  try {
    hook(metric);
  } catch {
    // A broken metrics hook must not break the call.
  }
}
