import type { BlockedField, Decision, GuardMode } from '@flowgate/core';
import type { MetricsHook } from './metrics.js';
import type { PolicySource } from './policy-source.js';
import type { Reporter } from './reporter.js';

export { GUARD_MODES, type GuardMode } from '@flowgate/core';

export interface GuardOptions {
  readonly source: PolicySource;
  /** Default `enforce`. */
  readonly mode?: GuardMode;
  /**
   * With no usable policy (never loaded, or older than `maxStalenessMs` while the source is
   * cut off), `true` (default) denies every call with reason `policy-unavailable`; `false`
   * lets calls through unchanged and reports them as monitored.
   */
  readonly failClosed?: boolean;
  /** How long the last known policy is used while its source is cut off. Default 30,000 ms. */
  readonly maxStalenessMs?: number;
  /** Where blocked calls, monitor hits and drift go. Default: nowhere. */
  readonly reporter?: Reporter;
  /**
   * Mistakes worth one log line, e.g. a call naming a subprocessor the map does not have
   * (said once per name). Default `console.warn`; must not throw.
   */
  readonly onWarning?: (message: string) => void;

  /**
   * The clock (epoch ms) decisions are taken at: flows and fields announced by a change
   * notice are denied `not-yet-effective` before their effective date. Default `Date.now`.
   */
  readonly clock?: () => number;

  /**
   * Counters for your metrics system (Prometheus, OpenTelemetry, StatsD): called with each
   * decision, each guarded call's outcome, policy refreshes and staleness, change-feed
   * drops and reconnects (`remoteSource`), and audit records sent or dropped
   * (`httpReporter`). Must be cheap and must not throw. Default: none, and then nothing
   * is counted or allocated for it. See docs/sdk.md for a prom-client example.
   */
  readonly metrics?: MetricsHook | null;
  /**
   * Also report every call decided (kind `call`: the field keys it carried and the user's
   * consent category for the flow, never the user), so the impact of a map change can count
   * the recent calls that would change outcome. Default false: only blocked calls, monitor
   * hits and drift are reported.
   */
  readonly reportCalls?: boolean;
}

export type ResolvedGuardOptions = Required<Omit<GuardOptions, 'metrics'>> & { readonly metrics: MetricsHook | null };

/** A question for the engine about one call. */
export interface CheckRequest {
  readonly userId: string;
  readonly subprocessor: string;
  /** Optional when the subprocessor has exactly one flow. */
  readonly purpose?: string;
  /** Field keys the call carries. */
  readonly fields?: readonly string[];
  /** The outbound payload (a JSON value); fields are found through their `paths`. */
  readonly payload?: unknown;
  /** Global Privacy Control for this call (e.g. the incoming request's `Sec-GPC: 1`). */
  readonly gpc?: boolean;
}

/** The subprocessor (and purpose) a call goes to. */
export interface VendorTarget {
  readonly subprocessor: string;
  readonly purpose?: string;
}

/** One outbound call, as an adapter hands it to the guard. */
export interface GuardedCall extends VendorTarget {
  readonly userId: string;
  readonly gpc?: boolean;
  /** Field keys the call carries besides what its payloads show (e.g. what an opaque body holds). */
  readonly fields?: readonly string[];
  /** Inspectable parts of the call (JSON body, query string, form body), each a JSON value. */
  readonly payloads: readonly unknown[];
  /**
   * Parts that cannot be inspected (a binary or streamed body): blocked as undeclared
   * unless `fields` says what they carry.
   */
  readonly opaque?: readonly string[];
  /**
   * Parts the guard cannot read faithfully (a Proxy, a Map, a JSON body with a duplicate
   * key), each described: blocked `unreadable`, whatever `fields` says.
   */
  readonly unreadable?: readonly string[];
  /** The request's URL path as sent: its segments are payload too. */
  readonly urlPath?: string;
  /**
   * Redact mode: the call rebuilt without what `blocked` names, read back from what will
   * really be sent; null when it cannot be redacted. Default: the payloads, redacted.
   */
  readonly redact?: (blocked: readonly BlockedField[]) => GuardedCall | null;
}

export interface GateResult {
  /**
   * The decision on the call as a whole (all parts). For an allowed call it is built when
   * first read (a getter: `JSON.stringify` of the result includes it, an object spread does
   * not; read it, or copy it by name).
   */
  readonly decision: Decision;
  /** What to send, part by part: the caller's own values, or redacted copies. */
  readonly payloads: readonly unknown[];
  readonly redacted: boolean;
}

export interface WrapOptions<A extends readonly unknown[]> {
  /** The user the call is about: fixed, or taken from the call's arguments. */
  readonly userId: string | ((...args: A) => string | undefined | null);
  /**
   * Which argument is the payload (default 0). `null`: the call carries no payload; the
   * flow (and `fields`) alone is decided.
   */
  readonly payloadArg?: number | null;
  /** Field keys the call carries besides its payload. */
  readonly fields?: readonly string[];
  /** Global Privacy Control: fixed, or from the call's arguments. */
  readonly gpc?: boolean | ((...args: A) => boolean);
}

export interface FetchGuardOptions extends VendorTarget {
  readonly userId: string;
  readonly gpc?: boolean;
  /** Field keys the request carries besides its inspectable parts (an opaque body's content). */
  readonly fields?: readonly string[];
}

export interface Guard {
  readonly options: Readonly<ResolvedGuardOptions>;
  /** Resolves once the source has a policy; rejects with `POLICY_UNAVAILABLE` after `timeoutMs` (default 10 s). */
  ready(options?: { readonly timeoutMs?: number }): Promise<void>;
  /** The engine's decision for one call (no reporting, no side effects). */
  check(request: CheckRequest): Promise<Decision>;
  /** Like `check`, synchronously, when the user's consents are cached; otherwise undefined. */
  checkCached(request: CheckRequest): Decision | undefined;
  /** Decides a call, reports it, applies the mode: throws `ConsentDeniedError`, or returns what to send. */
  gate(call: GuardedCall): Promise<GateResult>;
  /** Like `gate`, synchronously, when the user's consents are cached; otherwise undefined (use `gate`). */
  gateCached(call: GuardedCall): GateResult | undefined;
  /** `fn`, deciding before every call. */
  wrap<A extends unknown[], R>(
    target: VendorTarget,
    fn: (...args: A) => R,
    options: WrapOptions<A>,
  ): (...args: A) => Promise<Awaited<R>>;
  /** `fetch`, deciding on the query string and a JSON or URL-encoded body first. */
  fetch(input: string | URL | Request, init: RequestInit | undefined, options: FetchGuardOptions): Promise<Response>;
  /**
   * Runs `fn` as `userId`: every outbound request it makes, however deep, is decided for
   * that user by the egress guard (`installEgressGuard`). Same as `runAs` from the package.
   */
  runAs<R>(userId: string, fn: () => R, options?: { readonly gpc?: boolean }): R;
  /** A guard with some options replaced, sharing the source and reporter. */
  extend(overrides: Partial<GuardOptions>): Guard;
  /** Flushes the reporter and closes the source (shared with every extended guard). */
  close(): Promise<void>;
}
