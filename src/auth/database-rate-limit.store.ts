import type { OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import type { RateLimitRule, RateLimitStore } from './rate-limit';

/** How long a key read as not blocked is taken to stay so, without asking the database again. */
export const UNBLOCKED_CACHE_MS = 1000;
/** How many keys the per-instance cache holds (oldest dropped first). */
const CACHE_KEYS = 10_000;
/** Expired counters are deleted at most this often. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Rate-limit counters in the `rate_limit` table (created by the migrations of both
 * drivers), so every instance on one database counts the same failures: two servers on
 * one PostgreSQL, or two processes on one SQLite file. A fixed window per key; the hit
 * that goes over the rule blocks the key for a window from then (as `MemoryRateLimitStore`).
 *
 * - `hit` is one atomic upsert (`ON CONFLICT DO UPDATE`): exact across instances. On
 *   SQLite it runs in the write queue (the file's write lock), on PostgreSQL straight from
 *   the pool (the row lock orders concurrent hits on one key).
 * - `blockedFor` runs before every authentication, so it must not cost a query each time:
 *   a block this instance has seen (by a hit or a read) is kept until it ends, and a key
 *   read as not blocked is not read again for `unblockedCacheMs` (1 s). So a block made by
 *   another instance reaches this one within that second; counting is never cached.
 */
export class DatabaseRateLimitStore implements RateLimitStore, OnModuleDestroy {
  /** Per key: blocked until (epoch ms), or not blocked as of a read until `checkedUntil`. */
  private readonly cache = new Map<string, { blockedUntil: number; checkedUntil: number }>();
  /** Reads in flight, by key: concurrent checks of one key share one query. */
  private readonly reading = new Map<string, Promise<number>>();
  private readonly postgres: boolean;
  private lastSweep: number;
  private sweeping: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly writeQueue: WriteQueue,
    private readonly now: () => number = Date.now,
    private readonly unblockedCacheMs = UNBLOCKED_CACHE_MS,
  ) {
    this.postgres = dataSource.options.type === 'postgres';
    this.lastSweep = now(); // the first sweep a minute after start, not on the first failure
  }

  /** Before the database closes: no sweep starts any more, and a running one ends first. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.sweeping;
  }

  async hit(rule: RateLimitRule, key: string): Promise<{ retryAfterMs: number }> {
    const id = `${rule.name}:${key}`;
    const now = this.now();
    const { points, expiresAt } = await this.upsert(id, rule, now);
    // From when the counter was read, not from before the write queue: another hit that
    // went first may have set the block from its own, later, clock reading.
    const answered = Math.max(now, this.now());
    const retryAfterMs = points > rule.points ? Math.max(1, expiresAt - answered) : 0;
    this.remember(id, retryAfterMs > 0 ? expiresAt : 0, answered);
    if (now - this.lastSweep > SWEEP_EVERY_MS && this.sweeping === null && !this.closed) {
      this.sweeping = this.sweep(now).finally(() => (this.sweeping = null));
    }
    return { retryAfterMs };
  }

  /**
   * `blockedFor` when this instance's cache can answer it without the database (a block it
   * knows, or a key read as not blocked less than `unblockedCacheMs` ago); null otherwise.
   * Synchronous, so a request's check costs no promise on the usual path.
   */
  cachedBlockedFor(rule: RateLimitRule, key: string): number | null {
    const known = this.cache.get(`${rule.name}:${key}`);
    if (known === undefined) return null;
    const now = this.now();
    if (known.blockedUntil > now) return known.blockedUntil - now;
    return known.checkedUntil > now ? 0 : null;
  }

  async blockedFor(rule: RateLimitRule, key: string): Promise<number> {
    const cached = this.cachedBlockedFor(rule, key);
    if (cached !== null) return cached;
    const id = `${rule.name}:${key}`;
    const now = this.now();
    // A burst of requests from one address (on SQLite each read waits in the write queue,
    // between group commits) makes one query, not one each.
    let reading = this.reading.get(id);
    if (reading === undefined) {
      reading = this.readBlockedUntil(id, rule).finally(() => this.reading.delete(id));
      this.reading.set(id, reading);
    }
    const blockedUntil = await reading;
    return blockedUntil > now ? blockedUntil - now : 0;
  }

  /** The key's block end from the database (0: not blocked), remembered. */
  private async readBlockedUntil(id: string, rule: RateLimitRule): Promise<number> {
    const rows = (await this.writeQueue.readOnce((m) =>
      m.query(this.sql('SELECT "points", "expiresAt" FROM "rate_limit" WHERE "key" = $1'), [id]),
    )) as { points: number | string; expiresAt: number | string }[];
    const row = rows[0];
    const blockedUntil = row !== undefined && Number(row.points) > rule.points ? Number(row.expiresAt) : 0;
    this.remember(id, blockedUntil, this.now());
    return blockedUntil;
  }

  /** Counts one hit on `id`; the counter as it is after it. */
  private async upsert(id: string, rule: RateLimitRule, now: number): Promise<{ points: number; expiresAt: number }> {
    const windowEnd = now + rule.windowSeconds * 1000;
    // In UPDATE SET, "rate_limit".* are the row's values before this hit (both databases).
    // The window ends: start again at 1. The hit that goes over the rule: blocked for a window.
    const upsert = this.sql(
      `INSERT INTO "rate_limit" ("key", "points", "expiresAt") VALUES ($1, 1, $2)
       ON CONFLICT ("key") DO UPDATE SET
         "points" = CASE WHEN "rate_limit"."expiresAt" <= $3 THEN 1 ELSE "rate_limit"."points" + 1 END,
         "expiresAt" = CASE WHEN "rate_limit"."expiresAt" <= $3 OR "rate_limit"."points" = $4 THEN $2 ELSE "rate_limit"."expiresAt" END`,
    );
    const params = [id, windowEnd, now, rule.points];
    const rows = this.postgres
      ? ((await this.dataSource.query(`${upsert} RETURNING "points", "expiresAt"`, params)) as { points: number; expiresAt: string }[])
      : await this.writeQueue.concurrentTransaction(async (m: EntityManager) => {
          // TypeORM runs an INSERT without returning rows on SQLite: read the counter back
          // in the same transaction (the file's write lock is held, so nobody hits between).
          await m.query(upsert, params);
          return (await m.query(this.sql('SELECT "points", "expiresAt" FROM "rate_limit" WHERE "key" = $1'), [id])) as {
            points: number;
            expiresAt: number;
          }[];
        });
    return { points: Number(rows[0].points), expiresAt: Number(rows[0].expiresAt) };
  }

  /** Deletes counters whose window and block are over (one per address that ever failed). */
  private async sweep(now: number): Promise<void> {
    this.lastSweep = now;
    try {
      await this.writeQueue.concurrentTransaction(async (m) => {
        if (!this.closed) await m.query(this.sql('DELETE FROM "rate_limit" WHERE "expiresAt" < $1'), [now]);
      });
    } catch {
      // Best effort: the next sweep tries again, and stale rows restart at 1 on their next hit.
    }
  }

  private remember(id: string, blockedUntil: number, now: number): void {
    this.cache.delete(id);
    if (this.cache.size >= CACHE_KEYS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { blockedUntil, checkedUntil: now + this.unblockedCacheMs });
  }

  /** `$n` placeholders for PostgreSQL, `?n` for SQLite (both bind by position). */
  private sql(text: string): string {
    return this.postgres ? text : text.replace(/\$(\d+)/g, '?$1');
  }
}
