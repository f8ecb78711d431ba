import {
  allows,
  callFieldsOf,
  decide,
  payloadVerdict,
  unavailableDecision,
  type ConsentCategory,
  type BlockedField,
  type Consents,
  type Decision,
  type DecisionRequest,
  type Policy,
  type Verdict,
} from '@flowgate/core';
import { guardedFetch } from './adapters/fetch.js';
import { mergeDecisions, purposeOf, withBlocked } from './decisions.js';
import { findDrift } from './drift.js';
import { ConsentDeniedError, FlowgateError } from './errors.js';
import {
  GUARD_MODES,
  type CheckRequest,
  type GateResult,
  type Guard,
  type GuardedCall,
  type GuardOptions,
  type ResolvedGuardOptions,
  type VendorTarget,
  type WrapOptions,
} from './guard.types.js';
import type { PolicyState } from './policy-source.js';
import { applyWithoutEgressGuard, installedCount, runAs, withoutEgressGuard } from './egress/scope.js';
import { copyJudged, copyPayload } from './adapters/copy.js';
import { maskPath } from './payload-path.js';
import { redactPayload } from './redact.js';
import { noopReporter, type AuditKind } from './reporter.js';
import { count, type CallOutcome, type GuardMetric, type MetricsHook, type Observable } from './metrics.js';

const DEFAULT_STALENESS_MS = 30_000;

/**
 * An immutable guard over a policy source. The call path is three small steps — decide
 * (the engine), act on the mode (pass, redact, deny), report — shared by every adapter.
 */
export function createGuard(options: GuardOptions): Guard {
  return new FlowgateGuard(resolve(options));
}

function resolve(options: GuardOptions): ResolvedGuardOptions {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) throw invalid(['options: must be an object']);
  const { source } = options;
  if (typeof source !== 'object' || source === null || typeof source.state !== 'function') {
    problems.push('source: must be a policy source (staticSource, remoteSource, localSource)');
  }
  const mode = options.mode ?? 'enforce';
  if (!GUARD_MODES.includes(mode)) problems.push(`mode: must be one of ${GUARD_MODES.join(', ')}`);
  const failClosed = options.failClosed ?? true;
  if (typeof failClosed !== 'boolean') problems.push('failClosed: must be a boolean');
  const maxStalenessMs = options.maxStalenessMs ?? DEFAULT_STALENESS_MS;
  if (typeof maxStalenessMs !== 'number' || !(maxStalenessMs >= 0)) {
    problems.push('maxStalenessMs: must be a non-negative number');
  }
  const reporter = options.reporter ?? noopReporter;
  if (typeof reporter.report !== 'function') problems.push('reporter: must have report(), flush() and close()');
  const onWarning = options.onWarning ?? defaultWarning;
  if (typeof onWarning !== 'function') problems.push('onWarning: must be a function');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') problems.push('clock: must be a function returning epoch milliseconds');
  const metrics = options.metrics ?? null;
  if (metrics !== null && typeof metrics !== 'function') problems.push('metrics: must be a function');
  const reportCalls = options.reportCalls ?? false;
  if (typeof reportCalls !== 'boolean') problems.push('reportCalls: must be a boolean');
  if (problems.length > 0) throw invalid(problems);
  return Object.freeze({ source, mode, failClosed, maxStalenessMs, reporter, onWarning, clock, metrics, reportCalls });
}

/** Source and reporter hooked up to each metrics hook once (an extended guard shares them). */
const observed = new WeakMap<object, WeakSet<MetricsHook>>();

/** Lets a source and a reporter that can (`observe`) count into the guard's metrics hook. */
function observe(options: ResolvedGuardOptions): void {
  const hook = options.metrics;
  if (hook === null) return;
  for (const part of [options.source, options.reporter] as Observable[]) {
    if (typeof part.observe !== 'function') continue;
    let hooks = observed.get(part);
    if (hooks === undefined) observed.set(part, (hooks = new WeakSet()));
    if (hooks.has(hook)) continue;
    hooks.add(hook);
    part.observe(hook);
  }
}

