import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowgateConfig } from '../config/configuration';

export interface AdminTokenSource {
  token: string;
  /** Where it came from, for the boot log. */
  origin: 'env' | 'generated' | 'file';
  file?: string;
}

/**
 * The privacy team's admin token: FLOWGATE_ADMIN_TOKEN when set; in demo mode without
 * it, one generated on first start and kept in the data folder (mode 0600).
 */
export function resolveAdminToken(config: FlowgateConfig): AdminTokenSource {
  if (config.adminToken) return { token: config.adminToken, origin: 'env' };
  const file = join(config.dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, origin: 'file', file };
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const token = `fg_admin_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, origin: 'generated', file };
}

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
