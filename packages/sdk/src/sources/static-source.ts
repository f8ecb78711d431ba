import {
  compileConsents,
  compilePolicy,
  type ConsentChoice,
  type ConsentChoices,
  type Consents,
  type Policy,
  type PolicyMap,
} from '@flowgate/core';
import { sensitivitiesOf, type PolicySource, type PolicyState } from '../policy-source.js';

/** One user's choices by flow key, optionally with their standing GPC signal. */
export interface StaticUserConsents {
  readonly choices: ConsentChoices;
  readonly gpc?: boolean;
}

export interface StaticSourceOptions {
  /** The data map; omit to start without a policy (every check fails closed). */
  readonly map?: PolicyMap;
  /** userId → choices (`{ 'vendor-a.support': { granted: true, version: 1 } }`) or `{ choices, gpc }`. */
  readonly consents?: Readonly<Record<string, ConsentChoices | StaticUserConsents>>;
}

export interface StaticSource extends PolicySource {
  /** Replaces the map (the policy version is the map's). */
  setMap(map: PolicyMap | null): void;
  /** Replaces one user's choices. */
  setConsents(userId: string, consents: ConsentChoices | StaticUserConsents): void;
  setChoice(userId: string, flowKey: string, choice: ConsentChoice | null): void;
}

/**
 * A policy source held in memory: for tests, scripts, and services that embed a fixed
 * map. Every user is known (no choices until set); changes apply at once.
 */
export function staticSource(options: StaticSourceOptions = {}): StaticSource {
  let state: PolicyState | null = null;
  const users = new Map<string, { choices: Map<string, ConsentChoice>; gpc: boolean }>();
  const compiled = new Map<string, Consents>();

  const setMap = (map: PolicyMap | null): void => {
    compiled.clear();
    state =
      map === null
        ? null
        : { policy: compilePolicy(map), sensitivities: sensitivitiesOf(map), confirmedAt: Date.now(), live: true };
  };
  const setConsents = (userId: string, consents: ConsentChoices | StaticUserConsents): void => {
    const { choices, gpc } = isUserConsents(consents) ? consents : { choices: consents, gpc: false };
    const entries = Symbol.iterator in choices ? [...choices] : Object.entries(choices);
    users.set(userId, { choices: new Map(entries), gpc: gpc === true });
    compiled.delete(userId);
  };
  const consentsOf = (userId: string, policy: Policy): Consents => {
    const cached = compiled.get(userId);
    if (cached !== undefined && cached.policy === policy) return cached;
    const user = users.get(userId);
    const consents = compileConsents(policy, user?.choices ?? [], { gpc: user?.gpc ?? false });
    compiled.set(userId, consents);
    return consents;
  };

  if (options.map !== undefined) setMap(options.map);
  for (const [userId, consents] of Object.entries(options.consents ?? {})) setConsents(userId, consents);

  return {
    start: async () => undefined,
    state: () => state,
    cachedConsents: consentsOf,
    loadConsents: async (userId, policy) => consentsOf(userId, policy),
    close: async () => undefined,
    setMap,
    setConsents,
    setChoice(userId, flowKey, choice) {
      const user = users.get(userId) ?? { choices: new Map<string, ConsentChoice>(), gpc: false };
      if (choice === null) user.choices.delete(flowKey);
      else user.choices.set(flowKey, choice);
      users.set(userId, user);
      compiled.delete(userId);
    },
  };
}

function isUserConsents(value: ConsentChoices | StaticUserConsents): value is StaticUserConsents {
  return !(Symbol.iterator in value) && 'choices' in value && typeof value.choices === 'object';
}
