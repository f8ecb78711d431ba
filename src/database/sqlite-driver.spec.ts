import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { quietSqlite3 } from './sqlite-driver';

describe('quietSqlite3', () => {
  it("keeps TypeORM from switching sqlite3 into verbose mode, which wraps every call in a stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-sqlite-'));
    const runBefore = sqlite3.Database.prototype.run;
    // The options the app, the CLI and the tests all use.
    const ds = new DataSource(dataSourceOptions({ database: 'sqlite', databasePath: join(dir, 'db.sqlite'), databaseUrl: null, databasePoolSize: 1, sqliteBusyTimeoutMs: 1000 }));
    try {
      await ds.initialize();
      await ds.query('CREATE TABLE t (x INTEGER)');
      await ds.query('INSERT INTO t VALUES (1)');
      expect(await ds.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
      // verbose() replaces the prototype methods with tracing wrappers; they must be untouched.
      expect(sqlite3.Database.prototype.run).toBe(runBefore);
      expect(quietSqlite3.verbose()).toBe(quietSqlite3);
    } finally {
      await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
