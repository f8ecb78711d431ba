import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { watch, type FSWatcher } from 'node:fs';
import pg from 'pg';
import { Subject, type Observable } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import type { SqlTx } from '../database/sql-tx';
import { FLOWGATE_LOCKS, LOCK_KEYS, WriteQueue } from '../database/write-queue';
import { MetricsService } from '../observability/metrics.service';
import { ChangeLogEntry } from './change-log-entry.entity';

/** A change as the feed announces it; `id` is the event id clients resume from. */
export type ChangeEvent =
  | { id: number; kind: 'policy'; version: number }
  | { id: number; kind: 'consent'; userId: string; version: number };

/** Every entry of the log: the feed's changes, and server-internal ones (a revoked token). */
export type LogEntry = ChangeEvent | { id: number; kind: 'token'; tokenId: number };

/** An entry to append (the id comes from the database). */
export type NewLogEntry = LogEntry extends infer E ? (E extends { id: number } ? Omit<E, 'id'> : never) : never;

/**
 * PostgreSQL NOTIFY channel: the payload is the highest id the transaction appended, or (a
 * consent batch, migration 1798800000001) `{"at": ms, "entries": [[id, kind, userId, version], …]}`.
 */
export const CHANGE_CHANNEL = 'flowgate_changes';
const PAGE = 1000;
/** Reconnect delay for a lost LISTEN connection. */
const RELISTEN_MS = 1000;
/** Appended entries whose publication is awaited here (rolled back ones are forgotten past this many). */
const APPENDED_TIMES = 10_000;

export interface FollowerStatus {
  /** The follower reads the log (and on PostgreSQL listens) without errors right now. */
  live: boolean;
  /** The log was read to its end at least once since start. */
  caughtUp: boolean;
  /** The last entry every cache in this process has applied. */
  lastId: number;
  /** PostgreSQL: the LISTEN connection is up (null on SQLite). */
  listening: boolean | null;
}

/**
 * The durable change log, the one source of change events for every process. Writers
 * `append` inside the transaction that makes the change (ids from the database, in commit
 * order: on PostgreSQL the append holds an advisory lock to commit; on SQLite the write
 * transaction holds the file) and call `committed()` after it commits.
 *
 * Every process follows the log from the database: on SQLite by reading new entries when
 * the `-wal` file changes and every CHANGE_POLL_MS (so a second process and the CLI are
 * seen), on PostgreSQL on each NOTIFY (with the same read every CHANGE_POLL_MS as a fallback). `live` emits each committed entry exactly once, in id
 * order, whichever process wrote it: the SSE feed and the policy, consent and token caches
 * follow it. A rolled back change is never announced and none is skipped.
 */
