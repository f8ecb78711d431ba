import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';
import type { Guard } from '@flowgate/sdk';

/** Reads the user id from an incoming request; undefined when the request has none. */
export type UserResolver = (request: unknown) => string | undefined | null;

export interface FlowgateModuleOptions {
  /** The guard (`createGuard({ source, mode, ... })`); the module shares it app-wide. */
  readonly guard: Guard;
  /** Default: `request.user.id`, else `request.user.sub` (what Passport-style auth leaves). */
  readonly resolveUser?: UserResolver;
  /**
   * A `ConsentDeniedError` escaping a handler becomes this HTTP status (default 403) with
   * `{ code: 'CONSENT_DENIED', subprocessor, purpose, fields, reasons }`; `null` rethrows it.
   */
  readonly deniedStatus?: number | null;
  /**
   * A `NO_USER_CONTEXT` error escaping the handler of a request without a user (the resolver
   * found none) becomes this HTTP status (default 401) with `{ code: 'NO_USER_CONTEXT', message }`:
   * the vendor call needed a user to decide for, and fails closed. `null` rethrows it.
   */
  readonly anonymousStatus?: number | null;
  /** Wait for a first policy at boot (default true; a timeout is logged, not fatal: calls fail closed). */
  readonly awaitReady?: boolean;
  /**
   * Put the guard in front of every outbound HTTP request of the process at module init,
   * undone on shutdown: `(guard, log) => installEgressGuard(guard, { log, ...options })` from
   * `@flowgate/egress` (`log` is the module's logger). The interceptor opens each HTTP
   * request's user scope for it. Default: none.
   */
  readonly egress?: (guard: Guard, log: (line: string) => void) => () => void;
  /** Close the guard (reporter flush, source) on application shutdown. Default true. */
  readonly closeOnShutdown?: boolean;
}

export interface FlowgateModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...deps: never[]) => FlowgateModuleOptions | Promise<FlowgateModuleOptions>;
}

export const FLOWGATE_OPTIONS = Symbol('FLOWGATE_OPTIONS');

export const defaultUserResolver: UserResolver = (request) => {
  const user = (request as { user?: { id?: unknown; sub?: unknown } } | null)?.user;
  const id = user?.id ?? user?.sub;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
};
