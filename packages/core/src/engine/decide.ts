import { choiceFor, type Consents } from './consents.js';
import type { ValueKind } from './classify.js';
import {
  anySegmentClassified,
  isContainer,
  isJsonValue,
  misfiled,
  readPayload,
  readUrlPath,
  type PayloadContents,
} from './payload.js';
import {
  EXCLUDED,
  lookup,
  MAX_PAYLOAD_DEPTH,
  UNDECLARED,
  type CompiledFlow,
  type PathNode,
  type Policy,
} from './policy.js';

export const REASON_CODES = [
  'undeclared',
  'excluded',
  'opted-out',
  'not-opted-in',
  'no-flow',
  'stale-consent',
  'policy-unavailable',
  'not-yet-effective',
  /** A value the classifiers recognise as personal (an email, say) in a field not declared to carry that kind. */
  'personal-value',
  /** Data the guard cannot read faithfully (a Proxy, a Map, symbol keys, a duplicate JSON key): never sent. */
  'unreadable',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface DecisionRequest {
  readonly subprocessor: string;
  /** Optional when the subprocessor has exactly one flow. */
  readonly purpose?: string;
  /** Field keys the call carries. */
  readonly fields?: readonly string[];
  /** The outbound payload (a JSON value); its fields are found through their `paths`. */
  readonly payload?: unknown;
  /** The request's URL path as sent (`/u/bob%40example.com/track`): its segments are payload too. */
  readonly urlPath?: string;
  /** Global Privacy Control on this request; ORs with the consents' own signal. */
  readonly gpc?: boolean;
  /**
   * The caller's clock (epoch ms): flows and fields announced by a change notice are
   * denied `not-yet-effective` before their effective instant. Without it, anything
   * scheduled is denied (the engine has no clock of its own, and fails closed).
   */
  readonly at?: number;
}

export interface BlockedField {
  /** A field key, or the normalized payload path of data no field declares. */
  readonly field: string;
  readonly reason: ReasonCode;
  /** Payload requests only: the normalized payload paths where the field was found. */
  readonly paths?: readonly string[];
}

export interface Decision {
  /** True iff the flow is allowed and nothing requested is blocked. */
  readonly allow: boolean;
  /** Why the flow itself is not allowed; null when it is (fields may still be blocked). */
  readonly reason: ReasonCode | null;
  readonly allowedFields: readonly string[];
  readonly blocked: readonly BlockedField[];
  readonly flowKey: string | null;
  readonly policyVersion: number;
}

/** `policyVersion` of a decision taken without any policy. */
export const NO_POLICY_VERSION = 0;

const NO_FIELDS: readonly string[] = Object.freeze([]);
const NO_BLOCKED: readonly BlockedField[] = Object.freeze([]);
const EMPTY_TRIE: PathNode = Object.freeze({
  path: '',
  fields: NO_FIELDS,
  subtree: NO_FIELDS,
  props: lookup<PathNode>([]),
  each: null,
});
const NO_POLICY: Pick<Policy, 'paths' | 'urlTemplates' | 'kinds'> = Object.freeze({
  paths: EMPTY_TRIE,
  urlTemplates: Object.freeze([]),
  kinds: lookup<readonly ValueKind[]>([]),
});

/** Gives a field its reason to be blocked, or null when it may go. */
type Judge = (field: string) => ReasonCode | null;

export function decide(policy: Policy, consents: Consents, request: DecisionRequest): Decision {
  const flow = findFlow(policy, request);
  if (flow === null) return denyAll(request, policy, 'no-flow', null, policy.version);

  let flowReason: ReasonCode | null = null;
  // Fields added after the grant being relied on (opt-in only) are stale.
  let grantedAt = Number.POSITIVE_INFINITY;
  const at = request.at ?? Number.NEGATIVE_INFINITY;
  if (flow.effectiveFrom !== 0 && flow.effectiveFrom > at) {
    flowReason = 'not-yet-effective';
  } else if (flow.mode === 'opt-out') {
    const choice = choiceFor(policy, consents, flow);
    const gpc = consents.gpc || request.gpc === true;
    if (choice < 0 || (choice === 0 && gpc)) flowReason = 'opted-out';
  } else if (flow.mode === 'opt-in') {
    const choice = choiceFor(policy, consents, flow);
    if (choice > 0) grantedAt = choice - 1;
    else flowReason = choice < 0 ? 'opted-out' : 'not-opted-in';
  } // 'required': always allowed, whatever is stored (a denial cannot be set).

  const { fields, payload } = request;
  const { fieldIds } = policy;
  if (payload !== undefined || request.urlPath !== undefined) {
    const judge: Judge = (field) =>
      fieldReason(policy, fieldIds[field], flow, flowReason, grantedAt, at);
    return judgePayload(request, policy, flowReason, judge, flow.key, policy.version);
  }
  if (fields === undefined || fields.length === 0) {
    return decision(flowReason, NO_FIELDS, NO_BLOCKED, flow.key, policy.version);
  }
  // Verdict first: when everything may go (the common answer) the allowed fields are the
  // request's, copied once, with no per-field judging into growing arrays.
  if (flowReason === null && fieldsGo(policy, flow, fields, grantedAt, at)) {
    return {
      allow: true,
      reason: null,
      allowedFields: fields.slice(),
      blocked: NO_BLOCKED,
      flowKey: flow.key,
      policyVersion: policy.version,
    };
  }
  // Created on first use: most decisions allow every field or block every field.
  let allowedFields: string[] | undefined;
  let blocked: BlockedField[] | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const reason = fieldReason(policy, fieldIds[field], flow, flowReason, grantedAt, at);
    if (reason === null) (allowedFields ??= []).push(field);
    else (blocked ??= []).push({ field, reason });
  }
  const allowed = allowedFields ?? NO_FIELDS;
  return decision(flowReason, allowed, blocked ?? NO_BLOCKED, flow.key, policy.version);
}

