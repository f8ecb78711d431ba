import type sqlite3 from 'sqlite3';
import type { EntityManager } from 'typeorm';
import type { DatabaseKind } from '../config/configuration';

export type SqlValue = string | number | boolean | null;
/** A parameter: a value, or (PostgreSQL: `unnest(?::text[])`) an array of them. */
export type SqlParam = SqlValue | readonly SqlValue[];

/**
 * The statements of one write transaction, with `?` placeholders on either database. The
 * consent writer, its checkpoints and the change log write through this, so one code path
 * serves both: on SQLite each text is a prepared statement, kept and reused (`PreparedStatements`),
 * run on the connection's own thread without TypeORM's query runner around it; on
 * PostgreSQL it is the transaction's EntityManager, placeholders numbered.
 */
export interface SqlTx {
  readonly kind: DatabaseKind;
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlParam[]): Promise<void>;
}

/** `?` placeholders as PostgreSQL wants them (`$1, $2, …`). */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** A transaction's EntityManager as an `SqlTx` (PostgreSQL, or SQLite outside the writer's fast path). */
export function managerTx(m: EntityManager, kind: DatabaseKind): SqlTx {
  const text = kind === 'postgres' ? numbered : (sql: string) => sql;
  return {
    kind,
    all: <T>(sql: string, params: readonly SqlParam[] = []) => m.query(text(sql), [...params]) as Promise<T[]>,
    run: async (sql: string, params: readonly SqlParam[] = []) => {
      await m.query(text(sql), [...params]);
    },
  };
}

/**
 * Prepared statements on the sqlite3 connection TypeORM opened, by text. A statement is
 * compiled once and reused for every later run (a group-commit batch of n rows has its own
 * text, so at most `max` texts are kept; the oldest is finalized first). They are finalized
 * when the connection closes, whoever closes it: SQLite refuses to close a connection with
 * live statements.
 */
export class PreparedStatements {
  private readonly statements = new Map<string, sqlite3.Statement>();
  private closed = false;

  constructor(
    private readonly db: sqlite3.Database,
    private readonly max = 256,
  ) {
    const close = db.close.bind(db);
    db.close = ((callback?: (error: Error | null) => void) => {
      this.closed = true;
      void this.finalizeAll().then(() => close(callback));
      return db;
    }) as typeof db.close;
  }

  /** Prepared statements kept right now (for tests). */
  get size(): number {
    return this.statements.size;
  }

  all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.statement(sql).then(
      (s) =>
        new Promise<T[]>((resolve, reject) => {
          s.all(params as SqlParam[], (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
        }),
    );
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<void> {
    return this.statement(sql).then(
      (s) =>
        new Promise<void>((resolve, reject) => {
          s.run(params as SqlParam[], (error: Error | null) => (error ? reject(error) : resolve()));
        }),
    );
  }

  /** Statements without parameters that are not worth keeping (`BEGIN IMMEDIATE`, `COMMIT`). */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error: Error | null) => (error ? reject(error) : resolve())));
  }

  tx(): SqlTx {
    return { kind: 'sqlite', all: (sql, params) => this.all(sql, params), run: (sql, params) => this.run(sql, params) };
  }

  private statement(sql: string): Promise<sqlite3.Statement> {
    const kept = this.statements.get(sql);
    if (kept !== undefined) return Promise.resolve(kept);
    if (this.closed) return Promise.reject(new Error('The database connection is closed'));
    return new Promise((resolve, reject) => {
      const s = this.db.prepare(sql, (error: Error | null) => {
        if (error) return reject(error);
        const raced = this.statements.get(sql);
        if (raced !== undefined) {
          s.finalize();
          return resolve(raced);
        }
        if (this.statements.size >= this.max) {
          const [oldest, statement] = this.statements.entries().next().value as [string, sqlite3.Statement];
          this.statements.delete(oldest);
          statement.finalize();
        }
        this.statements.set(sql, s);
        resolve(s);
      });
    });
  }

  private finalizeAll(): Promise<void> {
    const all = [...this.statements.values()];
    this.statements.clear();
    return Promise.all(all.map((s) => new Promise<void>((resolve) => s.finalize(() => resolve())))).then(() => undefined);
  }
}

/**
 * SQLite: `tx` with its writes pipelined. `run` starts the statement and returns at once, so
 * a batch's INSERTs (independent rows of different tables) go to the connection together and
 * cost one wait instead of one each, the sqlite3 driver running them on its threads while the
 * event loop serves requests; `all` (a read) first waits for the writes before it; `flush`
 * waits for every write to settle and fails if any failed (the caller then rolls back: all or
 * nothing). A caller that fails between must `flush` too before it rolls back.
 * On PostgreSQL, where one connection runs one statement at a time, `tx` as it is.
 */
export function pipelined(tx: SqlTx): SqlTx & { flush(): Promise<void> } {
  if (tx.kind !== 'sqlite') return { ...tx, flush: () => Promise.resolve() };
  let pending: Array<Promise<void>> = [];
  const flush = async (): Promise<void> => {
    const started = pending;
    pending = [];
    // Every statement settled before anyone rolls back: none may run after the ROLLBACK.
    const failed = (await Promise.allSettled(started)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  return {
    kind: tx.kind,
    all: async (sql, params) => {
      await flush();
      return tx.all(sql, params);
    },
    run: (sql, params) => {
      const running = tx.run(sql, params);
      running.catch(() => undefined); // awaited by `flush`; not an unhandled rejection meanwhile
      pending.push(running);
      return Promise.resolve();
    },
    flush,
  };
}
