import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig, type FlowgateConfig } from '../../src/config/configuration';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  app: NestExpressApplication;
  config: FlowgateConfig;
  /** The temp folder holding the SQLite file. */
  dir: string;
  /** supertest against the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  /** Authorization header value for the admin. */
  admin: string;
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

/**
 * Boots the whole app, exactly as `main.ts` does, on a fresh temp SQLite file with the
 * real migrations. `env` overrides configuration variables (same names as .env.example).
 */
export async function startTestApp(env: Record<string, string> = {}, dir?: string): Promise<TestApp> {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'flowgate-test-'));
  const config = loadConfig({
    DATABASE_PATH: join(folder, 'flowgate.sqlite'),
    FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWGATE_SEED_MANIFEST: '',
    FLOWGATE_DEMO: '1',
    LOG_LEVEL: 'error',
    // Map changes take effect at once unless a test is about change notices (default 30 days).
    FLOWGATE_NOTICE_WINDOW_DAYS: '0',
    ...env,
  });
  const app = await createApp(config);
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    config,
    dir: folder,
    http: () => request(server),
    admin: `Bearer ${ADMIN_TOKEN}`,
    async close(options = {}) {
      await app.close();
      if (!options.keepFiles) rmSync(folder, { recursive: true, force: true });
    },
  };
}