/**
 * The verdict alone: `allows(policy, consents, request) === decide(policy, consents, request).allow`,
 * for callers that need only allow / deny (a guard's hot path, a counter). Allocates
 * nothing for field-key requests; a payload is walked alongside the path trie like
 * `decide` walks it, stopping at the first thing that blocks, with no field map, path
 * strings or result built (only the walk's list of open containers, for cycles).
 */
export function allows(policy: Policy, consents: Consents, request: DecisionRequest): boolean {
  const flow = findFlow(policy, request);
  if (flow === null) return false;
  const at = request.at ?? Number.NEGATIVE_INFINITY;
  const grantedAt = grantedUpToPayload(policy, consents, request, flow, at);
  if (Number.isNaN(grantedAt)) return false;
  const { payload } = request;
  if (payload === undefined) return true;
  return payloadGoes(payload, policy.paths, NO_FIELDS, NO_FIELDS, 0, [], {
    policy,
    flow,
    grantedAt,
    at,
  });
}

/**
 * Everything `allows` checks before the payload (the flow in force, the user's choice, the
 * field keys, the URL path): NaN when the request is denied whatever its payload, else the
 * instant the flow's consent was granted (+∞ where none is needed), which fields are judged by.
 */
function grantedUpToPayload(
  policy: Policy,
  consents: Consents,
  request: DecisionRequest,
  flow: CompiledFlow,
  at: number,
): number {
  if (flow.effectiveFrom !== 0 && flow.effectiveFrom > at) return NaN;
  let grantedAt = Number.POSITIVE_INFINITY;
  if (flow.mode === 'opt-out') {
    const choice = choiceFor(policy, consents, flow);
    if (choice < 0 || (choice === 0 && (consents.gpc || request.gpc === true))) return NaN;
  } else if (flow.mode === 'opt-in') {
    const choice = choiceFor(policy, consents, flow);
    if (choice <= 0) return NaN;
    grantedAt = choice - 1;
  }
  const { fields, urlPath } = request;
  if (fields !== undefined && !fieldsGo(policy, flow, fields, grantedAt, at)) return NaN;
  if (urlPath !== undefined && !urlPathGoes(policy, flow, urlPath, grantedAt, at)) return NaN;
  return grantedAt;
}

/**
 * `allows` up to its payload, for a caller that walks the payload itself (the SDK copies and
 * judges the caller's payload in one walk): null when the request is denied whatever its
 * payload (`request.payload` is not read), else what `valueGoes`, `fieldMayGo` and
 * `valueMisfiled` judge by. `allows(p, c, r) === (v !== null && valueGoes(v, r.payload,
 * p.paths, [], [], 0))` where `v = payloadVerdict(p, c, r)`.
 */
export function payloadVerdict(
  policy: Policy,
  consents: Consents,
  request: DecisionRequest,
): Verdict | null {
  const flow = findFlow(policy, request);
  if (flow === null) return null;
  const at = request.at ?? Number.NEGATIVE_INFINITY;
  const grantedAt = grantedUpToPayload(policy, consents, request, flow, at);
  return Number.isNaN(grantedAt) ? null : { policy, flow, grantedAt, at };
}

