import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ADMIN_TOKEN, type AdminTokenSource } from './auth/admin-token';
import { ConfigError, loadConfig } from './config/configuration';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Flowgate');
  const base = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const admin = app.get<AdminTokenSource>(ADMIN_TOKEN);
  logger.log(`API        ${base}/api/v1`);
  logger.log(`API docs   ${base}/api/docs`);
  logger.log(`Health     ${base}/api/health`);
  logger.log(`Database   ${config.databaseUrl === null ? config.databasePath : redactUrl(config.databaseUrl)}`);
  logger.log(adminTokenLine(admin));
  // The token itself never goes into the log: once, on first generation, to a person at a terminal.
  if (admin.origin === 'generated' && process.stdout.isTTY) {
    process.stdout.write(`\nAdmin token (shown this once; it stays in ${admin.file}):\n  ${admin.token}\n\n`);
  }
}

function adminTokenLine(admin: AdminTokenSource): string {
  switch (admin.origin) {
    case 'env':
      return 'Admin token: from FLOWGATE_ADMIN_TOKEN';
    case 'generated':
      return `Admin token: generated, kept in ${admin.file}`;
    case 'file':
      return `Admin token: kept in ${admin.file}`;
  }
}

/** The URL without its password, for the log. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
