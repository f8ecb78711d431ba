import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { ConsentModule } from './consent/consent.module';
import type { FlowgateConfig } from './config/configuration';
import { DataMapModule } from './data-map/data-map.module';
import { DatabaseModule } from './database/database.module';
import { DecisionsModule } from './decisions/decisions.module';
import { GraphModule } from './graph/graph.module';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './observability/metrics.module';

import { TransparencyModule } from './transparency/transparency.module';

@Module({})
export class AppModule {
  static forRoot(config: FlowgateConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule,
        AuthModule,
        DataMapModule,
        ConsentModule,
        DecisionsModule,
        GraphModule,
        AuditModule,
        TransparencyModule,
      ],
      controllers: [HealthController],
    };
  }
}
