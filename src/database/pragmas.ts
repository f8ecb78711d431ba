import type { DataSource } from 'typeorm';
import { SQLITE_PRAGMAS } from './data-source-options';

/**
 * Sets the durability pragmas on the (single) sqlite connection and reads them back:
 * boot fails loudly rather than running with weaker guarantees than documented.
 */
export async function applySqlitePragmas(dataSource: DataSource, busyTimeoutMs: number): Promise<void> {
  await dataSource.query(`PRAGMA journal_mode = ${SQLITE_PRAGMAS.journal_mode}`);
  await dataSource.query(`PRAGMA synchronous = ${SQLITE_PRAGMAS.synchronous}`);
  await dataSource.query(`PRAGMA foreign_keys = ${SQLITE_PRAGMAS.foreign_keys}`);
  await dataSource.query(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  const read = async (name: string): Promise<string | number> => {
    const rows: Array<Record<string, string | number>> = await dataSource.query(`PRAGMA ${name}`);
    return Object.values(rows[0] ?? {})[0];
  };
  const actual = {
    journal_mode: String(await read('journal_mode')).toLowerCase(),
    synchronous: Number(await read('synchronous')),
    foreign_keys: Number(await read('foreign_keys')),
    busy_timeout: Number(await read('busy_timeout')),
  };
  const expected = { ...SQLITE_PRAGMAS, busy_timeout: busyTimeoutMs };
  const wrong = (Object.keys(expected) as Array<keyof typeof expected>).filter(
    (k) => actual[k] !== expected[k],
  );
  if (wrong.length > 0) {
    throw new Error(
      `SQLite pragmas not in effect: ${wrong.map((k) => `${k}=${actual[k]} (want ${expected[k]})`).join(', ')}`,
    );
  }
}
