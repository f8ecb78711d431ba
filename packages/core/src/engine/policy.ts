import { kindsOfField, type ValueKind } from './classify.js';
import {
  CONSENT_MODES,
  PATH_PATTERN,
  URL_TEMPLATE_PATTERN,
  type ConsentMode,
  type LegalBasis,
  type Sensitivity,
} from '../vocabulary.js';
import { compileEndpoints, type Endpoints, type PolicyMapEndpoint } from './endpoints.js';

/** Payload locations deeper than this are not looked into (a path may not be deeper either). */
export const MAX_PAYLOAD_DEPTH = 32;

/** The data map as the engine needs it. `version` bumps on every change of the map. */
export interface PolicyMap {
  readonly version: number;
  readonly fields: readonly PolicyMapField[];
  /** `endpoints`: the hosts each is reached at, for the egress guard (optional). */
  readonly subprocessors: readonly { readonly key: string; readonly endpoints?: readonly PolicyMapEndpoint[] }[];
  readonly purposes: readonly { readonly key: string }[];
  readonly flows: readonly PolicyMapFlow[];
}

export interface PolicyMapField {
  readonly key: string;
  /**
   * Where the field appears in a payload: `email`, `customer.email`, `to[*].email`; or in
   * the request's URL path: `url:/u/{}/track` (the `{}` segment).
   */
  readonly paths: readonly string[];
  readonly sensitivity: Sensitivity;
  /**
   * The kinds of value the field may carry (`email`, `phone`, `card`, `iban`, `ip`). A value
   * the classifiers recognise as another kind is blocked (`personal-value`). Default: read
   * off the key's words (`user.contact.email` carries emails and phones).
   */
  readonly carries?: readonly string[];
}

export interface PolicyMapFlow {
  readonly key: string;
  readonly subprocessor: string;
  readonly purpose: string;
  readonly mode: ConsentMode;
  readonly legalBasis: LegalBasis;
  /** Bumps when the flow's fields or mode change. */
  readonly version: number;
  /**
   * `since`: the flow version at which the field was (last) added. `effectiveFrom`: a
   * field added by a change notice is scheduled until this instant (epoch ms).
   */
  readonly fields: readonly { readonly key: string; readonly since: number; readonly effectiveFrom?: number }[];
  readonly excludedFields: readonly string[];
  /** A new flow announced by a change notice is scheduled (denied) until this instant (epoch ms). */
  readonly effectiveFrom?: number;
}

/** A field's rule in a flow: its `since` (≥ 0) when the flow sends it, else one of these. */
export const EXCLUDED = -1;
export const UNDECLARED = -2;
/** The largest version the engine stores (choices encode as `version + 1`, a small integer). */
export const MAX_VERSION = 2 ** 30 - 2;

export interface CompiledFlow {
  /** Interned id: the index in `Policy.flows` and in compiled consents. */
  readonly id: number;
  readonly key: string;
  readonly mode: ConsentMode;
  readonly version: number;
  /** Where this flow's row starts in `Policy.rules`. */
  readonly rulesAt: number;
  /** Scheduled until this instant (epoch ms); 0: in effect. */
  readonly effectiveFrom: number;
}

export interface SubprocessorFlows {
  /** The flow used when a request names no purpose: set only when there is exactly one. */
  readonly only: CompiledFlow | null;
  readonly byPurpose: Lookup<CompiledFlow>;
}

/**
 * A frozen null-prototype object used as a string-keyed table: V8 looks string keys up in
 * these about twice as fast as in a Map, and unlike a Map it can be frozen.
 */
export type Lookup<T> = { readonly [key: string]: T | undefined };

export function lookup<T>(entries: Iterable<readonly [string, T]>): Lookup<T> {
  const table = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) table[key] = value;
  return Object.freeze(table);
}

/** One node of the payload path trie; the root is the payload itself (path ''). */
export interface PathNode {
  /** The normalized path of this location, e.g. `to[*].email`. */
  readonly path: string;
  /** Keys of the map fields with a path ending here. */
  readonly fields: readonly string[];
  /** Those of them declared with `.**`: they cover everything below this location too. */
  readonly subtree: readonly string[];
  readonly props: Lookup<PathNode>;
  /** Every element of an array at this location (`[*]`). */
  readonly each: PathNode | null;
}

/** An immutable, precomputed policy: everything `decide` needs, with no scans per call. */
export interface Policy {
  readonly version: number;
  /** Field key → interned id (the column in `rules`). */
  readonly fieldIds: Lookup<number>;
  /**
   * One row per flow, one column per field: the field's `since`, or `EXCLUDED` /
   * `UNDECLARED`. A typed array (compact, fast to index), so read-only by type only.
   */
  readonly rules: ArrayLike<number>;
  /** Beside `rules`: the instant (epoch ms) a scheduled sent field takes effect, 0 when it is; null when nothing is scheduled. */
  readonly effectiveFrom: ArrayLike<number> | null;
  readonly flows: readonly CompiledFlow[];
  readonly flowIds: ReadonlyMap<string, number>;
  readonly subprocessors: Lookup<SubprocessorFlows>;
  readonly paths: PathNode;
  /** The subprocessors' endpoints, for `matchEndpoint`. */
  readonly endpoints: Endpoints;
  /** The URL path templates of the map's fields. */
  readonly urlTemplates: readonly UrlTemplate[];
  /** Field key → the kinds of value it may carry. */
  readonly kinds: Lookup<readonly ValueKind[]>;
}

