import { Injectable, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { MetricsService } from '../observability/metrics.service';
import { DataSource, type EntityManager } from 'typeorm';
import type sqlite3 from 'sqlite3';
import type { DatabaseKind } from '../config/configuration';
import { managerTx, numbered, PreparedStatements, type SqlParam, type SqlTx } from './sql-tx';

/**
 * `value` as a dollar-quoted PostgreSQL string constant (`$fg$…$fg$`): its text is taken as
 * it is, nothing escaped, so quoting costs one search instead of a copy built character by
 * character (`escapeLiteral`: ~40 µs for a consent batch's 9 KB here). The tag is one whose
 * first occurrence in `value` followed by the closing tag is that closing tag.
 */
export function dollarQuoted(value: string): string {
  let tag = '$fg$';
  for (let n = 0; `${value}${tag}`.indexOf(tag) !== value.length; n++) tag = `$fg${n}$`;
  return `${tag}${value}${tag}`;
}

/** The steps of `WriteQueue.postgresTwoStep`. */
export interface TwoStepSession {
  /** `value` as an SQL string constant (`dollarQuoted`). */
  literal(value: string): string;
  open<R>(sql: string): Promise<R[]>;
  close<R>(sql: string): Promise<R[]>;
}

interface PgResult {
  rows: unknown[];
}

interface PgClient {
  query(sql: string): Promise<PgResult | PgResult[]>;
}

/**
 * PostgreSQL advisory lock keys (two-int form, namespace `FLOWGATE_LOCKS`). Per-user locks use
 * the one-bigint form, a separate key space. Order: writes or users first, then the change log.
 */
export const FLOWGATE_LOCKS = 0x466c6f77; // 'Flow'
export const LOCK_KEYS = { writes: 1, changeLog: 2, migrations: 3, checkpoints: 4 } as const;

/**
 * Every transaction goes through here, so the ordering rules live in one place:
 *
 * - SQLite: TypeORM runs all work on one connection, so transactions run one at a time in
 *   this process; a write transaction begins `IMMEDIATE`, taking the file's write lock
 *   first (waiting up to `busy_timeout` for another process), so a second process on the
 *   same file never makes it fail with SQLITE_BUSY half-way.
 * - PostgreSQL: transactions run concurrently on the pool; ordinary writes (map, tokens,
 *   audit) take one advisory lock, so they are serialised across every instance as on
 *   SQLite; consent writes order themselves per user (`concurrentTransaction`).
 *
 * On SQLite a process may remember what it wrote (the consent writer's chain heads and
 * next ids, the change log's next id, the newest checkpoint) because it holds the file's
 * write lock from `BEGIN IMMEDIATE` to commit; `generation` says whether that memory is
 * still good. Every write transaction reads `PRAGMA data_version` (the consent writer's
 * alongside its statements, re-running them when that was wrong), which changes
 * exactly when another connection (a second server, the CLI, anyone editing the file)
 * committed since this connection last looked: then, and after any rolled back write
 * transaction, `generation` moves on and whatever was remembered under the old one is
 * read again from the database.
 */
@Injectable()
export class WriteQueue {
  readonly kind: DatabaseKind;
  private tail: Promise<unknown> = Promise.resolve();
  private generationValue = 0;
  private dataVersion: number | null = null;
  private prepared: PreparedStatements | null = null;
  /** SQLite: read `PRAGMA data_version` before a write transaction's work (see `sqlitePrepared`). */
  private checkFirst = true;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.kind = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** Runs `work` in a write transaction, after every earlier write of any process. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') {
      return this.dataSource.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock($1, $2)', [FLOWGATE_LOCKS, LOCK_KEYS.writes]);
        return work(m);
      });
    }
    return this.queued(() => this.sqliteWrite(work));
  }

  /**
   * A write transaction that takes its own locks (`lockUsers`): concurrent with other
   * writes on PostgreSQL; on SQLite the same as `transaction`.
   */
  concurrentTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.dataSource.transaction(work);
    return this.queued(() => this.sqliteWrite(work));
  }

  /**
   * SQLite: what this process remembered under an older generation may be stale (see the
   * class comment). Compare inside a write transaction, after it began. Unused on PostgreSQL:
   * what the consent writer remembers there is checked by the database itself, under the
   * locks, before a batch built on it is written (`flowgate_consent_write`).
   */
  get generation(): number {
    return this.generationValue;
  }

  /** Forget everything remembered of the database (after rewriting tables wholesale, say). */
  invalidate(): void {
    this.generationValue++;
  }

  /**
   * The consent writer's transaction, as `concurrentTransaction`, through `SqlTx`: on
   * SQLite straight on prepared statements of the one connection (in the queue, `BEGIN
   * IMMEDIATE`, the generation checked inside the transaction; `work` may run twice, see
   * `sqlitePrepared`), on PostgreSQL the pool's transaction.
   */
  writeTx<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.dataSource.transaction((m) => work(managerTx(m, 'postgres')));
    return this.queued(() => this.sqlitePrepared(work));
  }

  /**
   * PostgreSQL: a write transaction in as few round trips as its two steps need, on a client
   * of the pool. `work` calls `open(sql)` once, which sends `BEGIN` and `sql` together and
   * returns `sql`'s rows, then (if there is anything to write) `close(sql)`, which sends `sql`
   * and `COMMIT` together: a batch of the consent writer is two round trips instead of four.
   * Both go as simple queries (no parameters: several statements per query), so every value
   * in them goes through `literal`. If `work` fails, or returns without `close`, it is rolled back.
   */
  async postgresTwoStep<T>(work: (session: TwoStepSession) => Promise<T>): Promise<T> {
    const driver = this.dataSource.driver as unknown as {
      obtainMasterConnection(): Promise<[PgClient, (error?: unknown) => void]>;
    };
    const [client, release] = await driver.obtainMasterConnection();
    const step: { state: 'new' | 'open' | 'closed' } = { state: 'new' };
    const results = async (sql: string) => {
      const r = (await client.query(sql)) as PgResult | PgResult[];
      return Array.isArray(r) ? r : [r];
    };
    let failed: unknown;
    try {
      return await work({
        literal: dollarQuoted,
        open: async <R>(sql: string) => {
          if (step.state !== 'new') throw new Error('postgresTwoStep: open() once, first');
          step.state = 'open';
          return (await results(`BEGIN; ${sql}`)).at(-1)!.rows as R[];
        },
        close: async <R>(sql: string) => {
          if (step.state !== 'open') throw new Error('postgresTwoStep: close() once, after open()');
          step.state = 'closed';
          return (await results(`${sql}; COMMIT`))[0].rows as R[];
        },
      });
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      if (step.state === 'open' || (step.state === 'closed' && failed !== undefined)) {
        // A failed statement left the transaction aborted (a failed COMMIT has rolled back already).
        try {
          await client.query('ROLLBACK');
        } catch (rollback) {
          failed ??= rollback;
        }
      }
      // A client whose connection failed is dropped from the pool rather than reused.
      release(failed instanceof Error && /connection|terminat/i.test(failed.message) ? failed : undefined);
    }
  }

  /**
   * PostgreSQL: `sql`, one statement, sent alone on a client of the pool, with no BEGIN or
   * COMMIT around it: PostgreSQL runs it as its own transaction (autocommit), committed
   * (durably, `synchronous_commit` on) before the answer arrives; one round trip. A simple
   * query (no parameters), so every value in it goes through `dollarQuoted`.
   */
  async postgresStatement<R>(sql: string): Promise<R[]> {
    const driver = this.dataSource.driver as unknown as {
      obtainMasterConnection(): Promise<[PgClient, (error?: unknown) => void]>;
    };
    const [client, release] = await driver.obtainMasterConnection();
    let failed: unknown;
    try {
      const r = (await client.query(sql)) as PgResult | PgResult[];
      return (Array.isArray(r) ? r.at(-1)! : r).rows as R[];
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      // A client whose connection failed is dropped from the pool rather than reused.
      release(failed instanceof Error && /connection|terminat/i.test(failed.message) ? failed : undefined);
    }
  }

  /**
   * SQLite: one statement on the writer's prepared statements, in the queue (between this
   * process's transactions, never inside one), without a transaction around it: a single
   * statement reads one snapshot on its own. One round trip to the driver's thread instead
   * of TypeORM's three (the change-log follower's hot path).
   */
  sqliteAll<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    if (this.kind !== 'sqlite') throw new Error('WriteQueue.sqliteAll is for SQLite');
    return this.queued(() => this.statements().all<T>(sql, params));
  }

  /**
   * SQLite: `PRAGMA data_version` of the shared connection, in the queue. Two answers differ
   * exactly when another connection (a second server, the CLI) committed in between; this
   * process's own commits leave it unchanged.
   */
  async sqliteDataVersion(): Promise<number> {
    const [{ data_version: version }] = await this.sqliteAll<{ data_version: number }>('PRAGMA data_version');
    // Another connection committed since the last write transaction looked: the next one checks first.
    if (this.dataVersion !== null && version !== this.dataVersion) this.checkFirst = true;
    return version;
  }

  /** A consistent read (one snapshot), never half of someone's transaction. */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.dataSource.transaction('REPEATABLE READ', work);
    return this.queued(() => this.dataSource.transaction(work));
  }

  /**
   * One statement, which is atomic on its own: on PostgreSQL straight from the pool (no
   * transaction round trips: the change-log follower's hot path); on SQLite in the queue,
   * so it never reads another transaction's uncommitted rows on the shared connection.
   */
  readOnce<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return work(this.dataSource.manager);
    return this.read(work);
  }

  /**
   * Statements that must run outside any transaction (a WAL checkpoint, `VACUUM INTO`), on
   * SQLite still one at a time with this process's transactions on the shared connection.
   */
  maintenance<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return work(this.dataSource.manager);
    return this.queued(() => work(this.dataSource.manager));
  }

  /**
   * Inside `concurrentTransaction`: holds these users' chains until commit (PostgreSQL:
   * advisory locks, taken in sorted order so two instances never deadlock). On SQLite the
   * transaction already holds the whole file.
   */
  async lockUsers(m: EntityManager, userIds: readonly string[]): Promise<void> {
    if (this.kind !== 'postgres' || userIds.length === 0) return;
    const sorted = [...new Set(userIds)].sort();
    await m.query(
      'SELECT pg_advisory_xact_lock(hashtextextended(u, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n',
      [sorted],
    );
  }

  /** `?` placeholders in `text` as the driver wants them (`$1, $2, …` on PostgreSQL). */
  sql(text: string): string {
    return this.kind === 'postgres' ? numbered(text) : text;
  }

  /** `m` (a transaction's manager) as an `SqlTx`. */
  tx(m: EntityManager): SqlTx {
    return managerTx(m, this.kind);
  }

  private queued<T>(run: () => Promise<T>): Promise<T> {
    const queued = performance.now();
    const next = this.tail.then(() => {
      this.metrics?.writeQueued((performance.now() - queued) / 1000);
      return run();
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async sqliteWrite<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    // TypeORM begins with a deferred `BEGIN TRANSACTION`; a write transaction must take the
    // write lock up front, or a concurrent writer in another process fails it with SQLITE_BUSY.
    const query = runner.query;
    runner.query = ((sql: string, ...rest: unknown[]) =>
      (query as (...a: unknown[]) => Promise<unknown>).call(
        runner,
        sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql,
        ...rest,
      )) as typeof query;
    try {
      await runner.startTransaction();
    } finally {
      runner.query = query;
    }
    try {
      await this.checkDataVersion((sql) => runner.query(sql) as Promise<Array<{ data_version: number }>>);
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      this.generationValue++;
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * SQLite: `work` in a write transaction on the prepared statements. `PRAGMA data_version`
   * may be read at any point inside the transaction (the file's write lock is held from
   * `BEGIN IMMEDIATE`, so nobody else commits meanwhile). While no other connection has been
   * seen writing, it is read alongside `work`'s statements rather than before them (one wait
   * less per transaction), and `work` runs on the current generation's memory on trust; if
   * the answer shows another connection committed after all, the transaction is rolled back
   * and `work` runs once more, on a new generation, with the check first. `work` must
   * therefore be safe to run twice (the consent writer's is: it keeps nothing of a rolled
   * back attempt). Once another connection was seen, the check comes first until a
   * transaction finds none.
   */
  private async sqlitePrepared<T>(work: (tx: SqlTx) => Promise<T>): Promise<T> {
    const p = this.statements();
    const readVersion = async () => (await p.all<{ data_version: number }>('PRAGMA data_version'))[0].data_version;
    for (let attempt = 0; ; attempt++) {
      const checkFirst = this.checkFirst || attempt > 0;
      await p.exec('BEGIN IMMEDIATE');
      let trusted: Promise<number> | null = null;
      try {
        if (checkFirst) {
          await this.checkDataVersion((sql) => p.all<{ data_version: number }>(sql));
        } else {
          trusted = readVersion();
          trusted.catch(() => undefined); // awaited below, on either path
        }
        const result = await work(p.tx());
        if (trusted !== null && this.otherCommitted(await trusted)) throw new StaleMemory();
        await p.exec('COMMIT');
        this.checkFirst = false;
        return result;
      } catch (error) {
        // Every statement settled before the ROLLBACK: the version read too.
        const stale = trusted !== null && (await trusted.then((v) => error instanceof StaleMemory || this.otherCommitted(v), () => false));
        this.generationValue++;
        await p.exec('ROLLBACK').catch(() => undefined); // none active: COMMIT itself rolled back
        if (stale) continue; // ran on memory another connection had outdated: again, checked first
        throw error;
      }
    }
  }

  /** `version` (read inside a write transaction) against the last one seen: another connection committed between. */
  private otherCommitted(version: number): boolean {
    const changed = this.dataVersion !== null && version !== this.dataVersion;
    this.dataVersion = version;
    if (changed) {
      this.generationValue++;
      this.checkFirst = true;
    }
    return changed;
  }

  /** In a write transaction: another connection committed since we last looked → a new generation. */
  private async checkDataVersion(all: (sql: string) => Promise<Array<{ data_version: number }>>): Promise<void> {
    const [{ data_version: version }] = await all('PRAGMA data_version');
    if (this.dataVersion !== null && version !== this.dataVersion) {
      this.generationValue++;
      this.checkFirst = true;
    }
    this.dataVersion = version;
  }

  private statements(): PreparedStatements {
    if (this.prepared === null) {
      const driver = this.dataSource.driver as unknown as { databaseConnection: sqlite3.Database };
      this.prepared = new PreparedStatements(driver.databaseConnection);
    }
    return this.prepared;
  }
}

/** A write transaction ran on memory that another connection's commit had outdated (`sqlitePrepared`). */
class StaleMemory extends Error {
  constructor() {
    super('Another connection committed before this write transaction: run again');
  }
}
