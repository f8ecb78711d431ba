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
 * One user's consents, compiled against one policy: sparse, since a user chooses for a
 * handful of flows out of hundreds. A choice is encoded as a number: 0 = no choice,
 * `version + 1` = granted at `version`, `-(version + 1)` = denied.
 */
export interface Consents {
  /** The policy whose flow ids `pairs` holds; null for `EMPTY_CONSENTS`. */
  readonly policy: Policy | null;
  /**
   * `[flowId, encoded choice]` per choice, flattened: first the `inPolicy` choices for flows
   * of `policy`, by ascending flow id; then the others (flow id -1), kept to be read against
   * another policy. Small integers in a frozen array (a few bytes each).
   */
  readonly pairs: ArrayLike<number>;
  /** How many of `pairs` are for flows of `policy`. */
  readonly inPolicy: number;
  /** The flow key of each pair, in the same order. */
  readonly keys: readonly string[];
  /** Global Privacy Control: the user's browser asked not to sell or share. */
  readonly gpc: boolean;
  /** Dense view, one encoded choice per interned flow id; built on each read (for inspection). */
  readonly byFlowId: ArrayLike<number>;
  /** Every encoded choice by flow key, to read these consents against another policy; built on each read. */
  readonly byFlowKey: readonly (readonly [string, number])[];
}

/** Choice versions beyond this are read as this. */
const MAX_CHOICE_VERSION = MAX_VERSION;
/** Up to this many choices are scanned, past it bisected. */
const SCAN = 12;

export function compileConsents(
  policy: Policy,
  choices: ConsentChoices,
  opts: { readonly gpc?: boolean } = {},
): Consents {
  const entries = Symbol.iterator in choices ? choices : Object.entries(choices);
  const byFlowKey = new Map<string, number>();
  for (const [flowKey, choice] of entries) byFlowKey.set(flowKey, encodeChoice(choice));

  const known: [id: number, key: string, encoded: number][] = [];
  const unknown: [key: string, encoded: number][] = [];
  for (const [flowKey, encoded] of byFlowKey) {
    const id = policy.flowIds.get(flowKey);
    if (id === undefined) unknown.push([flowKey, encoded]);
    // The policy's own key string: a cached user's consents share it.
    else known.push([id, policy.flows[id].key, encoded]);
  }
  known.sort((a, b) => a[0] - b[0]);
  const pairs: number[] = [];
  const keys: string[] = [];
  for (const [id, key, encoded] of known) {
    pairs.push(id, encoded);
    keys.push(key);
  }
  for (const [key, encoded] of unknown) {
    pairs.push(-1, encoded);
    keys.push(key);
  }
  return consentsOf(policy, pairs, known.length, keys, opts.gpc === true);
}

function consentsOf(policy: Policy | null, pairs: number[], inPolicy: number, keys: string[], gpc: boolean): Consents {
  return Object.freeze(new CompiledConsents(policy, Object.freeze(pairs), inPolicy, Object.freeze(keys), gpc));
}

/** A class, so that the views are on its prototype, not closures on every user's object. */
class CompiledConsents implements Consents {
  constructor(
    readonly policy: Policy | null,
    readonly pairs: readonly number[],
    readonly inPolicy: number,
    readonly keys: readonly string[],
    readonly gpc: boolean,
  ) {}

  get byFlowId(): ArrayLike<number> {
    const dense = new Int32Array(this.policy?.flows.length ?? 0);
    for (let i = 0; i < this.inPolicy; i++) dense[this.pairs[2 * i]] = this.pairs[2 * i + 1];
    return dense;
  }

  get byFlowKey(): readonly (readonly [string, number])[] {
    return Object.freeze(this.keys.map((key, i) => Object.freeze([key, this.pairs[2 * i + 1]] as const)));
  }
}

/** No choices, no GPC signal: valid with any policy. */
export const EMPTY_CONSENTS: Consents = consentsOf(null, [], 0, [], false);

/** A version that is not a non-negative integer counts as 0 (the oldest: fails towards stale). */
export function encodeChoice({ granted, version }: ConsentChoice): number {
  const valid = Number.isSafeInteger(version) && version > 0;
  const v = valid ? Math.min(version, MAX_CHOICE_VERSION) : 0;
  return granted === true ? v + 1 : -(v + 1);
}

/** The inverse of `encodeChoice` (for a non-zero encoding). */
export function decodeChoice(encoded: number): ConsentChoice {
  return encoded > 0 ? { granted: true, version: encoded - 1 } : { granted: false, version: -encoded - 1 };
}

/** The encoded choice for `flow`; by key (slower) when compiled against another policy. */
export function choiceFor(policy: Policy, consents: Consents, flow: CompiledFlow): number {
  const { pairs } = consents;
  if (consents.policy === policy) {
    const id = flow.id;
    let lo = 0;
    let hi = consents.inPolicy;
    while (hi - lo > SCAN) {
      const mid = (lo + hi) >>> 1;
      if (pairs[2 * mid] < id) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < hi; i++) {
      const at = pairs[2 * i];
      if (at === id) return pairs[2 * i + 1];
      if (at > id) return 0;
    }
    return 0;
  }
  const { keys } = consents;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === flow.key) return pairs[2 * i + 1];
  }
  return 0;
}