/** `url:/u/{}/track` → segments `u`, null, `track` (null: the field's value). */
export interface UrlTemplate {
  readonly path: string;
  readonly segments: readonly (string | null)[];
  readonly fields: readonly string[];
}

/** The map breaks an invariant the engine relies on; `path` names the offending entry. */
export class PolicyMapError extends Error {
  override readonly name = 'PolicyMapError';
  constructor(
    readonly path: string,
    readonly rule: string,
  ) {
    super(`${path}: ${rule}`);
  }
}

export function compilePolicy(map: PolicyMap): Policy {
  if (!Number.isSafeInteger(map.version) || map.version < 0) {
    throw new PolicyMapError('version', 'must be a non-negative integer');
  }
  const fieldKeys = uniqueKeys(map.fields, 'fields');
  const fieldIds = new Map([...fieldKeys].map((key, id) => [key, id]));
  const purposeKeys = uniqueKeys(map.purposes, 'purposes');
  const subprocessorKeys = uniqueKeys(map.subprocessors, 'subprocessors');

  const rules = new Int32Array(map.flows.length * fieldIds.size).fill(UNDECLARED);
  // A scheduled flow counts too: a guard reads its clock only when `effectiveFrom` is not null.
  const scheduled = map.flows.some((f) => (f.effectiveFrom ?? 0) > 0 || f.fields.some((field) => (field.effectiveFrom ?? 0) > 0));
  const effectiveFrom = scheduled ? new Float64Array(rules.length) : null;
  const flows = map.flows.map((flow, id) =>
    compileFlow(flow, id, `flows[${id}]`, fieldIds, subprocessorKeys, purposeKeys, rules, effectiveFrom),
  );
  const flowIds = new Map<string, number>();
  const byPair = new Map<string, Map<string, CompiledFlow>>();
  for (const flow of flows) {
    const at = `flows[${flow.id}]`;
    if (flowIds.has(flow.key)) {
      throw new PolicyMapError(`${at}.key`, `duplicate flow "${flow.key}"`);
    }
    flowIds.set(flow.key, flow.id);
    const { subprocessor, purpose } = map.flows[flow.id];
    const purposes = byPair.get(subprocessor) ?? new Map<string, CompiledFlow>();
    if (purposes.has(purpose)) {
      throw new PolicyMapError(at, `a second flow for ${subprocessor} × ${purpose}`);
    }
    byPair.set(subprocessor, purposes.set(purpose, flow));
  }
  const subprocessors = lookup(
    [...byPair].map(([key, byPurpose]) => {
      const only = byPurpose.size === 1 ? [...byPurpose.values()][0] : null;
      return [key, Object.freeze({ only, byPurpose: lookup(byPurpose) })] as const;
    }),
  );

  return Object.freeze({
    version: map.version,
    fieldIds: lookup(fieldIds),
    rules,
    effectiveFrom,
    flows: Object.freeze(flows),
    flowIds,
    subprocessors,
    paths: buildPathTrie(map.fields),
    endpoints: compileEndpoints(map.subprocessors, purposeKeys),
    urlTemplates: buildUrlTemplates(map.fields),
    kinds: lookup(map.fields.map((f) => [f.key, Object.freeze(kindsOfField(f.key, f.carries))] as const)),
  });
}

function uniqueKeys(items: readonly { readonly key: string }[], at: string): Set<string> {
  const keys = new Set<string>();
  items.forEach(({ key }, i) => {
    if (keys.has(key)) throw new PolicyMapError(`${at}[${i}].key`, `duplicate key "${key}"`);
    keys.add(key);
  });
  return keys;
}

