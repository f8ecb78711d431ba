import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { CONSENT_MODES, type ConsentMode } from '../vocabulary.js';
import {
  compileConsents,
  compilePolicy,
  decide,
  type ConsentChoice,
  type Decision,
  type DecisionRequest,
  type PolicyMap,
  type PolicyMapFlow,
  type ReasonCode,
} from './index.js';

/* ------------------------------------------------------------------------------------------
 * The oracle: the rules read straight off the design, over the raw map, with linear scans.
 * It shares no code with the engine (no trie, no interning, no encoded choices).
 * ---------------------------------------------------------------------------------------- */

type Choices = readonly (readonly [string, ConsentChoice])[];

function oracle(map: PolicyMap, choices: Choices, userGpc: boolean, req: DecisionRequest): Decision {
  let flow: PolicyMapFlow | undefined;
  if (req.purpose === undefined) {
    const flows = map.flows.filter((f) => f.subprocessor === req.subprocessor);
    flow = flows.length === 1 ? flows[0] : undefined;
  } else {
    flow = map.flows.find((f) => f.subprocessor === req.subprocessor && f.purpose === req.purpose);
  }

  let choice: ConsentChoice | undefined;
  for (const [key, c] of choices) if (flow !== undefined && key === flow.key) choice = c;
  const gpc = userGpc || req.gpc === true;

  let flowReason: ReasonCode | null = null;
  if (flow === undefined) flowReason = 'no-flow';
  else if (flow.mode === 'required') flowReason = null;
  else if (flow.mode === 'opt-out') {
    if (choice !== undefined && !choice.granted) flowReason = 'opted-out';
    else if (choice === undefined && gpc) flowReason = 'opted-out';
  } else {
    if (choice === undefined) flowReason = 'not-opted-in';
    else if (!choice.granted) flowReason = 'opted-out';
  }

  const reasonFor = (key: string): ReasonCode | null => {
    if (flow === undefined) return 'no-flow';
    const declared = flow.fields.find((f) => f.key === key);
    if (declared === undefined) return flow.excludedFields.includes(key) ? 'excluded' : 'undeclared';
    if (flowReason !== null) return flowReason;
    if (flow.mode === 'opt-in' && choice !== undefined && declared.since > choice.version) {
      return 'stale-consent';
    }
    return null;
  };

  // What is asked for: each field key as given; with a payload, each distinct field once
  // (with the paths it was found at) and the undeclared leaves.
  const asked: [string, string[]][] = [];
  const askedPaths = (key: string): string[] => {
    let entry = req.payload === undefined ? undefined : asked.find(([k]) => k === key);
    if (entry === undefined) asked.push((entry = [key, []]));
    return entry[1];
  };
  for (const key of req.fields ?? []) askedPaths(key);
  const leaves: string[] = [];
  if (req.payload !== undefined) {
    // A path covers the value there and the elements of an array there, not an object's
    // properties below it; a path ending in `.**` covers everything below it too.
    const walk = (value: unknown, path: string, coveredAbove: boolean, deepAbove: boolean): void => {
      let covered = coveredAbove || deepAbove;
      let deep = deepAbove;
      for (const field of map.fields) {
        const plain = field.paths.includes(path);
        const subtree = field.paths.includes(`${path}.**`);
        if (plain || subtree) {
          covered = true;
          if (subtree) deep = true;
          const paths = askedPaths(field.key);
          if (!paths.includes(path)) paths.push(path);
        }
      }
      if (Array.isArray(value)) {
        for (const element of value) walk(element, `${path}[*]`, covered, deep);
      } else if (typeof value === 'object' && value !== null) {
        for (const [name, child] of Object.entries(value)) walk(child, path === '' ? name : `${path}.${name}`, false, deep);
      } else if (!covered && !leaves.includes(path)) {
        leaves.push(path);
      }
    };
    walk(req.payload, '', false, false);
  }

  const allowedFields: string[] = [];
  const blocked: { field: string; reason: ReasonCode; paths?: string[] }[] = [];
  for (const [key, paths] of asked) {
    const reason = reasonFor(key);
    if (reason === null) allowedFields.push(key);
    else if (req.payload === undefined) blocked.push({ field: key, reason });
    else blocked.push({ field: key, reason, paths });
  }
  for (const path of leaves) {
    blocked.push({ field: path, reason: flow === undefined ? 'no-flow' : 'undeclared', paths: [path] });
  }
  return {
    allow: flowReason === null && blocked.length === 0,
    reason: flowReason,
    allowedFields,
    blocked,
    flowKey: flow === undefined ? null : flow.key,
    policyVersion: map.version,
  };
}

