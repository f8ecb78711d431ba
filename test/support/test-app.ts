import type { FlowgateApp } from '../../src/app.factory';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp, initApp, type AppOptions } from '../../src/app.factory';
import { loadConfig, type FlowgateConfig } from '../../src/config/configuration';
import { WriteQueue } from '../../src/database/write-queue';
import { openTestDatabase, placeholders, type TestDatabaseKind } from './test-database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  app: FlowgateApp;
  config: FlowgateConfig;
  /** The temp folder holding the SQLite file (on PostgreSQL: the database's name). */
  dir: string;
  /** The database the app runs on (the `e2e` project: SQLite; `e2e-postgres`: PostgreSQL). */
  database: TestDatabaseKind;
  /** The configuration variables that select this app's database, for a second process or the CLI. */
  databaseEnv: Record<string, string>;
  /** Raw SQL on the app's database, `?` placeholders on either (quote camelCase columns), outside any transaction. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** supertest against the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  /** Authorization header value for the admin. */
  admin: string;
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

/**
 * Boots the whole app, exactly as `main.ts` does, on a fresh database with the real
 * migrations: a temp SQLite file, or (FLOWGATE_TEST_DATABASE=postgres, the `e2e-postgres`
 * project) a new PostgreSQL database. `env` overrides configuration variables (same names
 * as .env.example); `dir` again reopens the same database.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  dir?: string,
  logging: AppOptions = {},
): Promise<TestApp> {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'flowgate-test-'));
  const database = await openTestDatabase(folder);
  const config = loadConfig({
    ...database.env,
    FLOWGATE_DATA_DIR: folder,
    FLOWGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOWGATE_SEED_MANIFEST: '',
    FLOWGATE_DEMO: '1',
    LOG_LEVEL: 'error',
    // Map changes take effect at once unless a test is about change notices (default 30 days).
    FLOWGATE_NOTICE_WINDOW_DAYS: '0',
    ...env,
  });
  const app = await createApp(config, logging);
  await initApp(app);
  const server = app.getHttpServer();
  return {
    app,
    config,
    dir: folder,
    database: database.kind,
    databaseEnv: database.env,
    // In the app's queue: on SQLite never inside one of the app's transactions (nor beside its follower's reads).
    query: (sql, params) => app.get(WriteQueue).maintenance((m) => m.query(placeholders(database.kind, sql), params)),
    http: () => request(server),
    admin: `Bearer ${ADMIN_TOKEN}`,
    async close(options = {}) {
      await app.close();
      if (!options.keepFiles) {
        await database.drop();
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