function defaultWarning(message: string): void {
  console.warn(`[flowgate] ${message}`);
}

/** Subprocessor names already warned about, per source (shared by extended guards); bounded. */
const warnedUnknown = new WeakMap<object, Set<string>>();
const MAX_WARNED = 1_000;

function warnUnknownSubprocessor(options: ResolvedGuardOptions, subprocessor: string, state: PolicyState): void {
  if (state.policy.subprocessors[subprocessor] !== undefined) return;
  let warned = warnedUnknown.get(options.source);
  if (warned === undefined) warnedUnknown.set(options.source, (warned = new Set()));
  if (warned.has(subprocessor) || warned.size >= MAX_WARNED) return;
  warned.add(subprocessor);
  const known = Object.keys(state.policy.subprocessors).slice(0, 20).join(', ');
  try {
    options.onWarning(
      `a guarded call names subprocessor "${subprocessor}", which has no flow in the data map (policy version ${state.policy.version}); every such call is denied. Known: ${known || '(none)'}`,
    );
  } catch {
    // A broken log callback must not break the call.
  }
}

function invalid(problems: string[]): FlowgateError {
  return new FlowgateError('INVALID_OPTIONS', `Invalid guard options: ${problems.join('; ')}`);
}

class FlowgateGuard implements Guard {
  constructor(readonly options: ResolvedGuardOptions) {
    observe(options);
    Object.freeze(this);
  }