@Injectable()
export class ChangeLogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChangeLog');
  private readonly subject = new Subject<LogEntry>();
  /** Committed entries, in id order, from every process. */
  readonly live: Observable<LogEntry> = this.subject.asObservable();
  private lastPublished = 0;
  private pumping: Promise<void> | null = null;
  private pending = false;
  private closed = false;
  private caughtUp = false;
  private lastReadOk = 0;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private listener: pg.Client | null = null;
  private listening = false;
  private relisten: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  /** `committed()` callers waiting for their entries to be published. */
  private waiters: Array<{ upTo: number; resolve(): void }> = [];
  /** When this process appended an entry (epoch ms), by id, until it is published. */
  private readonly appendedAt = new Map<number, number>();
  /** Commits of this process whose appended ids it does not know yet (`appending`). */
  private readonly inFlight = new Set<Promise<void>>();
  /** SQLite: the id the next append takes, valid while the write queue's generation is unchanged. */
  private nextSqliteId: { id: number; generation: number } | null = null;
  /**
   * SQLite: `PRAGMA data_version` when the follower last read the log. While it is unchanged
   * no other connection committed, so every newer entry is this process's own, published by
   * `committed()`: the follower does not read back what this process just wrote.
   */
  private followedVersion: number | null = null;
  /**
   * PostgreSQL with read replicas: a WAL position at or past the commit of every entry
   * published here up to `lsnCovers` (a count of published entries), see `replicaLsn`.
   */
  private readonly trackLsn: boolean;
  private lsn = 0n;
  private publishedCount = 0;
  /** Committed entries of this process not published yet, by id (`committedHere`). */
  private readonly committedLocal = new Map<number, LogEntry>();
  /** PostgreSQL: the highest id a NOTIFY announced. */
  private notifiedUpTo = 0;
  /** PostgreSQL: entries NOTIFYs carried, not published yet, by id, with their `createdAt` (epoch ms). */
  private readonly notifiedEntries = new Map<number, { entry: LogEntry; createdAtMs: number }>();
  /** A read of the log was asked for other than by a NOTIFY with a known id (`notify`). */
  private readRequested = false;
  private lsnCovers = 0;
  private lsnRead: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.trackLsn = this.writeQueue.kind === 'postgres' && (config.databaseReplicaUrls?.length ?? 0) > 0;
  }

  /** Starts at the end of the log (caches load fresh state at start) and follows it. */
  async onModuleInit(): Promise<void> {
    this.lastPublished = await this.latestId();
    // Read after the latest id: past the commit of everything before start, which this
    // process's caches never saw as entries, so no replica behind it may fill them.
    if (this.trackLsn) await this.readLsn();
    this.caughtUp = true;
    this.lastReadOk = Date.now();
    if (this.writeQueue.kind === 'postgres') await this.listen();
    else this.watchWal();
    this.timer = setInterval(() => this.notify(), this.config.changePollMs);
    this.timer.unref();
  }

  /** Stops following before the database closes (a running read may finish). */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.relisten !== null) clearTimeout(this.relisten);
    this.watcher?.close();
    await this.pumping;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    for (const w of this.waiters.splice(0)) w.resolve();
    this.subject.complete();
  }

  status(): FollowerStatus {
    const staleAfter = Math.max(5000, this.config.changePollMs * 5);
    const pgOk = this.writeQueue.kind !== 'postgres' || this.listening;
    return {
      live: !this.closed && this.lastError === null && Date.now() - this.lastReadOk < staleAfter && pgOk,
      caughtUp: this.caughtUp,
      lastId: this.lastPublished,
      listening: this.writeQueue.kind === 'postgres' ? this.listening : null,
    };
  }

  /**
   * Appends `entries` inside the caller's write transaction and returns them with their
   * ids. Call `committed()` with the result once the transaction has committed.
   */
  append(m: EntityManager, entries: readonly NewLogEntry[]): Promise<LogEntry[]> {
    return this.appendTx(this.writeQueue.tx(m), entries);
  }

  /** `append` through the writer's statements (`WriteQueue.writeTx`). */
  async appendTx(tx: SqlTx, entries: readonly NewLogEntry[]): Promise<LogEntry[]> {
    if (entries.length === 0) return [];
    const rows = entries.map((e) => toRow(e));
    const appended = (ids: readonly number[]) => this.appended(entries, ids);
    if (this.writeQueue.kind === 'postgres') {
      // Held to commit: ids are taken and committed in the same order, so a follower that
      // has read id n has seen every id below it.
      await tx.run('SELECT pg_advisory_xact_lock(?, ?)', [FLOWGATE_LOCKS, LOCK_KEYS.changeLog]);
      const ids = await tx.all<{ id: number }>(
        `INSERT INTO change_log (kind, "userId", version)
         SELECT kind, "userId", version FROM unnest(?::varchar[], ?::varchar[], ?::int[]) WITH ORDINALITY
           AS t(kind, "userId", version, n) ORDER BY n
         RETURNING id`,
        [rows.map((r) => r.kind), rows.map((r) => r.userId), rows.map((r) => r.version)],
      );
      const sorted = ids.map((r) => Number(r.id)).sort((a, b) => a - b);
      await tx.run('SELECT pg_notify(?, ?)', [CHANGE_CHANNEL, String(sorted.at(-1))]);
      return appended(sorted);
    }
    // SQLite, write lock held: the next id is the one this process left, unless another
    // connection wrote since or a transaction rolled back (a new generation).
    const generation = this.writeQueue.generation;
    let first: number;
    if (this.nextSqliteId?.generation === generation) {
      first = this.nextSqliteId.id;
    } else {
      const last = await tx.all<{ id: number }>(
        `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'change_log'), 0),
                    COALESCE((SELECT MAX(id) FROM change_log), 0)) AS id`,
      );
      first = Number(last[0].id) + 1;
    }
    for (let i = 0; i < rows.length; i += 300) {
      const chunk = rows.slice(i, i + 300);
      await tx.run(
        // createdAt to the millisecond (the column's default, datetime('now'), has whole seconds).
        `INSERT INTO change_log (id, kind, "userId", version, "createdAt") VALUES ${chunk.map(() => "(?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))").join(', ')}`,
        chunk.flatMap((r, j) => [first + i + j, r.kind, r.userId, r.version]),
      );
    }
    this.nextSqliteId = { id: first + rows.length, generation };
    return appended(rows.map((_, i) => first + i));
  }

  /**
   * PostgreSQL, the consent writer's one-statement batch (`flowgate_consent_commit`, which
   * appends as `appendTx` does: under the change log's lock, in order, then `pg_notify`):
   * the rows to append, and the lock and channel the function takes.
   */
  postgresAppend(entries: readonly NewLogEntry[]): {
    rows: Array<{ kind: string; userId: string | null; version: number }>;
    lock: [number, number];
    channel: string;
  } {
    return { rows: entries.map((e) => toRow(e)), lock: [FLOWGATE_LOCKS, LOCK_KEYS.changeLog], channel: CHANGE_CHANNEL };
  }

  /**
   * Runs `commit`, which commits a transaction that appended entries and then hands their
   * ids to `appended` (PostgreSQL's one-statement consent batch learns its ids only from the
   * answer). The commit's NOTIFY can reach the follower before that answer does: the follower
   * waits for commits in flight before it reads the log, so their entries are published as
   * this process's own (`local` feed lag), not as another writer's.
   */
  async appending<T>(commit: () => Promise<T>): Promise<T> {
    const run = commit();
    const tracked = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    try {
      return await run;
    } finally {
      this.inFlight.delete(tracked);
    }
  }

  /** The entries appended with these ids (ascending, in `entries` order), as `appendTx` returns them. */
  appended(entries: readonly NewLogEntry[], ids: readonly number[]): LogEntry[] {
    const now = Date.now();
    for (const id of ids) {
      if (this.appendedAt.size >= APPENDED_TIMES) this.appendedAt.delete(this.appendedAt.keys().next().value!);
      this.appendedAt.set(id, now);
    }
    return entries.map((e, i) => ({ ...e, id: ids[i] }) as LogEntry);
  }

  /**
   * Call inside `appending`'s commit, once the transaction has committed (a PostgreSQL consent
   * batch): the follower publishes these as soon as they are next in order, so the batch's
   * own NOTIFY, which may arrive first, needs no read of the log.
   */
  committedHere(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      if (entry.id <= this.lastPublished) continue;
      if (this.committedLocal.size >= APPENDED_TIMES) this.committedLocal.delete(this.committedLocal.keys().next().value!);
      this.committedLocal.set(entry.id, entry);
    }
  }

  /** Appends in a transaction of its own (a policy version found at start, say). */
  async appendNow(entries: readonly NewLogEntry[]): Promise<LogEntry[]> {
    const appended = await this.writeQueue.transaction((m) => this.append(m, entries));
    await this.committed(appended);
    return appended;
  }

  /** Announces a policy version unless it is already the latest one in the log. */
  async announcePolicy(version: number): Promise<void> {
    const appended = await this.writeQueue.transaction(async (m) => {
      const last = await m.findOne(ChangeLogEntry, { where: { kind: 'policy' }, order: { id: 'DESC' } });
      if (last?.version === version) return [];
      return this.append(m, [{ kind: 'policy', version }]);
    });
    await this.committed(appended);
  }

  /**
   * The WAL position a read replica must have replayed (`pg_last_wal_replay_lsn()` at or
   * past it) before a cache may be filled from it: past the commit of every entry this
   * process has published so far, its own and other processes'. Entries read from the log
   * come with `pg_current_wal_insert_lsn()` evaluated in the reading statement, after its
   * snapshot saw them committed (a commit's WAL record is inserted before the transaction
   * becomes visible), so it is at or past their commits. Entries this process published
   * straight after its own commit (`committed()`) have none: the first read that needs
   * them asks the primary for `pg_current_wal_insert_lsn()` (after those commits, so past
   * them), one query for every caller waiting. Not `pg_current_wal_insert_lsn()` inside
   * the appending transaction: that is before the commit record, and a replica replayed to
   * there would still show the old rows.
   */
  async replicaLsn(): Promise<bigint> {
    const target = this.publishedCount;
    while (this.lsnCovers < target) {
      this.lsnRead ??= this.readLsn().finally(() => {
        this.lsnRead = null;
      });
      await this.lsnRead;
    }
    return this.lsn;
  }

  /** The newest WAL position `replicaLsn` knows, without asking (health's lag). */
  knownLsn(): bigint {
    return this.lsn;
  }

  private async readLsn(): Promise<void> {
    const covers = this.publishedCount;
    const rows: Array<{ lsn: string }> = await this.dataSource.query('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    this.raiseLsn(insertLsn(rows[0].lsn), covers);
  }

  private raiseLsn(lsn: bigint, covers: number): void {
    if (lsn > this.lsn) this.lsn = lsn;
    if (covers > this.lsnCovers) this.lsnCovers = covers;
  }

  /** Committed entries after `afterId`, oldest first (one statement: a consistent read). */
  async since(afterId: number, limit = PAGE): Promise<LogEntry[]> {
    return (await this.sinceTimed(afterId, limit)).map((r) => r.entry);
  }

  /**
   * `since`, with each row's `createdAt` as epoch milliseconds (for the feed-lag metric)
   * and, with replicas, the primary's WAL insert position read in the same statement.
   */
  private async sinceTimed(
    afterId: number,
    limit: number,
  ): Promise<Array<{ entry: LogEntry; createdAtMs: number; lsn: string | null }>> {
    type Row = Omit<ChangeLogEntry, 'createdAt'> & { createdAtMs: number | string; lsn?: string };
    // Epoch ms computed by the database, so no driver parses a zone-less timestamp: on
    // PostgreSQL `createdAt` (timestamp, DEFAULT now()) is in the session's zone.
    const rows: Row[] =
      this.writeQueue.kind === 'postgres'
        ? await this.writeQueue.readOnce((m) =>
            m.query(
              `SELECT id, kind, "userId", version,
                      (EXTRACT(EPOCH FROM ("createdAt" AT TIME ZONE current_setting('TimeZone'))) * 1000)::float8 AS "createdAtMs"
                      ${this.trackLsn ? ', pg_current_wal_insert_lsn()::text AS lsn' : ''}
               FROM change_log WHERE id > $1 ORDER BY id ASC LIMIT $2`,
              [afterId, limit],
            ) as Promise<Row[]>,
          )
        : // SQLite: one prepared statement in the write queue (one snapshot on its own).
          await this.writeQueue.sqliteAll<Row>(
            `SELECT id, kind, "userId", version, (julianday("createdAt") - 2440587.5) * 86400000.0 AS "createdAtMs"
             FROM change_log WHERE id > ? ORDER BY id ASC LIMIT ?`,
            [afterId, limit],
          );
    return rows.map((row) => ({ entry: toEntry(row), createdAtMs: Number(row.createdAtMs), lsn: row.lsn ?? null }));
  }

  /** The latest committed entry's id (0: none). */
  latestId(): Promise<number> {
    return this.writeQueue.readOnce(async (m) => {
      const rows: Array<{ id: number | string | null }> = await m.query('SELECT MAX(id) AS id FROM change_log');
      return Number(rows[0]?.id ?? 0);
    });
  }

  /**
   * Call right after a transaction that appended `entries` (in id order) commits. They are
   * published at once when they follow the last published entry (read-your-writes in this
   * process); after a gap (another process's entries not read yet) the log is read instead.
   * Resolves once they are published here, so the caller's next read sees its own write.
   */
  committed(entries: readonly LogEntry[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const fresh = entries.filter((e) => e.id > this.lastPublished);
    if (fresh.length === 0) return Promise.resolve();
    // Contiguous with what is published: at once. On SQLite even while a read of the log runs
    // (it publishes only ids above the last published, in order, so nothing is skipped or sent
    // twice); on PostgreSQL that read's WAL position must not be taken to cover these entries.
    if ((this.pumping === null || this.writeQueue.kind === 'sqlite') && fresh.every((e, i) => e.id === this.lastPublished + 1 + i)) {
      for (const entry of fresh) this.publish(entry);
      return Promise.resolve();
    }
    const upTo = fresh[fresh.length - 1].id;
    const published = new Promise<void>((resolve) => this.waiters.push({ upTo, resolve }));
    this.notify();
    return published;
  }

  /** Publishes everything committed since the last published entry, in order. */
  notify(): void {
    this.readRequested = true;
    this.wake();
  }

  /**
   * PostgreSQL: a NOTIFY on the channel, whose payload is the highest id its transaction
   * appended. Change-log ids are taken under the log's lock held to commit, so every id below
   * it committed first; once this process has published up to that id (its own batch, say,
   * published from the commit's answer) the NOTIFY needs no read of the log. Any other payload
   * reads the log.
   */
  private notified(payload: string | undefined): void {
    if (payload?.startsWith('{')) {
      const carried = notifiedEntries(payload);
      if (carried === null) return this.notify();
      for (const { entry, createdAtMs } of carried) {
        if (entry.id <= this.lastPublished) continue;
        if (this.notifiedEntries.size >= APPENDED_TIMES) this.notifiedEntries.delete(this.notifiedEntries.keys().next().value!);
        this.notifiedEntries.set(entry.id, { entry, createdAtMs });
        if (entry.id > this.notifiedUpTo) this.notifiedUpTo = entry.id;
      }
      return this.wake();
    }
    const id = Number(payload);
    if (!Number.isSafeInteger(id) || id <= 0) return this.notify();
    if (id > this.notifiedUpTo) this.notifiedUpTo = id;
    this.wake();
  }

  private wake(): void {
    if (this.closed) return;
    if (this.pumping !== null) {
      this.pending = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /**
   * Hands `entry` to the subscribers, and records the feed lag: from when this process
   * appended it (`local`, whichever way it is published), or else from the row's
   * `createdAt` (`remote`: another process's commit, read from the log by SQLite tailing or
   * on a PostgreSQL NOTIFY or poll).
   */
  private publish(entry: LogEntry, createdAtMs?: number): void {
    this.lastPublished = entry.id;
    this.publishedCount++;
    this.committedLocal.delete(entry.id);
    this.notifiedEntries.delete(entry.id);
    const appendedAt = this.appendedAt.get(entry.id);
    this.appendedAt.delete(entry.id);
    try {
      this.subject.next(entry);
    } catch (error) {
      this.logger.error(`A change-log subscriber failed on entry ${entry.id}: ${String(error)}`);
    }
    // After the subscribers ran (synchronously): the time until they had it.
    const since = appendedAt ?? createdAtMs;
    if (since !== undefined && Number.isFinite(since)) this.metrics?.changeDelivered(appendedAt !== undefined ? 'local' : 'remote', Math.max(0, Date.now() - since) / 1000);
  }

  private async pump(): Promise<void> {
    do {
      this.pending = false;
      const mustRead = this.readRequested;
      this.readRequested = false;
      let read = true;
      try {
        for (let page = 0; ; page++) {
          // A snapshot: commits begun later do not hold the read back.
          if (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
          // This process's own commits, and entries NOTIFYs carried, as long as they follow on.
          for (;;) {
            const own = this.committedLocal.get(this.lastPublished + 1);
            if (own !== undefined) {
              this.publish(own);
              continue;
            }
            const carried = this.notifiedEntries.get(this.lastPublished + 1);
            if (carried === undefined) break;
            this.publish(carried.entry, carried.createdAtMs);
          }
          // Woken only by NOTIFYs of entries published meanwhile (this process's own, or carried by the NOTIFY).
          if (page === 0 && !mustRead && this.notifiedUpTo <= this.lastPublished) {
            read = false;
            break;
          }
          if (this.writeQueue.kind === 'sqlite') {
            // Taken before the read: a commit by another connection after it shows next time.
            const version = await this.writeQueue.sqliteDataVersion();
            const unchanged = version === this.followedVersion;
            this.followedVersion = version;
            // Nobody else wrote since the last read, and nobody here waits for an entry: nothing to read.
            if (unchanged && this.waiters.every((w) => w.upTo <= this.lastPublished)) break;
          }
          const batch = await this.sinceTimed(this.lastPublished, PAGE);
          // Before the subscribers hear of them: the position covers these entries and every
          // one published before this read began (while pumping nothing is published directly).
          const lsn = batch[0]?.lsn;
          if (lsn != null) this.raiseLsn(insertLsn(lsn), 0);
          for (const { entry, createdAtMs } of batch) if (entry.id > this.lastPublished) this.publish(entry, createdAtMs);
          if (lsn != null) this.raiseLsn(insertLsn(lsn), this.publishedCount);
          if (batch.length < PAGE || this.closed) break;
        }
        if (!read) continue; // nothing read: says nothing of whether reading works
        this.lastReadOk = Date.now();
        if (this.lastError !== null) this.logger.log('Reading the change log works again');
        this.lastError = null;
      } catch (error) {
        const message = (error as Error).message;
        if (this.lastError !== message && !this.closed) this.logger.error(`Reading the change log failed: ${message}`);
        this.lastError = message;
      }
    } while (this.pending && !this.closed);
    // Published, or the read failed (or we are closing): nobody waits for ever.
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (w.upTo <= this.lastPublished || this.lastError !== null || this.closed) w.resolve();
      else this.waiters.push(w);
    }
    if (this.waiters.length > 0) setImmediate(() => this.notify()); // once this pump has ended
  }

  /**
   * SQLite: every commit, by any process, writes the `-wal` file; watching it (inotify)
   * starts a read at once instead of at the next poll. The poll stays as the fallback.
   */
  private watchWal(): void {
    const options = this.dataSource.options;
    if (options.type !== 'sqlite' || options.database === ':memory:') return;
    try {
      this.watcher = watch(`${options.database}-wal`, { persistent: false }, () => this.notify());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // no -wal file or no watcher: polling alone
    }
  }

  /** PostgreSQL: one connection of its own LISTENs; a lost one is re-opened every second. */
  private async listen(): Promise<void> {
    const options = this.dataSource.options;
    if (options.type !== 'postgres') return;
    const client = new pg.Client({ connectionString: options.url, application_name: 'flowgate-listen' });
    const retry = () => {
      this.listening = false;
      if (this.listener === client) this.listener = null;
      client.end().catch(() => undefined);
      if (!this.closed && this.relisten === null) {
        this.relisten = setTimeout(() => {
          this.relisten = null;
          void this.listen();
        }, RELISTEN_MS);
        this.relisten.unref();
      }
    };
    client.on('notification', (message) => this.notified(message.payload));
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      retry();
    });
    client.on('end', () => {
      if (this.listener === client) retry();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.listener = client;
      this.listening = true;
      this.notify(); // whatever was committed while not listening
    } catch (error) {
      this.logger.warn(`LISTEN failed, retrying: ${(error as Error).message}`);
      retry();
    }
  }
}

/**
 * The entries of a NOTIFY payload `{"at": ms, "entries": [[id, kind, userId, version], …]}`,
 * ids ascending; null for anything else (the follower then reads the log).
 */
export function notifiedEntries(payload: string): Array<{ entry: LogEntry; createdAtMs: number }> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { at, entries } = parsed as { at?: unknown; entries?: unknown };
  if (typeof at !== 'number' || !Array.isArray(entries) || entries.length === 0) return null;
  const out: Array<{ entry: LogEntry; createdAtMs: number }> = [];
  for (const e of entries as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4) return null;
    const [id, kind, userId, version] = e as unknown[];
    if (!Number.isSafeInteger(id) || (id as number) <= 0 || !Number.isSafeInteger(version)) return null;
    if (kind === 'consent' ? typeof userId !== 'string' : (kind !== 'policy' && kind !== 'token') || userId !== null) return null;
    if (out.length > 0 && (id as number) <= out[out.length - 1].entry.id) return null;
    out.push({ entry: toEntry({ id: id as number, kind: kind as LogEntry['kind'], userId: userId as string | null, version: version as number }), createdAtMs: at });
  }
  return out;
}

