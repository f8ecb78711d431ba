import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowgateConfig } from '../config/configuration';

export interface UserTokenSecretSource {
  /** Null: no secret configured (outside demo mode), so user tokens are refused. */
  secret: string | null;
  origin: 'env' | 'generated' | 'file' | 'none';
  file?: string;
}

/**
 * The secret end-user tokens are signed with: FLOWGATE_USER_TOKEN_SECRET when set; in demo
 * mode without it, one generated on first start and kept in the data folder (mode 0600),
 * like the admin token; otherwise none.
 */
export function resolveUserTokenSecret(config: FlowgateConfig): UserTokenSecretSource {
  if (config.userTokenSecret) return { secret: config.userTokenSecret, origin: 'env' };
  if (!config.demo) return { secret: null, origin: 'none' };
  const file = join(config.dataDir, 'user-token-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, origin: 'file', file };
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, origin: 'generated', file };
}

export const USER_TOKEN_SECRET = Symbol('USER_TOKEN_SECRET');
