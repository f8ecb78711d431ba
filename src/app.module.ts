import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { resolve } from 'node:path';
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

/**
 * The embed (client/dist/embed): `preferences.<hash>.js` never changes, so it is cached for
 * a year; `preferences.js` is always the newest, so caches check it every time (ETag).
 */
function embedCaching(res: { setHeader(name: string, value: string): void }, path: string): void {
  if (/[\\/]embed[\\/]preferences\.[0-9a-f]{12}\.js$/.test(path)) {
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  } else if (/[\\/]embed[\\/]/.test(path)) {
    res.setHeader('Cache-Control', 'no-cache');
  }
}
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
        // The web client (client/, built to client/dist): assets at /, the page for /graph
        // and /settings (the client routes them); /api/* is never the client's.
        ServeStaticModule.forRoot({
          rootPath: resolve(process.cwd(), 'client/dist'),
          renderPath: /^\/(?:graph|settings)?\/?$/,
          exclude: ['/api/{*path}'],
          serveStaticOptions: { index: 'index.html', maxAge: 0, setHeaders: embedCaching },
        }),
      ],
      controllers: [HealthController],
    };
  }
}
