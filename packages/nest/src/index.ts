/**
 * Flowgate for NestJS (`flowgate/sdk/nest`): `FlowgateModule`, `FlowgateGuardService`,
 * `@VendorCall`. Kept apart from `flowgate/sdk` so the core stays framework-free.
 */
export { FlowgateModule } from './flowgate.module.js';
export { FlowgateGuardService } from './flowgate-guard.service.js';
export { FlowgateInterceptor, secGpc } from './flowgate.interceptor.js';
export { VendorCall, type VendorCallOptions } from './vendor-call.decorator.js';
export { flowgateContext, type FlowgateCallContext } from './flowgate.context.js';
export {
  FLOWGATE_OPTIONS,
  defaultUserResolver,
  type FlowgateModuleAsyncOptions,
  type FlowgateModuleOptions,
  type UserResolver,
} from './flowgate.options.js';
