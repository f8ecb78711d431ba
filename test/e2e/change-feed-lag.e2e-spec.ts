import sqlite3 from 'sqlite3';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

/**
 * `flowgate_change_feed_lag_seconds`: from a change-log row's creation to its delivery to
 * this process's subscribers, for the process's own commits (`origin="local"`) and for rows
 * another writer committed, read from the log (`origin="remote"`: SQLite tailing in `e2e`,
 * PostgreSQL LISTEN/NOTIFY in `e2e-postgres`).
 */
describe('change-feed lag metric', () => {
  let t: ConsentTestApp;
  beforeAll(async () => {
    t = await startConsentApp();
  });
  afterAll(() => t.close());

  const NAME = 'flowgate_change_feed_lag_seconds';
  /** The histogram's series for `origin`: count, sum, and the count at or under 1 s. */
  const lag = async (origin: 'local' | 'remote') => {
    const text = (await t.http().get('/metrics').set('Authorization', t.admin).expect(200)).text;
    const read = (suffix: string, extra = '') => {
      const line = text.split('\n').find((l) => l.startsWith(`${NAME}${suffix}{`) && l.includes(`origin="${origin}"`) && l.includes(extra));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    return { count: read('_count'), sum: read('_sum'), underOneSecond: read('_bucket', 'le="1"') };
  };
  const until = async (probe: () => Promise<boolean>, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('counts each consent change this process commits, delivered within moments of its row', async () => {
    const before = await lag('local');
    for (let i = 0; i < 5; i++) {
      await t.http().put('/api/v1/me/preferences/vendor-c.support').set('Authorization', t.user(`lag-user-${i}`)).send({ granted: i % 2 === 0 }).expect(200);
    }
    const after = await lag('local');
    expect(after.count - before.count).toBe(5);
    // Appended inside the write transaction, published right after its commit.
    expect(after.underOneSecond - before.underOneSecond).toBe(5);
    expect(after.sum - before.sum).toBeGreaterThanOrEqual(0);
  });

  it('measures a row another writer committed from its createdAt, when the follower reads it', async () => {
    const before = await lag('remote');
    // Another writer (no `committed()` here): a row written 2 s ago by the database's clock.
    if (t.database === 'postgres') {
      await t.query(`INSERT INTO change_log (kind, "userId", version, "createdAt") VALUES ('consent', 'lag-probe', 1, now() - interval '2 seconds')`);
      const [{ id }] = await t.query<{ id: number }>('SELECT MAX(id) AS id FROM change_log');
      await t.query(`SELECT pg_notify('flowgate_changes', ?)`, [String(id)]);
    } else {
      // On a connection of its own, as another process or the CLI writes: the follower reads
      // the log only when `PRAGMA data_version` says another connection committed.
      await otherConnection(t.config.databasePath, `INSERT INTO change_log (kind, "userId", version, "createdAt") VALUES ('consent', 'lag-probe', 1, strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 seconds'))`);
    }
    await until(async () => (await lag('remote')).count > before.count, 10_000);
    const after = await lag('remote');
    expect(after.count - before.count).toBe(1);
    expect(after.underOneSecond - before.underOneSecond).toBe(0);
    // 2 s old when written, plus however long the follower took (poll, watcher or NOTIFY).
    expect(after.sum - before.sum).toBeGreaterThanOrEqual(1.9);
    expect(after.sum - before.sum).toBeLessThan(12);
  });
});

/** Runs `sql` on a new sqlite3 connection to `file`, then closes it. */
function otherConnection(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (opened) => {
      if (opened) return reject(opened);
      db.configure('busyTimeout', 5000);
      db.run(sql, (error) => db.close(() => (error ? reject(error) : resolve())));
    });
  });
}