/* ------------------------------------------------------------------------------------------
 * Generators: small maps over a small vocabulary, so that requests and payloads hit it often.
 * ---------------------------------------------------------------------------------------- */

const NAMES = ['a', 'b', 'c', 'email'] as const;

const pathArb = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.boolean()), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([segments, subtree]) => segments.map(([name, each]) => (each ? `${name}[*]` : name)).join('.') + (subtree ? '.**' : ''));

function flowArb(subprocessor: string, purpose: string, fieldKeys: readonly string[]) {
  return fc
    .record({ mode: fc.constantFrom<ConsentMode>(...CONSENT_MODES), version: fc.integer({ min: 1, max: 4 }) })
    .chain(({ mode, version }) =>
      fc
        .tuple(...fieldKeys.map(() => fc.tuple(fc.constantFrom('sent', 'excluded', 'no'), fc.nat(version))))
        .map((rules): PolicyMapFlow => ({
          key: `${subprocessor}.${purpose}`,
          subprocessor,
          purpose,
          mode,
          legalBasis: mode === 'opt-in' ? 'consent' : 'contract',
          version,
          fields: fieldKeys.flatMap((key, i) => (rules[i][0] === 'sent' ? [{ key, since: rules[i][1] }] : [])),
          excludedFields: fieldKeys.filter((_, i) => rules[i][0] === 'excluded'),
        })),
    );
}

const mapArb: fc.Arbitrary<PolicyMap> = fc
  .record({ fields: fc.integer({ min: 1, max: 7 }), sps: fc.integer({ min: 1, max: 4 }), purposes: fc.integer({ min: 1, max: 3 }) })
  .chain((size) => {
    const fieldKeys = Array.from({ length: size.fields }, (_, i) => `field.f${i}`);
    const sps = Array.from({ length: size.sps }, (_, i) => `sp-${i}`);
    const purposes = Array.from({ length: size.purposes }, (_, i) => `purpose-${i}`);
    const pairs = sps.flatMap((sp) => purposes.map((p) => [sp, p] as const));
    return fc.record({
      version: fc.nat(100),
      fields: fc.tuple(
        ...fieldKeys.map((key) =>
          fc.uniqueArray(pathArb, { maxLength: 2 }).map((paths) => ({ key, paths, sensitivity: 'personal' as const })),
        ),
      ),
      subprocessors: fc.constant(sps.map((key) => ({ key }))),
      purposes: fc.constant(purposes.map((key) => ({ key }))),
      flows: fc.subarray(pairs).chain((chosen) => fc.tuple(...chosen.map(([sp, p]) => flowArb(sp, p, fieldKeys)))),
    });
  });

const { json: payloadArb } = fc.letrec<{ json: unknown; object: unknown; array: unknown }>((tie) => ({
  json: fc.oneof({ maxDepth: 4 }, fc.constantFrom('x', 1, true, null), tie('object'), tie('array')),
  object: fc.dictionary(fc.constantFrom(...NAMES, 'zz'), tie('json'), { maxKeys: 4 }),
  array: fc.array(tie('json'), { maxLength: 3 }),
}));

function userArb(map: PolicyMap) {
  const flowKeys = [...map.flows.map((f) => f.key), 'sp-9.ghost'];
  const choice = fc.record({ granted: fc.boolean(), version: fc.nat(3) });
  return fc.record({
    choices: fc.array(fc.tuple(fc.constantFrom(...flowKeys), choice), { maxLength: 5 }),
    gpc: fc.boolean(),
  });
}

