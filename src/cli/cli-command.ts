import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig, type FlowgateConfig } from '../config/configuration';
import { createRootLogger, PinoNestLogger } from '../observability/logging';
import pino from 'pino';

/** Where a command writes: results to `out`, progress and problems to `err`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export interface CliCommand {
  /** Words that select the command: `['import']`, `['consent', 'rebuild']`. */
  name: string[];
  usage: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Runs `work` inside the application (same modules, database and migrations as the
 * server, no HTTP listener, no example seeding), closing it afterwards.
 */
export async function withApp<T>(
  io: CliIo,
  work: (app: INestApplicationContext, config: FlowgateConfig) => Promise<T>,
): Promise<T> {
  const config: FlowgateConfig = { ...loadConfig(io.env), seedManifest: '' };
  // Warnings and errors only, and to stderr: stdout is the command's output (a manifest, JSON).
  const logger = createRootLogger({ ...config, logLevel: 'warn' }, { destination: pino.destination({ dest: 2, sync: true }) });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
  });
  try {
    return await work(app, config);
  } finally {
    await app.close();
  }
}
