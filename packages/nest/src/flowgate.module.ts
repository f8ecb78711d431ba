import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { FlowgateGuardService } from './flowgate-guard.service.js';
import { FlowgateInterceptor } from './flowgate.interceptor.js';
import { FLOWGATE_OPTIONS, type FlowgateModuleAsyncOptions, type FlowgateModuleOptions } from './flowgate.options.js';

/**
 * `FlowgateModule.forRoot({ guard })`: provides `FlowgateGuardService` everywhere and
 * registers the interceptor that gives `@VendorCall` methods their user.
 */
@Global()
@Module({})
export class FlowgateModule {
  static forRoot(options: FlowgateModuleOptions): DynamicModule {
    return FlowgateModule.build([{ provide: FLOWGATE_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: FlowgateModuleAsyncOptions): DynamicModule {
    return {
      ...FlowgateModule.build([
        { provide: FLOWGATE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
      ]),
      imports: options.imports ?? [],
    };
  }

  private static build(options: Provider[]): DynamicModule {
    return {
      module: FlowgateModule,
      providers: [...options, FlowgateGuardService, { provide: APP_INTERCEPTOR, useClass: FlowgateInterceptor }],
      exports: [FlowgateGuardService, FLOWGATE_OPTIONS],
    };
  }
}
