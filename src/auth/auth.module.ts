import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { ADMIN_TOKEN, resolveAdminToken } from './admin-token';
import { AuthGuard } from './auth.guard';

@Global()
@Module({
  providers: [
    {
      provide: ADMIN_TOKEN,
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) => resolveAdminToken(config),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ADMIN_TOKEN],
})
export class AuthModule {}
