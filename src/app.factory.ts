import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import type { FlowgateConfig } from './config/configuration';

/** Builds the HTTP app exactly as `main.ts` runs it; e2e tests use the same. */
export async function createApp(config: FlowgateConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: loggerLevels(config.logLevel),
  });
  app.useBodyParser('json', { limit: '10mb' });
  app.useBodyParser('text', {
    limit: '10mb',
    type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  const openApi = new DocumentBuilder()
    .setTitle('Flowgate')
    .setDescription('Data map, consent and decisions for outbound vendor calls')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi));
  return app;
}

function loggerLevels(level: FlowgateConfig['logLevel']) {
  const all = ['error', 'warn', 'log', 'debug'] as const;
  return all.slice(0, all.indexOf(level) + 1);
}
