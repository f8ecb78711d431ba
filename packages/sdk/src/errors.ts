import type { Decision, ReasonCode } from '@flowgate/core';
import { maskPath, PERSONAL_KEY } from './payload-path.js';

export type FlowgateErrorCode =
  /** The guard denied an outbound call (enforce mode, or redact mode with nothing left to send). */
  | 'CONSENT_DENIED'
  /** Options or a request the SDK cannot work with (a programming error in the caller). */
  | 'INVALID_OPTIONS'
  /** A guarded call with no user to decide for. */
  | 'NO_USER_CONTEXT'
  /** An axios request with no `config.flowgate` while unmarked calls are denied. */
  | 'UNMARKED_CALL'
  /** The policy source could not load a policy (`guard.ready()` timed out or failed). */
  | 'POLICY_UNAVAILABLE'
  /** A request the guard cannot read (bad headers, an unreadable body): not sent. */
  | 'UNREADABLE_REQUEST'
  /** The Flowgate server refused the service token (401 or 403): retrying will not help. */
  | 'AUTH_FAILED';

const BRAND = Symbol.for('flowgate.error');

/** Base of every error the SDK throws; `code` says which. */
export class FlowgateError extends Error {
  readonly [BRAND] = true;

  constructor(
    readonly code: FlowgateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface DeniedCall {
  readonly subprocessor: string;
  /** The purpose asked for, or the flow's purpose when the subprocessor has only one. */
  readonly purpose: string | null;
  readonly decision: Decision;
}

/** A guarded call that did not happen. The message names subprocessor, purpose, fields and reasons. */
export class ConsentDeniedError extends FlowgateError {
  readonly subprocessor: string;
  readonly purpose: string | null;
  /** Blocked field keys (or payload paths no field declares). */
  readonly fields: readonly string[];
  /** The distinct reasons, the flow's own first. */
  readonly reasons: readonly ReasonCode[];
  readonly decision: Decision;

  constructor(call: DeniedCall) {
    // Payload keys that look like personal data are never printed: the error (message,
    // fields, decision) names them `<personal key>`.
    const decision = maskDecision(call.decision);
    const reasons = reasonsOf(decision);
    super('CONSENT_DENIED', deniedMessage({ ...call, decision }));
    this.subprocessor = call.subprocessor;
    this.purpose = call.purpose;
    this.fields = decision.blocked.map((b) => b.field);
    this.reasons = reasons;
    this.decision = decision;
  }
}

/** True for any error the SDK threw, also across two copies of the SDK in one process. */
export function isFlowgateError(error: unknown): error is FlowgateError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

function maskDecision(decision: Decision): Decision {
  let changed = false;
  const blocked = decision.blocked.map((b) => {
    const field = maskPath(b.field);
    const paths = b.paths?.map(maskPath);
    if (field === b.field && (paths === undefined || paths.every((p, i) => p === b.paths?.[i]))) return b;
    changed = true;
    return paths === undefined ? { ...b, field } : { ...b, field, paths };
  });
  return changed ? { ...decision, blocked } : decision;
}

function reasonsOf(decision: Decision): ReasonCode[] {
  const reasons = new Set<ReasonCode>();
  if (decision.reason !== null) reasons.add(decision.reason);
  for (const b of decision.blocked) reasons.add(b.reason);
  return [...reasons];
}

const MAX_LISTED = 10;

function deniedMessage({ subprocessor, purpose, decision }: DeniedCall): string {
  const to = `${subprocessor} (purpose ${purpose ?? 'not given'})`;
  const parts: string[] = [];
  if (decision.reason !== null) parts.push(`flow ${flowReasonText(decision.reason, subprocessor, purpose)}`);
  const listed = decision.blocked.slice(0, MAX_LISTED).map((b) => `${b.field} (${b.reason})`);
  if (decision.blocked.length > MAX_LISTED) listed.push(`and ${decision.blocked.length - MAX_LISTED} more`);
  if (listed.length > 0) parts.push(`blocked ${listed.join(', ')}`);
  if (decision.blocked.some((b) => b.field.includes(PERSONAL_KEY))) parts.push(`keys that look like personal data are shown as ${PERSONAL_KEY}`);
  return `Flowgate denied the call to ${to}: ${parts.join('; ')} [policy v${decision.policyVersion}]`;
}

function flowReasonText(reason: ReasonCode, subprocessor: string, purpose: string | null): string {
  switch (reason) {
    case 'no-flow':
      return purpose === null
        ? `no-flow: ${subprocessor} is not in the data map, or has several purposes and none was given`
        : `no-flow: the data map declares no flow ${subprocessor} × ${purpose}`;
    case 'policy-unavailable':
      return 'policy-unavailable: no policy loaded, or the last one is older than maxStalenessMs';
    case 'not-opted-in':
      return 'not-opted-in: the user has not opted in';
    case 'opted-out':
      return 'opted-out: the user opted out (or sent a Global Privacy Control signal)';
    default:
      return reason;
  }
}