/** Whether a field a payload location is may go (`payloadVerdict`'s flow being allowed). */
export function fieldMayGo(v: Verdict, field: string): boolean {
  return fieldGoes(v.policy, v.flow, field, v.grantedAt, v.at);
}

/** Whether a leaf the fields `covering` cover is of a kind none of them may carry. */
export function valueMisfiled(v: Verdict, value: unknown, covering: readonly string[]): boolean {
  return misfiled(value, covering, v.policy.kinds);
}

/** `allows`' walk of one value at a trie location (`node`, with the fields above covering it). */
export function valueGoes(
  v: Verdict,
  value: unknown,
  node: PathNode | null,
  covering: readonly string[],
  below: readonly string[],
  depth: number,
): boolean {
  return payloadGoes(value, node, covering, below, depth, [], v);
}

/** What the verdict walk judges by: the flow is allowed, so a field goes iff `fieldGoes`. */
export interface Verdict {
  readonly policy: Policy;
  readonly flow: CompiledFlow;
  readonly grantedAt: number;
  readonly at: number;
}

/** `fieldReason(...) === null` of a field key when the flow itself is allowed. */
function fieldGoes(
  policy: Policy,
  flow: CompiledFlow,
  field: string,
  grantedAt: number,
  at: number,
): boolean {
  const fieldId = policy.fieldIds[field];
  if (fieldId === undefined) return false;
  const since = policy.rules[flow.rulesAt + fieldId];
  if (since < 0 || since > grantedAt) return false;
  const schedule = policy.effectiveFrom;
  if (schedule !== null) {
    const from = schedule[flow.rulesAt + fieldId];
    if (from !== 0 && from > at) return false;
  }
  return true;
}

/**
 * `readPayload`'s walk (payload.ts) as a verdict: false at the first field that may not go,
 * the first leaf no field covers, or the first value of a kind its fields may not carry.
 */
function payloadGoes(
  value: unknown,
  node: PathNode | null,
  covering: readonly string[],
  below: readonly string[],
  depth: number,
  ancestors: object[],
  v: Verdict,
): boolean {
  if (!isJsonValue(value)) return true;
  if (node !== null && node.fields.length > 0) {
    covering = node.fields;
    for (let i = 0; i < covering.length; i++)
      if (!fieldGoes(v.policy, v.flow, covering[i], v.grantedAt, v.at)) return false;
    if (node.subtree.length > 0) below = node.subtree;
  } else if (covering.length === 0) covering = below;
  if (typeof value !== 'object' || value === null || !isContainer(value)) {
    return covering.length !== 0 && !misfiled(value, covering, v.policy.kinds);
  }
  if (depth >= MAX_PAYLOAD_DEPTH || ancestors.includes(value)) return below.length !== 0;
  ancestors.push(value);
  if (Array.isArray(value)) {
    const child = node?.each ?? null;
    for (let i = 0; i < value.length; i++) {
      if (
        !payloadGoes(
          (value as readonly unknown[])[i],
          child,
          covering,
          below,
          depth + 1,
          ancestors,
          v,
        )
      )
        return false;
    }
  } else {
    const record = value as Readonly<Record<string, unknown>>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i++) {
      const child = node === null ? null : (node.props[names[i]] ?? null);
      if (!payloadGoes(record[names[i]], child, below, below, depth + 1, ancestors, v))
        return false;
    }
  }
  ancestors.pop();
  return true;
}

/** `readUrlPath` as a verdict: without templates, only a segment the classifiers recognise blocks. */
function urlPathGoes(
  policy: Policy,
  flow: CompiledFlow,
  urlPath: string,
  grantedAt: number,
  at: number,
): boolean {
  if (policy.urlTemplates.length === 0) return !anySegmentClassified(urlPath);
  const found: PayloadContents = { fields: new Map(), undeclared: null, misfiled: null };
  readUrlPath(policy.urlTemplates, policy.kinds, urlPath, found);
  if (found.undeclared !== null || found.misfiled !== null) return false;
  for (const field of found.fields.keys())
    if (!fieldGoes(policy, flow, field, grantedAt, at)) return false;
  return true;
}

/** Whether every field may go, the flow itself being allowed (`fieldReason` is null for each); no allocation. */
function fieldsGo(
  policy: Policy,
  flow: CompiledFlow,
  fields: readonly string[],
  grantedAt: number,
  at: number,
): boolean {
  const { fieldIds, rules } = policy;
  const schedule = policy.effectiveFrom;
  for (let i = 0; i < fields.length; i++) {
    const fieldId = fieldIds[fields[i]];
    if (fieldId === undefined) return false;
    const since = rules[flow.rulesAt + fieldId];
    // UNDECLARED and EXCLUDED are negative; a sent field's since is ≥ 0.
    if (since < 0 || since > grantedAt) return false;
    if (schedule !== null) {
      const from = schedule[flow.rulesAt + fieldId];
      if (from !== 0 && from > at) return false;
    }
  }
  return true;
}

