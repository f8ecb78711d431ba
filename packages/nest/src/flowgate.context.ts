import { AsyncLocalStorage } from 'node:async_hooks';
import type { Guard } from '@flowgate/sdk';

/** Who the current request (or job) acts for, and with which guard. */
export interface FlowgateCallContext {
  readonly guard: Guard;
  /** Undefined for an anonymous request: guarded calls then fail closed (`NO_USER_CONTEXT`). */
  readonly userId: string | undefined;
  /** The incoming request's `Sec-GPC: 1`, or set for a job. */
  readonly gpc: boolean;
}

/** Carries the call context from the interceptor (or `runAs`) to `@VendorCall` methods. */
export const flowgateContext = new AsyncLocalStorage<FlowgateCallContext>();
