import { Global, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configWarnings, FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { ADMIN_TOKEN, resolveAdminToken } from './admin-token';
import { AuthGuard } from './auth.guard';
import { CLOCK, systemClock } from './clock';
import { AuthRateLimiter, DemoLoginThrottle, RateLimitModule } from './rate-limit';
import { DemoController } from './demo.controller';
import { AdminKey } from './admin-key.entity';
import { AdminKeysController } from './admin-keys.controller';
import { AdminKeysService } from './admin-keys.service';
import { ServiceToken } from './service-token.entity';
import { ServiceTokensController } from './service-tokens.controller';
import { ServiceTokensService } from './service-tokens.service';
import { resolveUserTokenSecret, USER_TOKEN_SECRET } from './user-token-secret';
import { UserTokensService } from './user-tokens.service';
import { VerifiedTokenCache } from './verified-token-cache';

@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([ServiceToken, AdminKey]),
    RateLimitModule,
  ],
  controllers: [ServiceTokensController, AdminKeysController, DemoController],
  providers: [
    {
      provide: ADMIN_TOKEN,
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) => resolveAdminToken(config),
    },
    {
      provide: USER_TOKEN_SECRET,
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) => {
        for (const warning of configWarnings(config)) new Logger('Auth').warn(warning);
        const source = resolveUserTokenSecret(config);
        if (source.origin === 'none') {
          new Logger('Auth').warn('FLOWGATE_USER_TOKEN_SECRET is not set: end-user tokens are refused');
        }
        return source;
      },
    },
    { provide: CLOCK, useValue: systemClock },
    ServiceTokensService,
    AdminKeysService,
    UserTokensService,
    VerifiedTokenCache,
    AuthRateLimiter,
    DemoLoginThrottle,
    AuthGuard,
    // The one guard of every Nest route; also used by the decision route, which runs without Nest's pipeline.
    { provide: APP_GUARD, useExisting: AuthGuard },
  ],
  exports: [AuthGuard, ADMIN_TOKEN, USER_TOKEN_SECRET, CLOCK, ServiceTokensService, AdminKeysService, UserTokensService],
})
export class AuthModule {}