function requestArb(map: PolicyMap): fc.Arbitrary<DecisionRequest> {
  const fieldKeys = [...map.fields.map((f) => f.key), 'field.unknown'];
  const anyTarget = fc.record({
    subprocessor: fc.constantFrom(...map.subprocessors.map((s) => s.key), 'sp-ghost'),
    purpose: fc.option(fc.constantFrom(...map.purposes.map((p) => p.key), 'purpose-ghost'), { nil: undefined }),
  });
  // Mostly a flow of the map (by pair, or by subprocessor alone), sometimes anything.
  const flowTarget = map.flows.map((f) => ({ subprocessor: f.subprocessor, purpose: f.purpose }));
  const target = flowTarget.length === 0
    ? anyTarget
    : fc.oneof(
        { arbitrary: fc.constantFrom(...flowTarget), weight: 6 },
        { arbitrary: fc.constantFrom(...flowTarget).map(({ subprocessor }) => ({ subprocessor })), weight: 1 },
        { arbitrary: anyTarget, weight: 2 },
      );
  const pathPayload = fc
    .array(fc.tuple(fc.constantFrom(...map.fields.flatMap((f) => f.paths.map((p) => p.replace(/\.\*\*$/, ''))), 'zz', 'a.zz'), payloadArb), { maxLength: 4 })
    .map(buildPayload);
  return fc.record({
    target,
    fields: fc.option(fc.array(fc.constantFrom(...fieldKeys), { maxLength: 5 }), { nil: undefined }),
    payload: fc.option(fc.oneof(pathPayload, payloadArb), { nil: undefined, freq: 2 }),
    gpc: fc.option(fc.boolean(), { nil: undefined }),
  }).map(({ target: t, ...rest }) => ({ ...t, ...rest }));
}

/** A payload holding a value at each of the given paths (an array of one element per `[*]`). */
function buildPayload(entries: readonly (readonly [string, unknown])[]): unknown {
  const root: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    const names = path.split('.').flatMap((segment) => (segment.endsWith('[*]') ? [segment.slice(0, -3), 0] : [segment]));
    let at: Record<string | number, unknown> = root;
    names.forEach((name, i) => {
      if (i === names.length - 1) at[name] = value;
      else {
        const container = typeof names[i + 1] === 'number' ? [] : {};
        if (typeof at[name] !== 'object' || at[name] === null) at[name] = container;
        at = at[name] as Record<string | number, unknown>;
      }
    });
  }
  return root;
}

const USERS_PER_MAP = 2;
const REQUESTS_PER_USER = 8;
const scenarioArb = mapArb.chain((map) =>
  fc.record({
    map: fc.constant(map),
    users: fc.array(
      fc.record({ user: userArb(map), requests: fc.array(requestArb(map), { minLength: REQUESTS_PER_USER, maxLength: REQUESTS_PER_USER }) }),
      { minLength: USERS_PER_MAP, maxLength: USERS_PER_MAP },
    ),
  }),
);

/** Order-insensitive view of a decision (order is pinned by the table tests and determinism). */
function normalized(d: Decision): unknown {
  const blocked = d.blocked
    .map((b) => ({ ...b, paths: b.paths === undefined ? undefined : [...b.paths].sort() }))
    .sort((x, y) => (x.field + x.reason < y.field + y.reason ? -1 : 1));
  return { ...d, allowedFields: [...d.allowedFields].sort(), blocked };
}

/* ------------------------------------------------------------------------------------------ */

/** expect().toEqual, with a fast path: it is slow to run 50,000 times. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

const NUM_RUNS = 700; // × 2 users × 8 requests = 11,200 cases
let cases = 0;

describe(`${decide.name} (properties)`, () => {
  afterAll(() => expect(cases).toBeGreaterThanOrEqual(10_000));

  it('agrees with the oracle, is deterministic, and keeps its invariants', () => {
    fc.assert(
      fc.property(scenarioArb, ({ map, users }) => {
        const policy = compilePolicy(map);
        const reordered = compilePolicy({ ...map, flows: [...map.flows].reverse() });
        for (const { user, requests } of users) {
          const consents = compileConsents(policy, user.choices, { gpc: user.gpc });
          for (const request of requests) {
            cases++;
            const decision = decide(policy, consents, request);
            same(normalized(decision), normalized(oracle(map, user.choices, user.gpc, request)));
            // deterministic, and the same read through consents compiled for another policy
            same(decide(policy, consents, request), decision);
            same(normalized(decide(reordered, consents, request)), normalized(decision));
            // allow ⇒ nothing blocked; every field asked for is answered, once
            if (decision.allow) same(decision.blocked, []);
            if (request.payload === undefined) {
              const answered = [...decision.allowedFields, ...decision.blocked.map((b) => b.field)];
              same(answered.sort(), [...(request.fields ?? [])].sort());
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
