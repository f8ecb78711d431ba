/**
 * `@flowgate/sdk`: the runtime guard. Wraps outbound vendor calls so that data the user's
 * consent does not allow never leaves the process. Framework-free; decisions come from the
 * one engine in `@flowgate/core`. The axios adapter is `@flowgate/sdk/axios`; internals for
 * the server and tests are `@flowgate/sdk/internal`. Guide: docs/sdk.md.
 */
export { createGuard } from './guard.js';
export {
  GUARD_MODES,
  type CheckRequest,
  type FetchGuardOptions,
  type GateResult,
  type Guard,
  type GuardedCall,
  type GuardMode,
  type GuardOptions,
  type ResolvedGuardOptions,
  type VendorTarget,
  type WrapOptions,
} from './guard.types.js';
export { ConsentDeniedError, FlowgateError, isFlowgateError, type FlowgateErrorCode } from './errors.js';
export type { PolicySource, PolicyState } from './policy-source.js';
export { staticSource, type StaticSource, type StaticSourceOptions, type StaticUserConsents } from './sources/static-source.js';
export {
  remoteSource,
  type RemoteSource,
  type RemoteSourceOptions,
  type SourceChange,
} from './sources/remote-source.js';
export {
  AUDIT_KINDS,
  httpReporter,
  memoryReporter,
  noopReporter,
  type AuditBatch,
  type AuditEvent,
  type AuditKind,
  type AuditRecord,
  type HttpReporterOptions,
  type MemoryReporter,
  type Reporter,
} from './reporter.js';
export type { CallOutcome, GuardMetric, MetricsHook } from './metrics.js';
export { classifyValue, looksPersonalKey } from './drift.js';
export { runAs, withoutEgressGuard, type EgressScope } from './egress/scope.js';
export { egressDenial } from './egress/denial.js';
export type {
  BlockedField,
  ConsentChoice,
  ConsentChoices,
  Consents,
  Decision,
  Policy,
  PolicyMap,
  PolicyMapField,
  PolicyMapFlow,
  ReasonCode,
} from '@flowgate/core';