/** The fail-closed decision when no usable policy exists: everything asked for is blocked. */
export function unavailableDecision(
  request: DecisionRequest,
  policyVersion: number = NO_POLICY_VERSION,
): Decision {
  return denyAll(request, NO_POLICY, 'policy-unavailable', null, policyVersion);
}

function findFlow(policy: Policy, { subprocessor, purpose }: DecisionRequest): CompiledFlow | null {
  const flows = policy.subprocessors[subprocessor];
  if (flows === undefined) return null;
  if (purpose === undefined) return flows.only;
  return flows.byPurpose[purpose] ?? null;
}

/** Precedence: not sent (excluded / undeclared), the flow's own reason, a scheduled field, then stale. */
function fieldReason(
  policy: Policy,
  fieldId: number | undefined,
  flow: CompiledFlow,
  flowReason: ReasonCode | null,
  grantedAt: number,
  at: number,
): ReasonCode | null {
  const since = fieldId === undefined ? UNDECLARED : policy.rules[flow.rulesAt + fieldId];
  if (since === UNDECLARED) return 'undeclared';
  if (since === EXCLUDED) return 'excluded';
  if (flowReason !== null) return flowReason;
  if (policy.effectiveFrom !== null) {
    const from = policy.effectiveFrom[flow.rulesAt + fieldId!];
    if (from !== 0 && from > at) return 'not-yet-effective';
  }
  return since > grantedAt ? 'stale-consent' : null;
}

function decision(
  reason: ReasonCode | null,
  allowedFields: readonly string[],
  blocked: readonly BlockedField[],
  flowKey: string | null,
  policyVersion: number,
): Decision {
  const allow = reason === null && blocked.length === 0;
  return { allow, reason, allowedFields, blocked, flowKey, policyVersion };
}

/** No flow to judge by (no flow, or no policy): every field and payload leaf gets `reason`. */
function denyAll(
  request: DecisionRequest,
  policy: Pick<Policy, 'paths' | 'urlTemplates' | 'kinds'>,
  reason: ReasonCode,
  flowKey: string | null,
  policyVersion: number,
): Decision {
  const { fields, payload } = request;
  if (payload !== undefined || request.urlPath !== undefined) {
    return judgePayload(request, policy, reason, () => reason, flowKey, policyVersion);
  }
  const blocked: BlockedField[] = [];
  if (fields !== undefined) {
    for (let i = 0; i < fields.length; i++) blocked.push({ field: fields[i], reason });
  }
  return decision(reason, NO_FIELDS, blocked, flowKey, policyVersion);
}

function judgePayload(
  request: DecisionRequest,
  policy: Pick<Policy, 'paths' | 'urlTemplates' | 'kinds'>,
  flowReason: ReasonCode | null,
  judge: Judge,
  flowKey: string | null,
  policyVersion: number,
): Decision {
  const found: PayloadContents = { fields: new Map(), undeclared: null, misfiled: null };
  const { fields } = request;
  if (fields !== undefined) {
    for (let i = 0; i < fields.length; i++) {
      if (!found.fields.has(fields[i])) found.fields.set(fields[i], []);
    }
  }
  if (request.urlPath !== undefined)
    readUrlPath(policy.urlTemplates, policy.kinds, request.urlPath, found);
  if (request.payload !== undefined)
    readPayload(policy.paths, policy.kinds, request.payload, found);

  const allowedFields: string[] = [];
  const blocked: BlockedField[] = [];
  found.fields.forEach((paths, field) => {
    const reason = judge(field);
    if (reason === null) allowedFields.push(field);
    else blocked.push({ field, reason, paths });
  });
  // Data no field of the map declares: undeclared for any flow (or the flow-level reason).
  if (found.undeclared !== null) {
    const leafReason =
      flowReason === 'no-flow' || flowReason === 'policy-unavailable' ? flowReason : 'undeclared';
    for (const path of found.undeclared) {
      blocked.push({ field: path, reason: leafReason, paths: [path] });
    }
  }
  // A declared field holding a value of a kind it may not carry (an email in `note`).
  if (found.misfiled !== null) {
    for (const path of found.misfiled)
      blocked.push({ field: path, reason: 'personal-value', paths: [path] });
  }
  return decision(flowReason, allowedFields, blocked, flowKey, policyVersion);
}
