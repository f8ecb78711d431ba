import { AsyncLocalStorage } from 'node:async_hooks';

/** Who the code running now serves, as the egress guard reads it. */
export interface EgressScope {
  /** The user outbound requests are about; null for work on nobody's behalf. */
  readonly userId: string | null;
  /** The incoming request's Global Privacy Control signal (`Sec-GPC: 1`). */
  readonly gpc?: boolean;
  /** True inside `withoutEgressGuard`: requests here were decided already (or are plumbing). */
  readonly skip?: boolean;
}

/** One store per process, shared by two copies of the SDK (so `runAs` in one is seen by the other). */
const KEY = Symbol.for('flowgate.egress.scope');
const g = globalThis as { [KEY]?: AsyncLocalStorage<EgressScope> };
export const scopeStorage: AsyncLocalStorage<EgressScope> = (g[KEY] ??=
  new AsyncLocalStorage<EgressScope>());

const SKIP: EgressScope = Object.freeze({ userId: null, skip: true });

/** Runs `fn` with `userId` as the user of every outbound request it makes, however deep. */
export function runAs<R>(userId: string, fn: () => R, options: { readonly gpc?: boolean } = {}): R {
  if (typeof userId !== 'string' || userId === '')
    throw new TypeError('runAs: userId must be a non-empty string');
  return scopeStorage.run({ userId, gpc: options.gpc === true }, fn);
}

/**
 * Runs `fn` with the egress guard stepping aside: for calls that were decided already
 * (`guard.fetch`, `guard.wrap`, the axios adapter) and for plumbing. Free while no egress
 * guard is installed.
 */
export function withoutEgressGuard<R>(fn: () => R): R {
  return installedCount() === 0 ? fn() : scopeStorage.run(SKIP, fn);
}

// `fn.apply(self, args)` as `withoutEgressGuard` runs it, without a closure per call.
export function applyWithoutEgressGuard<A extends unknown[], R>(fn: (...args: A) => R, self: unknown, args: A): R {
  return installedCount() === 0 ? fn.apply(self, args) : scopeStorage.run(SKIP, Reflect.apply, fn, self, args);
}

/** How many egress guards are installed now (process-wide). */
const COUNT = Symbol.for('flowgate.egress.installed');
const counter = globalThis as { [COUNT]?: number };
export function installedCount(): number {
  return counter[COUNT] ?? 0;
}
export function countInstall(delta: 1 | -1): void {
  counter[COUNT] = installedCount() + delta;
}
