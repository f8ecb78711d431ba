/**
 * Flowgate runtime guard (`flowgate/sdk`): wraps outbound vendor calls so that data the
 * user's consent does not allow never leaves. Framework-free; decisions come from the one
 * engine shared with the server (`decisions/engine`). Guide: docs/sdk.md.
 */
export { createGuard } from './guard';
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
} from './guard.types';
export { ConsentDeniedError, FlowgateError, isFlowgateError, type FlowgateErrorCode } from './errors';
export type { PolicySource, PolicyState } from './policy-source';
export { staticSource, type StaticSource, type StaticSourceOptions, type StaticUserConsents } from './sources/static-source';
export {
  remoteSource,
  type RemoteSource,
  type RemoteSourceOptions,
  type SourceChange,
} from './sources/remote-source';
export { ConsentCache, type ConsentCacheOptions, type ConsentRecord } from './consent-cache';
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
} from './reporter';
export { redactPayload } from './redact';
export { flowgateAxios, type FlowgateAxiosContext, type FlowgateAxiosOptions } from './adapters/axios';
export { classifyValue, looksPersonalKey } from './drift';
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
} from '../decisions/engine';
