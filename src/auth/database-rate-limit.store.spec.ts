import { jest } from '@jest/globals';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/configuration';
import { openDatabase } from '../database/database.module';
import { dataSourceOptions } from '../database/data-source-options';
import { WriteQueue } from '../database/write-queue';
import { DatabaseRateLimitStore } from './database-rate-limit.store';
import type { RateLimitRule } from './rate-limit';

/** The store on a real SQLite file with the real migrations; `connections` share the file like processes do. */
describe('DatabaseRateLimitStore', () => {
  let dir: string;
  let a: DataSource;
  let b: DataSource;
  // One queue per connection, as the app has: it orders that connection's transactions.
  let qa: WriteQueue;
  let qb: WriteQueue;
  const open = () => openDatabase(dataSourceOptions(loadConfig({ DATABASE_PATH: join(dir, 'flowgate.sqlite'), FLOWGATE_DATA_DIR: dir })));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-rate-limit-'));
    a = await open();
    b = await open();
    qa = new WriteQueue(a);
    qb = new WriteQueue(b);
  });
  afterAll(async () => {
    await a.destroy();
    await b.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts like a fixed window that blocks for a window once over, hit after hit and read after read', async () => {
    const rule: RateLimitRule = { name: 'model', points: 3, windowSeconds: 10 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ key: fc.constantFrom('x', 'y'), op: fc.constantFrom('hit', 'hit', 'read'), advanceMs: fc.integer({ min: 0, max: 6000 }) }),
          { minLength: 1, maxLength: 40 },
        ),
        async (steps) => {
          let now = 1_800_000_000_000;
          // No cache of "not blocked" reads: every answer is the database's.
          const store = new DatabaseRateLimitStore(a, qa, () => now, 0);
          const prefix = `run${run++}-`;
          const model = new Map<string, { points: number; expiresAt: number }>();
          for (const { key, op, advanceMs } of steps) {
            now += advanceMs;
            const m = model.get(key);
            if (op === 'hit') {
              if (m === undefined || m.expiresAt <= now) model.set(key, { points: 1, expiresAt: now + 10_000 });
              else {
                if (m.points === rule.points) m.expiresAt = now + 10_000;
                m.points++;
              }
              const after = model.get(key)!;
              const expected = after.points > rule.points ? after.expiresAt - now : 0;
              expect(await store.hit(rule, prefix + key)).toEqual({ retryAfterMs: expected });
            } else {
              const expected = m !== undefined && m.points > rule.points && m.expiresAt > now ? m.expiresAt - now : 0;
              expect(await store.blockedFor(rule, prefix + key)).toBe(expected);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('counts every hit exactly once when two connections to one file hit the same key at once', async () => {
    const rule: RateLimitRule = { name: 'race', points: 20, windowSeconds: 60 };
    const one = new DatabaseRateLimitStore(a, qa);
    const two = new DatabaseRateLimitStore(b, qb);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one : two).hit(rule, 'ip:10.0.0.1')));
    const allowed = results.filter((r) => r.retryAfterMs === 0).length;
    expect(allowed).toBe(20);
    for (const r of results.filter((x) => x.retryAfterMs > 0)) {
      expect(r.retryAfterMs).toBeGreaterThan(55_000);
      expect(r.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await qa.read((m) => m.query(`SELECT "points" FROM "rate_limit" WHERE "key" = 'race:ip:10.0.0.1'`))).toEqual([{ points: 50 }]);
  }, 30_000);

  it('sees a block another instance made once its own "not blocked" answer is a second old, and keeps it without asking again', async () => {
    const rule: RateLimitRule = { name: 'seen', points: 2, windowSeconds: 60 };
    let now = 1_800_000_000_000;
    const one = new DatabaseRateLimitStore(a, qa, () => now);
    const two = new DatabaseRateLimitStore(b, qb, () => now);
    expect(await two.blockedFor(rule, 'k')).toBe(0);
    for (let i = 0; i < 2; i++) expect((await one.hit(rule, 'k')).retryAfterMs).toBe(0);
    expect((await one.hit(rule, 'k')).retryAfterMs).toBe(60_000);
    expect(await one.blockedFor(rule, 'k')).toBe(60_000);
    // Two's answer is cached for a second: still "not blocked", with no query.
    now += 500;
    expect(await two.blockedFor(rule, 'k')).toBe(0);
    now += 600;
    expect(await two.blockedFor(rule, 'k')).toBe(58_900);
    // Known blocked: answered from memory even with the row gone, until the block ends.
    await qb.transaction((m) => m.query(`DELETE FROM "rate_limit" WHERE "key" = 'seen:k'`));
    now += 30_000;
    expect(await two.blockedFor(rule, 'k')).toBe(28_900);
    now += 28_900;
    expect(await two.blockedFor(rule, 'k')).toBe(0);
  });

  it('makes one query for a burst of checks of one key', async () => {
    const store = new DatabaseRateLimitStore(a, qa);
    const reads = jest.spyOn(qa, 'readOnce');
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => store.blockedFor({ name: 'burst', points: 20, windowSeconds: 60 }, 'ip:10.0.0.9')));
      expect(answers).toEqual(Array(40).fill(0));
      expect(reads).toHaveBeenCalledTimes(1);
      // Answered "not blocked" a moment ago: no query for the next second.
      await store.blockedFor({ name: 'burst', points: 20, windowSeconds: 60 }, 'ip:10.0.0.9');
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('deletes counters whose window is over', async () => {
    let now = 1_900_000_000_000;
    const store = new DatabaseRateLimitStore(a, qa, () => now);
    await store.hit({ name: 'sweep', points: 5, windowSeconds: 1 }, 'old');
    now += 120_000;
    await store.hit({ name: 'sweep', points: 5, windowSeconds: 1 }, 'new');
    // The sweep runs after the hit answers, in the write queue: the next write waits for it.
    await qa.transaction(async () => undefined);
    const keys = (await qa.read((m) => m.query(`SELECT "key" FROM "rate_limit" WHERE "key" LIKE 'sweep:%'`))) as { key: string }[];
    expect(keys.map((k) => k.key)).toEqual(['sweep:new']);
  });

  it('starts no sweep once the module is being destroyed (the database closes next)', async () => {
    let now = 1_950_000_000_000;
    const store = new DatabaseRateLimitStore(a, qa, () => now);
    await store.hit({ name: 'closing', points: 5, windowSeconds: 1 }, 'old');
    await store.onModuleDestroy();
    now += 120_000;
    await store.hit({ name: 'closing', points: 5, windowSeconds: 1 }, 'new');
    await qa.transaction(async () => undefined);
    const keys = (await qa.read((m) => m.query(`SELECT "key" FROM "rate_limit" WHERE "key" LIKE 'closing:%' ORDER BY "key"`))) as { key: string }[];
    expect(keys.map((k) => k.key)).toEqual(['closing:new', 'closing:old']);
  });
});
