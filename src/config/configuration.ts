import { isAbsolute, resolve } from 'node:path';

/**
 * The one typed configuration. Nothing else in the server reads `process.env`;
 * every variable is listed, with its default, in `.env.example`.
 */
export interface FlowgateConfig {
  port: number;
  host: string;
  /**
   * Demo mode: generates the tokens it needs and enables demo login (anyone may sign in as
   * any user). On by default only while neither FLOWGATE_ADMIN_TOKEN nor
   * FLOWGATE_USER_TOKEN_SECRET is set; FLOWGATE_DEMO=1 forces it (with a warning at boot).
   */
  demo: boolean;
  /** Which database: SQLite (embedded, the default) or PostgreSQL (`DATABASE_URL`). */
  database: DatabaseKind;
  /** The SQLite file (unused on PostgreSQL). */
  databasePath: string;
  /** `postgres://user:pass@host:port/db`; null: SQLite at `databasePath`. */
  databaseUrl: string | null;
  /** PostgreSQL connections per process. */
  databasePoolSize: number;
  /** PostgreSQL: consent batches one instance keeps in flight (1 or 2, `DATABASE_CONSENT_IN_FLIGHT`). */
  databaseConsentInFlight: number;
  /**
   * Streaming replicas of the PostgreSQL primary (`DATABASE_REPLICA_URL`, comma-separated)
   * that consent-cache fills may read from once they have replayed far enough; [] for none.
   */
  databaseReplicaUrls: string[];
  /**
   * How often the change-log follower reads new entries: on SQLite the only way another
   * process's changes are seen; on PostgreSQL a fallback to LISTEN/NOTIFY.
   */
  changePollMs: number;
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
  /**
   * Origins of host applications that embed the preference centre (`https://app.example.com`).
   * Empty (the default): no CORS headers anywhere and no framing. Listed: CORS for
   * `/api/v1/me/*` and `/embed/*` only, and `frame-ancestors` of `/settings`.
   */
  allowedOrigins: string[];
  /**
   * Largest request body per kind of route, in bytes (after decompression); more is 413.
   * `consent`: the preference centre, consent API and demo login; `manifest`: manifest
   * imports; `default`: every other write (decisions, audit reports, the data map).
   */
  bodyLimits: { consent: number; manifest: number; default: number };
  /**
   * Limits on guessing: failed authentications per client address and per token prefix,
   * and demo logins per client address, each per `windowSeconds`; over it is 429 with
   * Retry-After until the window has passed.
   */
  rateLimits: { enabled: boolean; authFailures: number; demoLogins: number; windowSeconds: number };
  /** `json`: one JSON object per line (pino); `pretty`: for people. Default: json unless stdout is a terminal. */
  logFormat: 'json' | 'pretty';
  /** Whether access-log lines may carry user ids and service-token names (off: the principal's kind only). */
  logUserIds: boolean;
  /** A bearer token that may read `GET /metrics` (besides the admin token); null: the admin token only. */
  metricsToken: string | null;
}