function compileFlow(
  flow: PolicyMapFlow,
  id: number,
  at: string,
  fieldIds: ReadonlyMap<string, number>,
  subprocessors: ReadonlySet<string>,
  purposes: ReadonlySet<string>,
  rules: Int32Array,
  effectiveFrom: Float64Array | null,
): CompiledFlow {
  if (!subprocessors.has(flow.subprocessor)) {
    throw new PolicyMapError(`${at}.subprocessor`, `unknown subprocessor "${flow.subprocessor}"`);
  }
  if (!purposes.has(flow.purpose)) {
    throw new PolicyMapError(`${at}.purpose`, `unknown purpose "${flow.purpose}"`);
  }
  // The vocabulary's own string, so that comparing modes is comparing references.
  const mode = CONSENT_MODES.find((m) => m === flow.mode);
  if (mode === undefined) {
    throw new PolicyMapError(`${at}.mode`, `must be one of ${CONSENT_MODES.join(', ')}`);
  }
  const rulesAt = id * fieldIds.size;
  const setRule = (key: string, rule: number, where: string): void => {
    const fieldId = fieldIds.get(key);
    if (fieldId === undefined) throw new PolicyMapError(where, `unknown field "${key}"`);
    if (rules[rulesAt + fieldId] !== UNDECLARED) {
      throw new PolicyMapError(where, `field "${key}" listed twice`);
    }
    rules[rulesAt + fieldId] = rule;
  };
  const instant = (value: number | undefined, where: string): number => {
    if (value === undefined) return 0;
    if (!Number.isSafeInteger(value) || value < 0) throw new PolicyMapError(where, 'must be an instant in epoch milliseconds');
    return value;
  };
  flow.fields.forEach(({ key, since, effectiveFrom: from }, i) => {
    if (!Number.isInteger(since) || since < 0 || since > MAX_VERSION) {
      const rule = `must be an integer from 0 to ${MAX_VERSION}`;
      throw new PolicyMapError(`${at}.fields[${i}].since`, rule);
    }
    setRule(key, since, `${at}.fields[${i}]`);
    const when = instant(from, `${at}.fields[${i}].effectiveFrom`);
    if (effectiveFrom !== null && when > 0) effectiveFrom[rulesAt + fieldIds.get(key)!] = when;
  });
  flow.excludedFields.forEach((key, i) => setRule(key, EXCLUDED, `${at}.excludedFields[${i}]`));
  const from = instant(flow.effectiveFrom, `${at}.effectiveFrom`);
  return Object.freeze({ id, key: flow.key, mode, version: flow.version, rulesAt, effectiveFrom: from });
}

interface MutablePathNode {
  path: string;
  fields: string[];
  subtree: string[];
  props: Map<string, MutablePathNode>;
  each: MutablePathNode | null;
}

function node(path: string): MutablePathNode {
  return { path, fields: [], subtree: [], props: new Map(), each: null };
}

/** A path's suffix that makes it cover the whole subtree: `card.**`. */
export const SUBTREE = '.**';

/** `to[*].email` → root.props(to).each.props(email), each node knowing its own path. */
function buildPathTrie(fields: readonly PolicyMapField[]): PathNode {
  const root = node('');
  fields.forEach((field, f) =>
    field.paths.forEach((path, p) => {
      const at = `fields[${f}].paths[${p}]`;
      if (URL_TEMPLATE_PATTERN.test(path)) return;
      const subtree = path.endsWith(SUBTREE);
      const payloadPath = subtree ? path.slice(0, -SUBTREE.length) : path;
      if (!PATH_PATTERN.test(payloadPath)) throw new PolicyMapError(at, `not a payload path: "${path}"`);
      let current = root;
      let depth = 0;
      for (const segment of payloadPath.split('.')) {
        const name = segment.endsWith('[*]') ? segment.slice(0, -3) : segment;
        const prefix = current.path === '' ? name : `${current.path}.${name}`;
        let next = current.props.get(name);
        if (next === undefined) current.props.set(name, (next = node(prefix)));
        current = next;
        if (name !== segment) current = current.each ??= node(`${prefix}[*]`);
        depth += name !== segment ? 2 : 1;
      }
      if (depth > MAX_PAYLOAD_DEPTH) {
        throw new PolicyMapError(at, `deeper than ${MAX_PAYLOAD_DEPTH}`);
      }
      if (!current.fields.includes(field.key)) current.fields.push(field.key);
      if (subtree && !current.subtree.includes(field.key)) current.subtree.push(field.key);
    }),
  );
  return freezeTrie(root);
}

function freezeTrie(n: MutablePathNode): PathNode {
  return Object.freeze({
    path: n.path,
    fields: Object.freeze(n.fields),
    subtree: Object.freeze(n.subtree),
    props: lookup([...n.props].map(([name, child]) => [name, freezeTrie(child)] as const)),
    each: n.each === null ? null : freezeTrie(n.each),
  });
}

function buildUrlTemplates(fields: readonly PolicyMapField[]): readonly UrlTemplate[] {
  const byPath = new Map<string, string[]>();
  for (const field of fields) {
    for (const path of field.paths) {
      if (!URL_TEMPLATE_PATTERN.test(path)) continue;
      const keys = byPath.get(path) ?? [];
      if (!keys.includes(field.key)) keys.push(field.key);
      byPath.set(path, keys);
    }
  }
  return Object.freeze(
    [...byPath].map(([path, keys]) =>
      Object.freeze({
        path,
        segments: Object.freeze(path.slice('url:/'.length).split('/').map((s) => (s === '{}' ? null : s))),
        fields: Object.freeze(keys),
      }),
    ),
  );
}
