import type { Consents, Policy, PolicyMap } from '@flowgate/core';

/** What a guard needs from wherever the policy lives. */
export interface PolicyState {
  readonly policy: Policy;
  /** Field key → sensitivity from the map, for drift reports. */
  readonly sensitivities: ReadonlyMap<string, PolicyMap['fields'][number]['sensitivity']>;
  /** When (epoch ms) the source last knew this policy to be the current one. */
  readonly confirmedAt: number;
  /** True while a change feed is connected that would announce a newer policy at once. */
  readonly live: boolean;
  /**
   * Sources that follow a feed: when they last heard it (an event or a heartbeat). A live
   * state is fresh only while this is within the guard's `maxStalenessMs`, so a feed that
   * goes silent without closing cannot keep a stale policy in use.
   */
  readonly heardAt?: number;
}

/**
 * A policy source: `staticSource`, `remoteSource`, or `localSource` (NestJS adapter).
 * Sources are shared by a guard and every guard `extend()`ed from it.
 */
export interface PolicySource {
  /** Starts loading (idempotent); resolves once a first policy is loaded. */
  start(): Promise<void>;
  /** The current policy, or null while none was ever loaded. */
  state(): PolicyState | null;
  /** A user's consents compiled against `policy` when cached, without any I/O. */
  cachedConsents(userId: string, policy: Policy): Consents | undefined;
  /** Loads (and caches) a user's consents; rejects when they cannot be had. */
  loadConsents(userId: string, policy: Policy): Promise<Consents>;
  /** The last failure (unreachable server, refused token), for messages; optional. */
  lastError?(): unknown;
  /** Stops timers and connections; the source answers nothing afterwards. */
  close(): Promise<void>;
}

export function sensitivitiesOf(map: PolicyMap): PolicyState['sensitivities'] {
  return new Map(map.fields.map((f) => [f.key, f.sensitivity]));
}
