import { isAbsolute, resolve } from 'node:path';

/**
 * The one typed configuration. Nothing else in the server reads `process.env`;
 * every variable is listed, with its default, in `.env.example`.
 */
export interface FlowgateConfig {
  port: number;
  host: string;
  /** Demo mode: seeds the example map, generates an admin token, enables demo login. */
  demo: boolean;
  databasePath: string;
  /** Folder for state the server keeps beside the database (the generated admin token). */
  dataDir: string;
  /** Manifest loaded when the database has no data map yet ('' to start empty). */
  seedManifest: string;
  adminToken: string | null;
  /**
   * HMAC-SHA256 secret shared with the host application, which signs end-user tokens
   * with it. Unset in demo mode: generated on first start and kept in the data folder.
   * Unset outside demo mode: end-user tokens are refused.
   */
  userTokenSecret: string | null;
  /** PKCS#8 PEM file with the Ed25519 key receipts are signed with; null: one kept in the data folder. */
  receiptKeyFile: string | null;
  sqliteBusyTimeoutMs: number;
  /** Audit reports older than this many days are deleted (hourly); 0 keeps them forever. */
  auditRetentionDays: number;
  /**
   * Days between a change notice and the date its new or widened flows are enforced (the
   * objection window of GDPR Art. 28(2)); 0 makes changes effective at once.
   */
  noticeWindowDays: number;
  /** Absolute URL the public subprocessor page is reached at, for links in the Atom feed; null leaves them out. */
  publicUrl: string | null;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['error', 'warn', 'log', 'debug'] as const;

/** Parses and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): FlowgateConfig {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name}: must be one of 1, 0, true, false, got "${raw}"`);
    return fallback;
  };
  const path = (raw: string): string => (isAbsolute(raw) ? raw : resolve(cwd, raw));

  const databasePath = path(env.DATABASE_PATH || 'data/flowgate.sqlite');
  const adminToken = env.FLOWGATE_ADMIN_TOKEN || null;
  if (adminToken !== null && adminToken.length < 16) {
    problems.push('FLOWGATE_ADMIN_TOKEN: must be at least 16 characters');
  }
  const userTokenSecret = env.FLOWGATE_USER_TOKEN_SECRET || null;
  if (userTokenSecret !== null && userTokenSecret.length < 32) {
    problems.push('FLOWGATE_USER_TOKEN_SECRET: must be at least 32 characters');
  }
  const logLevel = (env.LOG_LEVEL || 'log') as FlowgateConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const demo = bool('FLOWGATE_DEMO', true);
  const publicUrl = env.FLOWGATE_PUBLIC_URL || null;
  if (publicUrl !== null && !/^https?:\/\/[^\s/]+(?:\/[^\s]*)?$/i.test(publicUrl)) {
    problems.push(`FLOWGATE_PUBLIC_URL: must be an absolute http(s) URL, got "${publicUrl}"`);
  }
  if (!demo && adminToken === null) {
    problems.push('FLOWGATE_ADMIN_TOKEN: required when FLOWGATE_DEMO is off');
  }

  const config: FlowgateConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    demo,
    databasePath,
    dataDir: path(env.FLOWGATE_DATA_DIR || resolve(databasePath, '..')),
    seedManifest:
      env.FLOWGATE_SEED_MANIFEST === undefined
        ? path('examples/caplena.yaml')
        : env.FLOWGATE_SEED_MANIFEST === ''
          ? ''
          : path(env.FLOWGATE_SEED_MANIFEST),
    adminToken,
    userTokenSecret,
    receiptKeyFile: env.FLOWGATE_RECEIPT_KEY_FILE ? path(env.FLOWGATE_RECEIPT_KEY_FILE) : null,
    sqliteBusyTimeoutMs: int('SQLITE_BUSY_TIMEOUT_MS', 5000, 0, 600000),
    auditRetentionDays: int('AUDIT_RETENTION_DAYS', 180, 0, 36500),
    noticeWindowDays: int('FLOWGATE_NOTICE_WINDOW_DAYS', 30, 0, 365),
    publicUrl,
    logLevel,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Injection token for the typed configuration. */
export const FLOWGATE_CONFIG = Symbol('FLOWGATE_CONFIG');
