/**
 * A seeded synthetic world for benchmarks: a data map (as the engine's PolicyMap), users
 * with consent choices, and a stream of requests. Same seed, same world, on any machine.
 */
import type { ConsentMode } from '@flowgate/core';
import type {
  ConsentChoice,
  DecisionRequest,
  PolicyMap,
  PolicyMapFlow,
} from '@flowgate/core';

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
export const intBetween = (rng: Rng, min: number, max: number): number =>
  min + Math.floor(rng() * (max - min + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T =>
  items[Math.floor(rng() * items.length)];
/** `count` distinct items, in random order. */
export function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const copy = [...items];
  for (let i = 0; i < Math.min(count, copy.length); i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, count);
}

export interface SyntheticUser {
  readonly id: string;
  /** Empty for users who never chose. */
  readonly choices: readonly (readonly [flowKey: string, choice: ConsentChoice])[];
  readonly gpc: boolean;
}

export interface SyntheticWorld {
  readonly map: PolicyMap;
  readonly users: readonly SyntheticUser[];
}

export interface SyntheticOptions {
  seed: number;
  subprocessors: number;
  purposes: number;
  fields: number;
  flows: number;
  users: number;
  /** Share of users who made any consent choice. */
  choosingShare: number;
  /** Share of users whose browser sends Global Privacy Control. */
  gpcShare: number;
}

export const DEFAULT_WORLD: SyntheticOptions = {
  seed: 20_26,
  subprocessors: 40,
  purposes: 12,
  fields: 60,
  flows: 300,
  users: 100_000,
  choosingShare: 0.1,
  gpcShare: 0.05,
};

const GROUPS = ['user', 'contact', 'billing', 'device', 'order', 'support'] as const;
const LEGAL_BASIS = {
  required: 'contract',
  'opt-out': 'legitimate-interests',
  'opt-in': 'consent',
} as const;
/** 30% required, 40% opt-out, 30% opt-in. */
const MODES: readonly ConsentMode[] = [
  ...Array<ConsentMode>(3).fill('required'),
  ...Array<ConsentMode>(4).fill('opt-out'),
  ...Array<ConsentMode>(3).fill('opt-in'),
];
const NO_CHOICES: SyntheticUser['choices'] = Object.freeze([]);

export function syntheticWorld(options: Partial<SyntheticOptions> = {}): SyntheticWorld {
  const o = { ...DEFAULT_WORLD, ...options };
  const rng = createRng(o.seed);

  // Fields: `contact.f7`, found at `f7`, `contact.f7` and sometimes `items[*].f7`.
  const fields = Array.from({ length: o.fields }, (_, i) => {
    const group = GROUPS[i % GROUPS.length];
    const paths = [`f${i}`, `${group}.f${i}`];
    if (rng() < 0.25) paths.push(`items[*].f${i}`);
    return { key: `${group}.f${i}`, paths, sensitivity: 'personal' as const };
  });
  const subprocessors = Array.from({ length: o.subprocessors }, (_, i) => ({ key: `vendor-${i}` }));
  const purposes = Array.from({ length: o.purposes }, (_, i) => ({ key: `purpose-${i}` }));

  const pairs = subprocessors.flatMap((s) => purposes.map((p) => [s.key, p.key] as const));
  if (o.flows > pairs.length) {
    throw new RangeError(`at most ${pairs.length} flows for this many vendors and purposes`);
  }
  const fieldKeys = fields.map((f) => f.key);
  const flows = sample(rng, pairs, o.flows).map(([subprocessor, purpose]): PolicyMapFlow => {
    const mode = pick(rng, MODES);
    const version = intBetween(rng, 1, 5);
    const chosen = sample(rng, fieldKeys, intBetween(rng, 3, 12) + 3);
    const sent = chosen.slice(0, -3);
    const excluded = chosen.slice(-3, chosen.length - 3 + intBetween(rng, 0, 3));
    return {
      key: `${subprocessor}.${purpose}`,
      subprocessor,
      purpose,
      mode,
      legalBasis: LEGAL_BASIS[mode],
      version,
      fields: sent.map((key, i) => ({ key, since: i === 0 ? 1 : intBetween(rng, 1, version) })),
      excludedFields: excluded,
    };
  });

  const users = Array.from({ length: o.users }, (_, i): SyntheticUser => {
    const gpc = rng() < o.gpcShare;
    if (rng() >= o.choosingShare) return { id: `user-${i}`, choices: NO_CHOICES, gpc };
    const choices = sample(rng, flows, intBetween(rng, 1, 8)).map(
      (flow) =>
        [
          flow.key,
          {
            granted: rng() < 0.7,
            // mostly the current version; sometimes an older one (a stale grant)
            version: rng() < 0.7 ? flow.version : intBetween(rng, 1, flow.version),
          },
        ] as const,
    );
    return { id: `user-${i}`, choices, gpc };
  });

  return { map: { version: 1, fields, subprocessors, purposes, flows }, users };
}

export interface SyntheticCase {
  /** Index into `world.users`. */
  readonly user: number;
  readonly request: DecisionRequest;
}

/**
 * `count` cases: a uniformly random user each, with a request drawn from a pool of
 * `shapes` distinct field-key requests (as a service has a bounded set of call sites).
 * Requests go mostly to a flow of the map (5% name only the vendor, 5% reach no flow),
 * with 0–8 distinct fields, ~90% sent by the flow, the rest other map fields or unknown keys.
 */
export function syntheticRequests(
  world: SyntheticWorld,
  count: number,
  seed: number,
  shapes = 1024,
): SyntheticCase[] {
  const rng = createRng(seed);
  const pool = Array.from({ length: shapes }, () =>
    fieldRequest(rng, world, pick(rng, world.map.flows), 0.9),
  );
  return casesOf(rng, world, pool, count);
}

/**
 * `count` cases that exercise every rule, for checking engines against each other:
 * half go to a user who made choices, to a flow they chose (grants, denials, stale grants
 * are then common), and a third of the fields are not sent by the flow (excluded or other).
 */
export function syntheticSample(
  world: SyntheticWorld,
  count: number,
  seed: number,
): SyntheticCase[] {
  const rng = createRng(seed);
  const { map, users } = world;
  const choosers = users.flatMap((u, i) => (u.choices.length > 0 ? [i] : []));
  const flowsByKey = new Map(map.flows.map((f) => [f.key, f]));
  return Array.from({ length: count }, () => {
    const focused = rng() < 0.5 && choosers.length > 0;
    const user = focused ? pick(rng, choosers) : Math.floor(rng() * users.length);
    const chosen = flowsByKey.get(pick(rng, users[user].choices)?.[0] ?? '');
    const flow = focused && chosen !== undefined ? chosen : pick(rng, map.flows);
    const gpc = rng() < 0.1 ? true : undefined;
    return { user, request: { ...fieldRequest(rng, world, flow, 0.67), gpc } };
  });
}

/** A field-key request around `flow`; each field is one the flow sends with probability `sent`. */
function fieldRequest(
  rng: Rng,
  world: SyntheticWorld,
  flow: PolicyMapFlow,
  sent: number,
): DecisionRequest {
  const { map } = world;
  const roll = rng();
  // 90% a flow by vendor and purpose, 5% by vendor alone, 5% no flow at all
  const subprocessor = roll < 0.95 ? flow.subprocessor : pick(rng, map.subprocessors).key;
  const purpose =
    roll < 0.9
      ? flow.purpose
      : roll < 0.95
        ? undefined
        : rng() < 0.5
          ? 'unknown-purpose'
          : pick(rng, map.purposes).key;
  const fields = sample(rng, flow.fields, intBetween(rng, 0, 8)).map(({ key }) => {
    const r = (rng() - sent) / (1 - sent); // < 0: sent by the flow
    if (r < 0) return key;
    if (r < 0.4 && flow.excludedFields.length > 0) return pick(rng, flow.excludedFields);
    return r < 0.8 ? pick(rng, map.fields).key : `unknown.k${intBetween(rng, 0, 99)}`;
  });
  // one object shape for every request, as an SDK call site would build it
  return { subprocessor, purpose, fields };
}

/**
 * Payload requests with `leaves` leaf values: mostly at paths of the flow's own fields
 * (nested under their group, or in an `items` array), a few of other fields or undeclared.
 */
export function syntheticPayloadRequests(
  world: SyntheticWorld,
  count: number,
  seed: number,
  leaves = 20,
  shapes = 1024,
): SyntheticCase[] {
  const rng = createRng(seed);
  const { map } = world;
  const byKey = new Map(map.fields.map((f) => [f.key, f]));
  const pool = Array.from({ length: shapes }, (): DecisionRequest => {
    const flow = pick(rng, map.flows);
    const payload: Record<string, unknown> = {};
    const written = new Set<string>();
    for (let i = 0; written.size < leaves; i++) {
      const r = rng();
      const field = byKey.get(pick<{ key: string }>(rng, r < 0.85 ? flow.fields : map.fields).key);
      const path = r < 0.95 && field !== undefined ? pick(rng, field.paths) : `meta.note${i}`;
      if (written.has(path)) continue;
      written.add(path);
      setPath(payload, path, r < 0.5 ? `value-${i}` : i);
    }
    return { subprocessor: flow.subprocessor, purpose: flow.purpose, payload };
  });
  return casesOf(rng, world, pool, count);
}

function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  let at = root;
  const segments = path.split('.');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment.endsWith('[*]')) {
      const name = segment.slice(0, -3);
      const list = (Array.isArray(at[name]) ? at[name] : (at[name] = [{}])) as unknown[];
      if (last) list.push(value);
      else at = list[0] as Record<string, unknown>;
    } else if (last) {
      at[segment] = value;
    } else {
      const next = at[segment];
      at = (typeof next === 'object' && next !== null ? next : (at[segment] = {})) as typeof at;
    }
  });
}

/** `count` cases: a uniformly random user each, with a request from `pool`. */
function casesOf(
  rng: Rng,
  world: SyntheticWorld,
  pool: readonly DecisionRequest[],
  count: number,
): SyntheticCase[] {
  return Array.from({ length: count }, () => ({
    user: Math.floor(rng() * world.users.length),
    request: pick(rng, pool),
  }));
}
