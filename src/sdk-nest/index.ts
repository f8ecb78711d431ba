/**
 * Flowgate for NestJS (`flowgate/sdk/nest`): `FlowgateModule`, `FlowgateGuardService`,
 * `@VendorCall`. Kept apart from `flowgate/sdk` so the core stays framework-free.
 */
export { FlowgateModule } from './flowgate.module';
export { FlowgateGuardService } from './flowgate-guard.service';
export { FlowgateInterceptor, secGpc } from './flowgate.interceptor';
export { localSource, type LocalSourceOptions } from './local-source';
export { VendorCall, type VendorCallOptions } from './vendor-call.decorator';
export { flowgateContext, type FlowgateCallContext } from './flowgate.context';
export {
  FLOWGATE_OPTIONS,
  defaultUserResolver,
  type FlowgateModuleAsyncOptions,
  type FlowgateModuleOptions,
  type UserResolver,
} from './flowgate.options';