  async ready({ timeoutMs = 10_000 }: { readonly timeoutMs?: number } = {}): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const last = this.options.source.lastError?.();
        const why = last === null || last === undefined ? '' : `: ${last instanceof Error ? last.message : String(last)}`;
        reject(new FlowgateError('POLICY_UNAVAILABLE', `No policy loaded within ${timeoutMs} ms${why}`, { cause: last ?? undefined }));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.options.source.start(), timeout]);
    } catch (error) {
      if (error instanceof FlowgateError) throw error;
      throw new FlowgateError('POLICY_UNAVAILABLE', `The policy source failed: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  checkCached(request: CheckRequest): Decision | undefined {
    assertRequest(request);
    const state = this.usableState();
    if (state === null) return this.unavailable(request);
    const consents = this.options.source.cachedConsents(request.userId, state.policy);
    if (consents === undefined) return undefined;
    const decision = decide(state.policy, consents, this.toDecision(request, state.policy));
    if (this.options.metrics !== null) count(this.options.metrics, decisionMetric(decision));
    return decision;
  }

  /**
   * The engine's request for a check: an object literal (V8 reads spread-built objects many
   * times slower on the hot path), and the clock read only when the policy has anything
   * scheduled (a notice's effective date), which is the only thing it decides.
   */
  private toDecision(request: CheckRequest, policy: Policy): DecisionRequest {
    // The members of `partRequest`'s requests, in its order: one shape for the engine's reads.
    return {
      subprocessor: request.subprocessor,
      purpose: request.purpose,
      gpc: request.gpc,
      fields: request.fields,
      payload: request.payload,
      at: policy.effectiveFrom === null ? undefined : this.options.clock(),
      urlPath: undefined,
    };
  }

  check(request: CheckRequest): Promise<Decision> {
    try {
      const cached = this.checkCached(request);
      if (cached !== undefined) return Promise.resolve(cached);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.load(request.userId).then(({ state, consents }) =>
      state === null || consents === null ? this.unavailable(request) : this.counted(decide(state.policy, consents, this.toDecision(request, state.policy))),
    );
  }

  private counted(decision: Decision): Decision {
    if (this.options.metrics !== null) count(this.options.metrics, decisionMetric(decision));
    return decision;
  }

  gateCached(call: GuardedCall): GateResult | undefined {
    assertRequest(call);
    const state = this.usableState();
    const consents = state === null ? null : this.options.source.cachedConsents(call.userId, state.policy);
    return consents === undefined ? undefined : this.act(call, state, consents);
  }

  /**
   * `gateCached` for `guard.fetch`: `true` instead of a result object when the call goes as
   * it is by the verdict fast path (nothing built, counted as `act` counts it); otherwise
   * what `gateCached` returns. Throws as `gateCached` does.
   */
  gateFetchCached(call: GuardedCall): GateResult | true | undefined {
    assertRequest(call);
    const state = this.usableState();
    const consents = state === null ? null : this.options.source.cachedConsents(call.userId, state.policy);
    if (consents === undefined) return undefined;
    if (state === null || consents === null) return this.act(call, state, consents);
    const at = state.policy.effectiveFrom === null ? undefined : this.options.clock();
    if (!this.passes(call, state.policy, consents, at)) return this.act(call, state, consents, false);
    this.countAllowed(call);
    return true;
  }

  /**
   * `wrap`'s first step: the engine's verdict on the call up to its payload while the user's
   * consents are cached, the policy usable and nothing but the payload is left to judge
   * (`copyJudged` then judges the payload as it copies it); null sends the call the full way
   * (`gateFetchCached` on the copy), which also throws for an invalid request. Runs no
   * caller code, counts nothing.
   */
  verdictBeforePayload(userId: string, subprocessor: string, purpose: string | undefined, gpc: boolean | undefined, fields: readonly string[] | undefined): Verdict | null {
    if (this.options.reportCalls) return null;
    if (fields !== undefined) {
      if (!Array.isArray(fields)) return null;
      for (let i = 0; i < fields.length; i++) if (typeof fields[i] !== 'string') return null;
    }
    const state = this.options.source.state();
    if (state === null) return null;
    const heard = state.live ? state.heardAt : state.confirmedAt;
    if (heard !== undefined && Date.now() - heard > this.options.maxStalenessMs) return null;
    const consents = this.options.source.cachedConsents(userId, state.policy);
    if (consents === undefined || consents === null) return null;
    const at = state.policy.effectiveFrom === null ? undefined : this.options.clock();
    return payloadVerdict(state.policy, consents, { subprocessor, purpose, gpc, fields, at });
  }

  /** `gateFetchCached`'s end for a call `verdictBeforePayload` and `copyJudged` allowed. */
  allowedFast(call: GuardedCall): true {
    this.countAllowed(call);
    return true;
  }

  /** Counts a call the verdict fast path lets go (when there is a metrics hook). */
  private countAllowed(call: GuardedCall): void {
    const metrics = this.options.metrics;
    if (metrics !== null) {
      count(metrics, ALLOWED_METRIC);
      this.countCall(metrics, 'allowed', call, call.purpose ?? null);
    }
  }

  /** Synchronous while the user's consents are cached: no promise chain on the hot path but the one returned. */
  gate(call: GuardedCall): Promise<GateResult> {
    try {
      assertRequest(call);
      if (!Array.isArray(call.payloads)) throw invalid(['payloads: must be an array of the values the call sends']);
      const state = this.usableState();
      const consents = state === null ? null : this.options.source.cachedConsents(call.userId, state.policy);
      if (consents !== undefined) return Promise.resolve(this.act(call, state, consents));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.load(call.userId).then(({ state, consents }) => this.act(call, state, consents));
  }

  /** Steps 2 and 3: apply the mode to the decision, and report. Throws `ConsentDeniedError`. */
  private act(call: GuardedCall, state: PolicyState | null, consents: Consents | null, mayPass = true): GateResult {
    // The clock only matters (and is read) when something in the policy is scheduled.
    const at = state === null || state.policy.effectiveFrom === null ? undefined : this.options.clock();
    // `mayPass` false: the caller ran `passes` already and it said no.
    if (mayPass && state !== null && consents !== null && this.passes(call, state.policy, consents, at)) {
      this.countAllowed(call);
      return new AllowedGate(this, call, state, consents, at);
    }
    const parts = this.decideParts(call, call.payloads, state, consents, at);
    const decision = this.mergeParts(call, parts);
    const metrics = this.options.metrics;
    if (metrics !== null) count(metrics, decisionMetric(decision));
    if (this.options.reportCalls && state !== null && consents !== null) this.reportCall(call, state.policy, consents, decision);
    if (decision.allow) {
      if (metrics !== null) this.countCall(metrics, 'allowed', call, call.purpose ?? null);
      return { decision, payloads: call.payloads, redacted: false };
    }

    const { mode, failClosed } = this.options;
    if (decision.reason === 'no-flow' && state !== null) warnUnknownSubprocessor(this.options, call.subprocessor, state);
    const purpose = purposeOf(call.subprocessor, call.purpose, decision);
    this.reportDrift(call, purpose, decision, parts);
    const unavailable = decision.reason === 'policy-unavailable';
    if (mode === 'monitor' || (unavailable && !failClosed)) {
      this.reportBlocked('monitored', call.subprocessor, purpose, decision);
      if (metrics !== null) this.countCall(metrics, 'monitored', call, purpose);
      return { decision, payloads: call.payloads, redacted: false };
    }
    if (mode === 'redact' && decision.reason === null && decision.allowedFields.length > 0) {
      const next = call.redact !== undefined ? call.redact(decision.blocked) : redactedCall(call, parts);
      if (next !== null && this.redactionHolds(next, state, consents)) {
        this.reportBlocked('blocked', call.subprocessor, purpose, decision);
        if (metrics !== null) this.countCall(metrics, 'redacted', call, purpose);
        return { decision, payloads: next.payloads, redacted: true };
      }
    }
    this.reportBlocked('blocked', call.subprocessor, purpose, decision);
    if (metrics !== null) this.countCall(metrics, 'blocked', call, purpose);
    throw new ConsentDeniedError({ subprocessor: call.subprocessor, purpose, decision });
  }

  /**
   * The verdict alone, for the common call: every part allowed (the engine's `allows`, which
   * builds no decision) and nothing the merge would add (unreadable or opaque parts), with no
   * `call` report to write. Then there is nothing to redact or report, and the decision is
   * built only if the caller reads it. Anything else: false, and the full path decides.
   */
  private passes(call: GuardedCall, policy: Policy, consents: Consents, at: number | undefined): boolean {
    if (this.options.reportCalls) return false;
    if (call.unreadable !== undefined && call.unreadable.length > 0) return false;
    const opaque = call.opaque;
    if (opaque !== undefined && opaque.length > 0 && (call.fields === undefined || call.fields.length === 0)) return false;
    const payloads = call.payloads;
    const parts = payloads.length === 0 ? 1 : payloads.length;
    for (let i = 0; i < parts; i++) {
      if (!allows(policy, consents, partRequest(call, payloads, i, at))) return false;
    }
    return true;
  }

  /** The decision `act` would have built for an allowed call (`AllowedGate` builds it when read). */
  decisionOf(call: GuardedCall, state: PolicyState, consents: Consents, at: number | undefined): Decision {
    return this.mergeParts(call, this.decideParts(call, call.payloads, state, consents, at));
  }

  private countCall(metrics: MetricsHook, outcome: CallOutcome, call: GuardedCall, purpose: string | null): void {
    count(metrics, { kind: 'call', outcome, subprocessor: call.subprocessor, purpose });
  }

  wrap<A extends unknown[], R>(
    target: VendorTarget,
    fn: (...args: A) => R,
    options: WrapOptions<A>,
  ): (...args: A) => Promise<Awaited<R>> {
    assertTarget(target);
    if (typeof fn !== 'function') throw invalid(['fn: must be a function']);
    const payloadArg = options.payloadArg === undefined ? 0 : options.payloadArg;
    if (payloadArg !== null && !(Number.isInteger(payloadArg) && payloadArg >= 0)) {
      throw invalid(['payloadArg: must be a non-negative integer or null']);
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const guard = this;
    return function guarded(this: unknown, ...args: A): Promise<Awaited<R>> {
      try {
        const given = typeof options.userId === 'function' ? options.userId(...args) : options.userId;
        const gpc = typeof options.gpc === 'function' ? options.gpc(...args) : options.gpc;
        const userId = requireUser(given);
        const { subprocessor, purpose } = target;
        if (payloadArg === null) return callGuarded(guard, { userId, subprocessor, purpose, gpc, fields: options.fields, payloads: [] }, fn, this, args, null);
        // `callGuarded`'s steps written out for the common call: one function between the
        // caller and `fn`, as few objects as it takes (each costs after an I/O wait). When the
        // call is allowed but for its payload, the payload is copied and judged in one walk.
        const fast = guard.verdictBeforePayload(userId, subprocessor, purpose, gpc, options.fields);
        const walked: { readonly copy: unknown; readonly unreadable: string[]; readonly goes?: boolean } = fast === null ? copyPayload(args[payloadArg]) : copyJudged(args[payloadArg], fast);
        const { copy, unreadable } = walked;
        // Every member, in the order guard.fetch's call has them: one shape for the gate's reads.
        const snapshot: GuardedCall = {
          userId,
          subprocessor,
          purpose,
          gpc,
          fields: options.fields,
          payloads: [copy],
          opaque: undefined,
          unreadable: unreadable.length === 0 ? undefined : unreadable,
          urlPath: undefined,
          redact: undefined,
        };
        // Allowed by the one walk (and the policy still the one judged by): what
        // `gateFetchCached` would conclude, without walking the copy again.
        const cached = fast !== null && walked.goes === true && guard.options.source.state()?.policy === fast.policy ? guard.allowedFast(snapshot) : guard.gateFetchCached(snapshot);
        if (cached !== true) return sendDecided(guard, cached, snapshot, fn, this, args, payloadArg);
        if (guard.options.mode !== 'monitor') args[payloadArg] = copy;
        return Promise.resolve(applyWithoutEgressGuard(fn, this, args) as Awaited<R>);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
  }

  fetch(
    input: string | URL | Request,
    init: RequestInit | undefined,
    options: Parameters<Guard['fetch']>[2],
  ): Promise<Response> {
    // Decided here: the egress guard (if installed) lets this request pass. No closure while
    // none is installed (the common case): every allocation on this path counts.
    if (installedCount() === 0) return guardedFetch(this, input, init, options);
    return withoutEgressGuard(() => guardedFetch(this, input, init, options));
  }

  runAs<R>(userId: string, fn: () => R, options?: { readonly gpc?: boolean }): R {
    return runAs(userId, fn, options);
  }

  extend(overrides: Partial<GuardOptions>): Guard {
    return new FlowgateGuard(resolve({ ...this.options, ...overrides }));
  }

  async close(): Promise<void> {
    await this.options.reporter.close();
    await this.options.source.close();
  }

  // ── steps ───────────────────────────────────────────────────────────────────
  private usableState(): PolicyState | null {
    const state = this.options.source.state();
    if (state === null) return null;
    if (state.live) {
      if (state.heardAt === undefined || Date.now() - state.heardAt <= this.options.maxStalenessMs) return state;
      return this.stale(state.heardAt);
    }
    if (Date.now() - state.confirmedAt <= this.options.maxStalenessMs) return state;
    return this.stale(state.confirmedAt);
  }

  /** No usable policy: the last known one is older than `maxStalenessMs`. */
  private stale(since: number): null {
    if (this.options.metrics !== null) count(this.options.metrics, { kind: 'policy-stale', ageMs: Date.now() - since });
    return null;
  }

  private unavailable(request: DecisionRequest): Decision {
    return this.counted(unavailableDecision(request, this.options.source.state()?.policy.version));
  }

  /** Step 1 on a cache miss: load the user's consents; null when they cannot be had (fail closed). */
  private async load(userId: string): Promise<{ state: PolicyState | null; consents: Consents | null }> {
    const before = this.usableState();
    if (before === null) return { state: null, consents: null };
    try {
      const consents = await this.options.source.loadConsents(userId, before.policy);
      return { state: this.usableState(), consents };
    } catch {
      return { state: before, consents: null };
    }
  }

  /** Step 1: one engine decision per part of the call (the first part also carries `fields`). */
  private decideParts(
    call: GuardedCall,
    payloads: readonly unknown[],
    state: PolicyState | null,
    consents: Consents | null,
    // The clock only matters (and is read) when something in the policy is scheduled.
    at = state === null || state.policy.effectiveFrom === null ? undefined : this.options.clock(),
  ): Decision[] {
    const count = payloads.length === 0 ? 1 : payloads.length;
    const version = state === null || consents === null ? this.options.source.state()?.policy.version : undefined;
    const parts: Decision[] = [];
    for (let i = 0; i < count; i++) {
      const request = partRequest(call, payloads, i, at);
      parts.push(state === null || consents === null ? unavailableDecision(request, version) : decide(state.policy, consents, request));
    }
    return parts;
  }

  /** The parts as one decision; a body the guard cannot read is blocked unless `fields` says what it holds. */
  private mergeParts(call: GuardedCall, parts: readonly Decision[]): Decision {
    const merged = mergeDecisions(parts);
    const flowReason = parts[0].reason;
    const fallback = flowReason === 'policy-unavailable' || flowReason === 'no-flow' ? flowReason : null;
    const extra: BlockedField[] = (call.unreadable ?? []).map((what) => ({ field: what, reason: fallback ?? 'unreadable' }));
    const opaque = call.opaque;
    if (opaque !== undefined && opaque.length > 0 && (call.fields === undefined || call.fields.length === 0)) {
      for (const name of opaque) extra.push({ field: `(${name})`, reason: fallback ?? 'undeclared' });
    }
    return withBlocked(merged, extra);
  }

  /** A redacted call goes only if the engine allows all of what is left (fails closed on any slip). */
  private redactionHolds(next: GuardedCall, state: PolicyState | null, consents: Consents | null): boolean {
    if (next.payloads.some((p) => p === undefined)) return false;
    const decision = this.mergeParts(next, this.decideParts(next, next.payloads, state, consents));
    return decision.allow && decision.allowedFields.length > 0;
  }

  /** Kind `call`: what decides this call again under another map, without the user. */
  private reportCall(call: GuardedCall, policy: Policy, consents: Consents, decision: Decision): void {
    try {
      const fields: string[] = [];
      for (const f of decision.allowedFields) if (CALL_FIELD.test(f)) fields.push(f);
      for (const b of decision.blocked) if (CALL_FIELD.test(b.field)) fields.push(b.field);
      const field = callFieldsOf(fields);
      if (field.length > MAX_CALL_FIELD) return; // too many to name: not reported
      const purpose = purposeOf(call.subprocessor, call.purpose, decision);
      const reason = consentCategory(policy, consents, decision.flowKey, consents.gpc || call.gpc === true);
      this.options.reporter.report({ kind: 'call', subprocessor: call.subprocessor, purpose, field, reason, mode: this.options.mode, policyVersion: decision.policyVersion });
    } catch {
      // Reporting never fails the caller's call.
    }
  }

  private reportBlocked(kind: AuditKind, subprocessor: string, purpose: string | null, decision: Decision): void {
    const { reporter, mode } = this.options;
    const base = { kind, subprocessor, purpose, mode, policyVersion: decision.policyVersion };
    try {
      if (decision.blocked.length === 0) {
        reporter.report({ ...base, field: '*', reason: decision.reason ?? 'undeclared' });
      }
      for (const b of decision.blocked) reporter.report({ ...base, field: maskPath(b.field), reason: b.reason });
    } catch {
      // Reporting never fails the caller's call.
    }
  }

  private reportDrift(call: GuardedCall, purpose: string | null, decision: Decision, parts: readonly Decision[]): void {
    try {
      const sensitivities = this.options.source.state()?.sensitivities ?? null;
      const seen = new Set<string>();
      parts.forEach((part, i) => {
        for (const hit of findDrift(part, call.payloads[i], sensitivities)) {
          const field = maskPath(hit.field);
          if (seen.has(field)) continue;
          seen.add(field);
          this.options.reporter.report({
            kind: 'drift',
            subprocessor: call.subprocessor,
            purpose,
            field,
            reason: hit.detector,
            mode: this.options.mode,
            policyVersion: decision.policyVersion,
          });
        }
      });
    } catch {
      // Drift detection is advisory; it never fails the caller's call.
    }
  }
}

/** Part `i` of `call` as the engine asks it: the first part also carries `fields` and the URL path. */
function partRequest(call: GuardedCall, payloads: readonly unknown[], i: number, at: number | undefined): DecisionRequest {
  return {
    subprocessor: call.subprocessor,
    purpose: call.purpose,
    gpc: call.gpc,
    fields: i === 0 ? call.fields : undefined,
    payload: payloads.length === 0 ? undefined : payloads[i],
    at,
    urlPath: i === 0 ? call.urlPath : undefined,
  };
}

const ALLOWED_METRIC = Object.freeze({ kind: 'decision', allow: true, reason: null } as const);

/**
 * The decision count: the flow's reason, else the first blocked field's (null when allowed).
 * An allowed decision, the common one, is counted by the one shared, frozen object: a
 * present hook then costs a call and no allocation.
 */
function decisionMetric(decision: Decision): GuardMetric {
  if (decision.allow && decision.reason === null && decision.blocked.length === 0) return ALLOWED_METRIC;
  return { kind: 'decision', allow: decision.allow, reason: decision.reason ?? decision.blocked[0]?.reason ?? null };
}

/**
 * An allowed call's result: what `act` returns for it, with the decision built only when it
 * is read (`fetch` and `wrap` never read it; `allow` is true, nothing is blocked).
 */
class AllowedGate implements GateResult {
  readonly payloads: readonly unknown[];
  readonly redacted = false;
  #decision: Decision | undefined;
  readonly #guard: FlowgateGuard;
  readonly #call: GuardedCall;
  readonly #state: PolicyState;
  readonly #consents: Consents;
  readonly #at: number | undefined;

  constructor(guard: FlowgateGuard, call: GuardedCall, state: PolicyState, consents: Consents, at: number | undefined) {
    this.payloads = call.payloads;
    this.#guard = guard;
    this.#call = call;
    this.#state = state;
    this.#consents = consents;
    this.#at = at;
  }

  get decision(): Decision {
    return (this.#decision ??= this.#guard.decisionOf(this.#call, this.#state, this.#consents, this.#at));
  }

  /** Serialised like any other result: with its decision. */
  toJSON(): { decision: Decision; payloads: readonly unknown[]; redacted: boolean } {
    return { decision: this.decision, payloads: this.payloads, redacted: this.redacted };
  }
}

/**
 * Decides `call`, then calls `fn` with what may go: the caller's own arguments, or a copy
 * whose payload argument is redacted. Not async: while the user is cached, `fn` runs in the
 * same tick and its own promise is returned, so the guard adds no promise or microtask around
 * the call. Every failure, `fn`'s own synchronous throws included, is a rejection. Shared by
 * `wrap` and `@VendorCall`; `args` is the wrapper's own array (the copy is written into it).
 */
export function callGuarded<A extends unknown[], R>(
  guard: Guard,
  call: GuardedCall,
  fn: (...args: A) => R,
  self: unknown,
  args: A,
  payloadArg: number | null,
): Promise<Awaited<R>> {
  // No closure and no result object for a cached, allowed call: after an I/O wait each
  // function and object touched costs several times its warm price.
  try {
    // One copy of the payload, taken now: the guard decides on it and `fn` gets it, so nothing
    // the caller does to its own objects afterwards (or a getter, toJSON or Proxy) changes what goes.
    let snapshot = call;
    if (payloadArg !== null) {
      const { copy, unreadable } = copyPayload(call.payloads[0]);
      // An object literal, not a spread: V8 reads spread-built objects much slower.
      snapshot = {
        userId: call.userId,
        subprocessor: call.subprocessor,
        purpose: call.purpose,
        gpc: call.gpc,
        fields: call.fields,
        payloads: [copy],
        opaque: call.opaque,
        unreadable: unreadable.length === 0 ? call.unreadable : [...(call.unreadable ?? []), ...unreadable],
        urlPath: call.urlPath,
        redact: undefined,
      };
    }
    const fast = guard as Guard & Partial<Pick<FlowgateGuard, 'gateFetchCached'>>;
    return sendDecided(guard, fast.gateFetchCached !== undefined ? fast.gateFetchCached(snapshot) : guard.gateCached(snapshot), snapshot, fn, self, args, payloadArg);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * `fn` after the guard's answer on `snapshot`: `true` (the verdict fast path: allowed as it
 * is, so `fn` gets the copy, in monitor mode its own arguments), a result, or (user not
 * cached) none yet. Throws as `fn` does.
 */
function sendDecided<A extends unknown[], R>(
  guard: Guard,
  cached: GateResult | true | undefined,
  snapshot: GuardedCall,
  fn: (...args: A) => R,
  self: unknown,
  args: A,
  payloadArg: number | null,
): Promise<Awaited<R>> {
  if (cached === true) return sendGuarded(guard, fn, self, args, payloadArg, snapshot.payloads[0], false);
  if (cached !== undefined) return sendGuarded(guard, fn, self, args, payloadArg, cached.payloads[0], cached.redacted);
  return guard.gate(snapshot).then((result) => sendGuarded(guard, fn, self, args, payloadArg, result.payloads[0], result.redacted));
}

/** `fn` with what was decided; decided here: the egress guard (if installed) lets the requests `fn` makes pass. */
function sendGuarded<A extends unknown[], R>(
  guard: Guard,
  fn: (...args: A) => R,
  self: unknown,
  args: A,
  payloadArg: number | null,
  payload: unknown,
  redacted: boolean,
): Promise<Awaited<R>> {
  if (payloadArg !== null && (redacted || guard.options.mode !== 'monitor')) args[payloadArg] = payload;
  return Promise.resolve(applyWithoutEgressGuard(fn, self, args) as Awaited<R>);
}

/** The default redaction: each payload without what its part blocked (unreadable parts were never copied). */
function redactedCall(call: GuardedCall, parts: readonly Decision[]): GuardedCall {
  return { ...call, unreadable: [], payloads: call.payloads.map((payload, i) => redactPayload(payload, parts[i].blocked)) };
}

function assertTarget(target: VendorTarget): void {
  if (typeof target !== 'object' || target === null || typeof target.subprocessor !== 'string' || target.subprocessor === '') {
    throw invalid(['subprocessor: must be a non-empty string']);
  }
  if (target.purpose !== undefined && typeof target.purpose !== 'string') {
    throw invalid(['purpose: must be a string when given']);
  }
}

function assertRequest(request: CheckRequest | GuardedCall): void {
  assertTarget(request);
  requireUser(request.userId);
  const fields = request.fields;
  if (fields !== undefined) {
    let ok = Array.isArray(fields);
    for (let i = 0; ok && i < fields.length; i++) ok = typeof fields[i] === 'string';
    if (!ok) throw invalid(['fields: must be an array of field keys']);
  }
}

function requireUser(userId: unknown): string {
  if (typeof userId !== 'string' || userId === '') {
    throw new FlowgateError('NO_USER_CONTEXT', 'A guarded call needs the id of the user it is about (userId)');
  }
  return userId;
}

/** A field key as a `call` report names it (payload paths of undeclared data are left out). */
const CALL_FIELD = /^[a-z0-9][a-z0-9._-]*$/;
/** The longest `field` the audit endpoint takes. */
const MAX_CALL_FIELD = 300;

/** The user's stored choice for the flow, as a category: the only part of the user a `call` report says. */
function consentCategory(policy: Policy, consents: Consents, flowKey: string | null, gpc: boolean): ConsentCategory {
  let encoded = 0;
  if (flowKey !== null) {
    const id = policy.flowIds.get(flowKey);
    if (consents.policy === policy && id !== undefined) encoded = consents.byFlowId[id];
    else for (const [key, value] of consents.byFlowKey) if (key === flowKey) encoded = value;
  }
  return encoded > 0 ? 'granted' : encoded < 0 ? 'denied' : gpc ? 'gpc' : 'none';
}
