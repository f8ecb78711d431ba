/**
 * `@flowgate/egress`: the egress guard. One call puts a Flowgate guard in front of every
 * outbound HTTP request of the process (Node's fetch, node:http and node:https), so vendor
 * SDKs are gated without touching their call sites. Kept apart from `@flowgate/sdk` so that
 * services which only wrap their calls do not ship the hooks. Guide: docs/sdk.md.
 */
export { installEgressGuard } from './install.js';
export { egressMiddleware, type EgressMiddlewareOptions } from './middleware.js';
export {
  type EgressGuardOptions,
  type OutsideUserScopeRule,
  type RefusedError,
  type UnknownHostPolicy,
} from './engine.js';
export { egressDenial, runAs, withoutEgressGuard, type EgressScope } from '@flowgate/sdk';
