import type { ConsentChoice, PolicyMap } from '../engine/index.js';

/** `GET /api/v1/policy`: the map the engine compiles (`compilePolicy(map)`), with its ETag. */
export interface PolicyResponse {
  readonly version: number;
  readonly etag: string;
  readonly map: PolicyMap;
}

/** `GET /api/v1/users/:userId/consents`: a user's choices in the form `compileConsents` takes. */
export interface ConsentsResponse {
  readonly userId: string;
  /** Bumped on every change of the user's choices (the feed announces it). */
  readonly version: number;
  /** The user's stored Global Privacy Control signal. */
  readonly gpc: boolean;
  /** Flow key → the choice and the flow version it was made at. */
  readonly choices: Readonly<Record<string, ConsentChoice>>;
}

/** Thrown by the parsers below: the body is not of the contract's shape. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

/** The policy response, checked for its shape; the map itself is checked by `compilePolicy`. */
export function parsePolicyResponse(body: unknown): PolicyResponse {
  const b = body as Partial<Record<keyof PolicyResponse, unknown>> | null;
  if (typeof b !== 'object' || b === null || typeof b.version !== 'number' || typeof b.map !== 'object' || b.map === null) {
    throw new ContractError('policy response is not { version, etag, map }');
  }
  return { version: b.version, etag: typeof b.etag === 'string' ? b.etag : '', map: b.map as PolicyMap };
}

/** The consents response as `[flowKey, choice]` pairs, each choice checked. */
export function parseConsentsResponse(body: unknown): {
  readonly version: number;
  readonly gpc: boolean;
  readonly choices: readonly (readonly [string, ConsentChoice])[];
} {
  const b = body as Partial<Record<keyof ConsentsResponse, unknown>> | null;
  if (typeof b !== 'object' || b === null || typeof b.version !== 'number' || typeof b.choices !== 'object' || b.choices === null) {
    throw new ContractError('consents response is not { version, gpc, choices }');
  }
  const choices: [string, ConsentChoice][] = [];
  for (const flowKey of Object.keys(b.choices)) {
    const choice = (b.choices as Record<string, unknown>)[flowKey] as { granted?: unknown; version?: unknown } | null;
    if (typeof choice !== 'object' || choice === null || typeof choice.granted !== 'boolean' || typeof choice.version !== 'number') {
      throw new ContractError(`consents response: choice ${flowKey} is not { granted, version }`);
    }
    choices.push([flowKey, { granted: choice.granted, version: choice.version }]);
  }
  return { version: b.version, gpc: b.gpc === true, choices };
}
