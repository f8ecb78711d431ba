import { Global, Module, type DynamicModule } from '@nestjs/common';
import { FLOWGATE_CONFIG, type FlowgateConfig } from './configuration';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: FlowgateConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: FLOWGATE_CONFIG, useValue: config }],
      exports: [FLOWGATE_CONFIG],
    };
  }
}
