import { MAX_VERSION, type CompiledFlow, type Policy } from './policy.js';

/** A user's current choice for one flow; `version` is the flow version the user was shown. */
export interface ConsentChoice {
  readonly granted: boolean;
  readonly version: number;
}

export type ConsentChoices =
  | Iterable<readonly [flowKey: string, choice: ConsentChoice]>
  | Readonly<Record<string, ConsentChoice>>;

/**
 * One user's consents, compiled against one policy. A choice is encoded as a number:
 * 0 = no choice, `version + 1` = granted at `version`, `-(version + 1)` = denied.
 */
export interface Consents {
  /** The policy whose flow ids index `byFlowId`; null for `EMPTY_CONSENTS`. */
  readonly policy: Policy | null;
  /** Encoded choice per interned flow id (a typed array: compact, read-only by type). */
  readonly byFlowId: ArrayLike<number>;
  /** Every encoded choice by flow key, to read these consents against another policy. */
  readonly byFlowKey: readonly (readonly [string, number])[];
  /** Global Privacy Control: the user's browser asked not to sell or share. */
  readonly gpc: boolean;
}

/** No choices, no GPC signal: valid with any policy. */
export const EMPTY_CONSENTS: Consents = Object.freeze({
  policy: null,
  byFlowId: new Int32Array(0),
  byFlowKey: Object.freeze([]),
  gpc: false,
});

/** Choice versions beyond this are read as this. */
const MAX_CHOICE_VERSION = MAX_VERSION;

export function compileConsents(
  policy: Policy,
  choices: ConsentChoices,
  opts: { readonly gpc?: boolean } = {},
): Consents {
  const entries = Symbol.iterator in choices ? choices : Object.entries(choices);
  const byFlowKey = new Map<string, number>();
  for (const [flowKey, choice] of entries) byFlowKey.set(flowKey, encodeChoice(choice));

  const byFlowId = new Int32Array(policy.flows.length);
  for (const [flowKey, encoded] of byFlowKey) {
    const id = policy.flowIds.get(flowKey);
    if (id !== undefined) byFlowId[id] = encoded;
  }
  return Object.freeze({
    policy,
    byFlowId,
    byFlowKey: Object.freeze([...byFlowKey].map((entry) => Object.freeze(entry))),
    gpc: opts.gpc === true,
  });
}

/** A version that is not a non-negative integer counts as 0 (the oldest: fails towards stale). */
function encodeChoice({ granted, version }: ConsentChoice): number {
  const valid = Number.isSafeInteger(version) && version > 0;
  const v = valid ? Math.min(version, MAX_CHOICE_VERSION) : 0;
  return granted === true ? v + 1 : -(v + 1);
}

/** The encoded choice for `flow`; by key (slower) when compiled against another policy. */
export function choiceFor(policy: Policy, consents: Consents, flow: CompiledFlow): number {
  if (consents.policy === policy) return consents.byFlowId[flow.id];
  const { byFlowKey } = consents;
  for (let i = 0; i < byFlowKey.length; i++) {
    if (byFlowKey[i][0] === flow.key) return byFlowKey[i][1];
  }
  return 0;
}
