import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { pipelined, PreparedStatements, type SqlTx } from './sql-tx';
import { WriteQueue } from './write-queue';

/** A data source on a fresh SQLite file (no migrations: these tests bring their own table). */
async function open(file: string): Promise<DataSource> {
  const ds = await new DataSource(
    dataSourceOptions({ database: 'sqlite', databasePath: file, databaseUrl: null, databasePoolSize: 1, sqliteBusyTimeoutMs: 5000 }),
  ).initialize();
  await ds.query('PRAGMA journal_mode = WAL');
  return ds;
}

describe(WriteQueue.name, () => {
  let dir: string;
  let a: DataSource;
  let b: DataSource;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-sqltx-'));
    a = await open(join(dir, 'db.sqlite'));
    await a.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    b = await open(join(dir, 'db.sqlite'));
  });
  afterEach(async () => {
    // Closing with prepared statements alive works: they are finalized first.
    await a.destroy();
    await b.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one generation while only this connection writes, and starts a new one when another connection committed', async () => {
    const q = new WriteQueue(a);
    await q.writeTx((tx) => tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']));
    const first = q.generation;
    await q.writeTx((tx) => tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'a']));
    await q.transaction((m) => m.query('INSERT INTO t (id, v) VALUES (3, ?)', ['a']));
    expect(q.generation).toBe(first);

    await b.query("INSERT INTO t (id, v) VALUES (4, 'b')"); // another process, the CLI, an editor
    // Run on trust first (the version is read alongside), found out, rolled back and run again
    // on a new generation, the check first.
    const generations: number[] = [];
    const seen = await q.writeTx(async (tx) => {
      generations.push(q.generation);
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [5, 'a']);
      return tx.all<{ n: number }>('SELECT COUNT(*) AS n FROM t');
    });
    expect(generations).toHaveLength(2);
    expect(generations[0]).toBe(first);
    expect(generations[1]).toBeGreaterThan(first);
    expect(seen).toEqual([{ n: 5 }]);
    expect(await a.query('SELECT id FROM t ORDER BY id')).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));

    // The next transaction checks first (another connection was just seen), then trusts again.
    const runs: number[] = [];
    await q.writeTx(async (tx) => {
      runs.push(q.generation);
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [6, 'a']);
    });
    await q.writeTx(async (tx) => {
      runs.push(q.generation);
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [7, 'a']);
    });
    expect(runs).toEqual([generations[1], generations[1]]);
  });

  it('re-runs a transaction that failed on outdated memory, and keeps only the second run', async () => {
    const q = new WriteQueue(a);
    // This process "remembers" the next id; another connection takes it meanwhile.
    let nextId = 1;
    let remembered = q.generation;
    const insert = () =>
      q.writeTx(async (tx) => {
        if (q.generation !== remembered) {
          const [{ id }] = await tx.all<{ id: number | null }>('SELECT MAX(id) AS id FROM t');
          nextId = (id ?? 0) + 1;
          remembered = q.generation;
        }
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [nextId, 'a']);
        nextId++;
      });
    await insert();
    await b.query("INSERT INTO t (id, v) VALUES (2, 'b')");
    await insert(); // id 2 on trust: UNIQUE fails, the version shows why, re-run with id 3
    expect(await a.query('SELECT id, v FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
      { id: 3, v: 'a' },
    ]);
  });

  it('starts a new generation after a rolled back write transaction, and keeps none of its rows', async () => {
    const q = new WriteQueue(a);
    await q.writeTx((tx) => tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']));
    const before = q.generation;
    await expect(
      q.writeTx(async (tx) => {
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'a']);
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'duplicate']);
      }),
    ).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
    expect(q.generation).toBeGreaterThan(before);
    expect(await a.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }]);
  });
});

describe(PreparedStatements.name, () => {
  let dir: string;
  let ds: DataSource;
  let p: PreparedStatements;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-prepared-'));
    ds = await open(join(dir, 'db.sqlite'));
    await ds.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    p = new PreparedStatements((ds.driver as unknown as { databaseConnection: import('sqlite3').Database }).databaseConnection, 3);
  });
  afterEach(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prepares each text once and reuses it, keeping at most `max`', async () => {
    for (let i = 0; i < 5; i++) await p.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, `v${i}`]);
    expect(p.size).toBe(1);
    expect(await p.all('SELECT v FROM t WHERE id = ?', [3])).toEqual([{ v: 'v3' }]);
    await p.all('SELECT COUNT(*) AS n FROM t');
    await p.all('SELECT MAX(id) AS n FROM t');
    expect(p.size).toBe(3);
    expect(await p.all('SELECT v FROM t WHERE id = ?', [4])).toEqual([{ v: 'v4' }]); // evicted, prepared again
  });

  it('pipelines writes: a read waits for the writes before it, and flush reports a failed one after all settled', async () => {
    const tx: SqlTx = p.tx();
    await p.exec('BEGIN IMMEDIATE');
    const w = pipelined(tx);
    await w.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']);
    await w.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b']);
    expect(await w.all('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    await w.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'again']);
    await w.run('INSERT INTO t (id, v) VALUES (?, ?)', [3, 'c']);
    await expect(w.flush()).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
    await p.exec('ROLLBACK');
    expect(await p.all('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 0 }]);
  });

  it('stores exactly the rows of any sequence of pipelined inserts and reads (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ maxLength: 20 }).map((v) => ({ write: v })), fc.constant({ read: true })), { maxLength: 30 }), async (ops) => {
        await ds.query('DELETE FROM t');
        const w = pipelined(p.tx());
        const oracle: string[] = [];
        for (const op of ops) {
          if ('write' in op) {
            oracle.push(op.write);
            await w.run('INSERT INTO t (id, v) VALUES (?, ?)', [oracle.length, op.write]);
          } else {
            const rows = await w.all<{ v: string }>('SELECT v FROM t ORDER BY id');
            expect(rows.map((r) => r.v)).toEqual(oracle);
          }
        }
        await w.flush();
        expect(((await p.all('SELECT v FROM t ORDER BY id')) as Array<{ v: string }>).map((r) => r.v)).toEqual(oracle);
      }),
      { numRuns: 30 },
    );
  });
});