function toRow(e: NewLogEntry): { kind: string; userId: string | null; version: number } {
  switch (e.kind) {
    case 'policy':
      return { kind: 'policy', userId: null, version: e.version };
    case 'consent':
      return { kind: 'consent', userId: e.userId, version: e.version };
    case 'token':
      return { kind: 'token', userId: null, version: e.tokenId };
  }
}

function toEntry(row: Pick<ChangeLogEntry, 'id' | 'kind' | 'userId' | 'version'>): LogEntry {
  const id = Number(row.id);
  switch (row.kind) {
    case 'consent':
      return { id, kind: 'consent', userId: row.userId ?? '', version: row.version };
    case 'token':
      return { id, kind: 'token', tokenId: row.version };
    default:
      return { id, kind: 'policy', version: row.version };
  }
}

/** A PostgreSQL `pg_lsn` in its text form (`16/B374D848`) as a number. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (match === null) throw new Error(`Not a WAL position: "${text}"`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

const WAL_PAGE = 8192n;
const SHORT_PAGE_HEADER = 24n;

/**
 * `pg_current_wal_insert_lsn()` as a position a replica's `pg_last_wal_replay_lsn()` (the end
 * of the last record replayed) can reach: right after a WAL page's header nothing is on the
 * page yet, and the last record ended at the page boundary, where replay stops. (After a
 * segment's longer first header it stays conservative: the replica looks behind until more
 * WAL comes, and reads go to the primary meanwhile.)
 */
export function insertLsn(text: string): bigint {
  const lsn = parseLsn(text);
  return lsn % WAL_PAGE === SHORT_PAGE_HEADER ? lsn - SHORT_PAGE_HEADER : lsn;
}

/** The entries the public change feed (SSE) carries. */
export function isFeedEvent(entry: LogEntry): entry is ChangeEvent {
  return entry.kind === 'policy' || entry.kind === 'consent';
}