export type DatabaseKind = 'sqlite' | 'postgres';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['error', 'warn', 'log', 'debug'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

/** `DATABASE_REPLICA_URL`: postgres:// URLs, comma-separated, PostgreSQL only. Problems never quote a URL (it may hold a password). */
function replicaUrls(raw: string | undefined, database: DatabaseKind, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  if (database !== 'postgres') {
    problems.push('DATABASE_REPLICA_URL: read replicas need PostgreSQL: set DATABASE_URL to the primary (SQLite has no replicas)');
    return [];
  }
  const urls = raw.split(',').map((u) => u.trim());
  urls.forEach((url, i) => {
    if (!/^postgres(?:ql)?:\/\/[^\s]+$/.test(url)) {
      problems.push(`DATABASE_REPLICA_URL: item ${i + 1} must be a postgres:// or postgresql:// URL (comma-separated, none empty)`);
    }
  });
  if (new Set(urls).size !== urls.length) problems.push('DATABASE_REPLICA_URL: the same replica is listed twice');
  return urls;
}

/** Parses and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(
  env: Env = process.env,
  cwd = process.cwd(),
  stdoutIsTty = process.stdout.isTTY === true,
): FlowgateConfig {
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
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(?:ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL (unset for SQLite)');
  }
  const database: DatabaseKind = databaseUrl === null ? 'sqlite' : 'postgres';
  const databaseReplicaUrls = replicaUrls(env.DATABASE_REPLICA_URL, database, problems);
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
  const logFormat = (env.LOG_FORMAT || (stdoutIsTty ? 'pretty' : 'json')) as FlowgateConfig['logFormat'];
  if (!LOG_FORMATS.includes(logFormat)) {
    problems.push(`LOG_FORMAT: must be one of ${LOG_FORMATS.join(', ')}, got "${env.LOG_FORMAT}"`);
  }
  const publicUrl = env.FLOWGATE_PUBLIC_URL || null;
  if (publicUrl !== null && !/^https?:\/\/[^\s/]+(?:\/[^\s]*)?$/i.test(publicUrl)) {
    problems.push(`FLOWGATE_PUBLIC_URL: must be an absolute http(s) URL, got "${publicUrl}"`);
  }
  const metricsToken = env.FLOWGATE_METRICS_TOKEN || null;
  if (metricsToken !== null && metricsToken.length < 16) {
    problems.push('FLOWGATE_METRICS_TOKEN: must be at least 16 characters');
  }

  // Demo mode only when nothing says production: a configured admin token or user-token
  // secret turns it off unless FLOWGATE_DEMO=1 says otherwise, explicitly.
  const configured = adminToken !== null || userTokenSecret !== null;
  const demo = bool('FLOWGATE_DEMO', !configured);
  if (!demo && adminToken === null) {
    problems.push(
      configured
        ? 'FLOWGATE_ADMIN_TOKEN: required outside demo mode (FLOWGATE_USER_TOKEN_SECRET is set, which turns demo mode off; FLOWGATE_DEMO=1 keeps it on)'
        : 'FLOWGATE_ADMIN_TOKEN: required when FLOWGATE_DEMO is off',
    );
  }

  const allowedOrigins = origins(env.FLOWGATE_ALLOWED_ORIGINS, problems);

  const config: FlowgateConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    demo,
    database,
    databasePath,
    databaseUrl,
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseConsentInFlight: int('DATABASE_CONSENT_IN_FLIGHT', 1, 1, 2),
    databaseReplicaUrls,
    changePollMs: int('CHANGE_POLL_MS', database === 'sqlite' ? 25 : 1000, 5, 60000),
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
    allowedOrigins,
    bodyLimits: {
      consent: int('CONSENT_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
      manifest: int('MANIFEST_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      default: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    },
    rateLimits: {
      enabled: bool('RATE_LIMITS', true),
      authFailures: int('AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
      demoLogins: int('DEMO_LOGIN_LIMIT', 30, 1, 1_000_000),
      windowSeconds: int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    },
    logFormat,
    logUserIds: bool('LOG_USER_IDS', false),
    metricsToken,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * `FLOWGATE_ALLOWED_ORIGINS`: origins separated by commas or spaces, each exactly
 * `scheme://host[:port]` (http or https, no path, no wildcard), kept in their normal form.
 */
function origins(raw: string | undefined, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const list: string[] = [];
  for (const item of raw.split(/[\s,]+/).filter(Boolean)) {
    let origin: string | null = null;
    try {
      const url = new URL(item);
      const bare = item.replace(/\/$/, '').toLowerCase();
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === bare && !bare.includes('*')) origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin === null) {
      problems.push(`FLOWGATE_ALLOWED_ORIGINS: "${item}" is not an origin (scheme://host[:port], http or https, no path or wildcard)`);
    } else if (!list.includes(origin)) {
      list.push(origin);
    }
  }
  return list;
}

/** What the boot log must warn about: demo login switched on next to a production configuration. */
export function configWarnings(config: FlowgateConfig): string[] {
  if (!config.demo || (config.adminToken === null && config.userTokenSecret === null)) return [];
  const set = [config.adminToken && 'FLOWGATE_ADMIN_TOKEN', config.userTokenSecret && 'FLOWGATE_USER_TOKEN_SECRET'].filter(Boolean);
  return [
    `FLOWGATE_DEMO=1 with ${set.join(' and ')} set: demo login is on, so anyone who can reach this server can mint a user token for any user id and read and change that user's consent. Unset FLOWGATE_DEMO in production.`,
  ];
}

/** Injection token for the typed configuration. */
export const FLOWGATE_CONFIG = Symbol('FLOWGATE_CONFIG');
