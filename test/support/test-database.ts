import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export type TestDatabaseKind = 'sqlite' | 'postgres';

/**
 * Which database the e2e specs run on: the `e2e` project SQLite, `e2e-postgres` (same
 * specs) PostgreSQL, in the cluster test/e2e/global-setup.cjs started.
 */
export function testDatabaseKind(): TestDatabaseKind {
  return process.env.FLOWGATE_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** The configuration variables that select it (DATABASE_PATH or DATABASE_URL, and the data folder). */
  env: Record<string, string>;
  /** Deletes it (the SQLite file goes with its folder). */
  drop(): Promise<void>;
}

const NAME_FILE = 'postgres-database';

/**
 * A fresh database for one app under `folder`: a SQLite file in it, or a new PostgreSQL
 * database whose name is kept in the folder, so a restart on the same folder reopens it.
 */
export async function openTestDatabase(folder: string, kind = testDatabaseKind()): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    return {
      kind,
      env: { DATABASE_PATH: join(folder, 'flowgate.sqlite'), FLOWGATE_DATA_DIR: folder },
      drop: async () => undefined,
    };
  }
  const admin = process.env.FLOWGATE_TEST_PG_URL;
  if (!admin) throw new Error('FLOWGATE_TEST_PG_URL is not set: run the e2e-postgres project (its global setup starts PostgreSQL)');
  const nameFile = join(folder, NAME_FILE);
  let name: string;
  if (existsSync(nameFile)) {
    name = readFileSync(nameFile, 'utf8').trim();
  } else {
    name = `flowgate_${randomBytes(6).toString('hex')}`;
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    writeFileSync(nameFile, name);
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString(), FLOWGATE_DATA_DIR: folder },
    drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on its own connection (CREATE / DROP DATABASE, which no transaction may hold). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `?` placeholders as the database wants them, for the specs' own SQL. */
export function placeholders(kind: TestDatabaseKind, sql: string): string {
  if (kind === 'sqlite') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
