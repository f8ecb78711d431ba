/** The environment the scale bench (and `bench/pg-statements.ts`) gives every server instance of one database. */
export const SCALE_ADMIN = 'scale-bench-admin-token-0123456789abcdef';
export const SCALE_USER_SECRET = 'scale-bench-user-token-secret-0123456789';

/** `dir`: the data folder; `database`: `DATABASE_PATH` (SQLite) or `DATABASE_URL` (PostgreSQL). */
export function scaleServerEnv(dir: string, database: { DATABASE_PATH: string } | { DATABASE_URL: string }): Record<string, string> {
  return {
    FLOWGATE_DATA_DIR: dir,
    FLOWGATE_DEMO: '0',
    FLOWGATE_ADMIN_TOKEN: SCALE_ADMIN,
    FLOWGATE_USER_TOKEN_SECRET: SCALE_USER_SECRET,
    FLOWGATE_SEED_MANIFEST: '',
    AUDIT_RETENTION_DAYS: '0',
    // Passed on when set, to compare PostgreSQL's consent writer with one and two batches in flight.
    ...(process.env.DATABASE_CONSENT_IN_FLIGHT ? { DATABASE_CONSENT_IN_FLIGHT: process.env.DATABASE_CONSENT_IN_FLIGHT } : {}),
    ...database,
  };
}
