import type { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { openDatabase } from '../../src/database/database.module';
import { WriteQueue } from '../../src/database/write-queue';
import { ChangeLogService, type LogEntry } from '../../src/policy/change-log.service';
import { startTestApp, type TestApp } from '../support/test-app';
import { testDatabaseKind } from '../support/test-database';

/**
 * The change log against a real database, with a second connection standing in for another
 * process (its own data source, queue and writer, no follower): what it commits, the app's
 * follower publishes once each, in id order; what it rolls back, never.
 */
describe(ChangeLogService.name, () => {
  let t: TestApp;
  let other: DataSource;
  let otherLog: ChangeLogService;
  let otherQueue: WriteQueue;
  const seen: LogEntry[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    t.app.get(ChangeLogService).live.subscribe((e) => seen.push(e));
    other = await openDatabase(dataSourceOptions(t.config));
    otherQueue = new WriteQueue(other);
    otherLog = new ChangeLogService(other, otherQueue, t.config);
  });
  afterAll(async () => {
    await other?.destroy();
    await t?.close();
  });

  const waitFor = async (probe: () => boolean, timeoutMs = 3000) => {
    const started = Date.now();
    while (!probe()) {
      if (Date.now() - started > timeoutMs) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it("publishes another process's entries once each, in id order, and none it rolled back", async () => {
    seen.length = 0;
    const appended: LogEntry[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 5 === 4) {
        await expect(
          otherQueue.transaction(async (m) => {
            await otherLog.append(m, [{ kind: 'consent', userId: 'rolled-back', version: i }]);
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
      } else {
        appended.push(...(await otherQueue.transaction((m) => otherLog.append(m, [{ kind: 'consent', userId: `u-${i}`, version: 1 }, { kind: 'token', tokenId: i }]))));
      }
    }
    await waitFor(() => seen.length >= appended.length);
    await new Promise((r) => setTimeout(r, 100)); // nothing more arrives
    expect(seen).toEqual(appended);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((x, y) => x - y));
    expect(seen.some((e) => e.kind === 'consent' && e.userId === 'rolled-back')).toBe(false);
  });

  it('orders a writer that waited behind another by commit, so the follower skips nothing', async () => {
    seen.length = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let firstIn!: () => void;
    const first = new Promise<void>((r) => (firstIn = r));
    // The other process appends and holds its transaction open.
    const slow = otherQueue.concurrentTransaction(async (m) => {
      const entries = await otherLog.append(m, [{ kind: 'consent', userId: 'slow', version: 1 }]);
      firstIn();
      await held;
      return entries;
    });
    await first;
    // The app appends meanwhile: on PostgreSQL it waits for the log's lock, on SQLite for the file's.
    const log = t.app.get(ChangeLogService);
    const fast = t.app.get(WriteQueue).concurrentTransaction((m) => log.append(m, [{ kind: 'consent', userId: 'fast', version: 1 }]));
    await new Promise((r) => setTimeout(r, 200));
    release();
    const [[slowEntry], [fastEntry]] = await Promise.all([slow, fast]);
    expect(fastEntry.id).toBeGreaterThan(slowEntry.id);
    await waitFor(() => seen.length >= 2);
    expect(seen.map((e) => e.id)).toEqual([slowEntry.id, fastEntry.id]);
  });

  // PostgreSQL only: SQLite has no connection to lose.
  if (testDatabaseKind() === 'postgres') {
    it('listens again after its LISTEN connection is killed, and reads what was committed meanwhile', async () => {
      seen.length = 0;
      const log = t.app.get(ChangeLogService);
      expect(log.status().listening).toBe(true);
      await other.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flowgate-listen' AND datname = current_database()`);
      await waitFor(() => log.status().listening === false);
      expect(log.status().live).toBe(false);
      const [entry] = await otherQueue.transaction((m) => otherLog.append(m, [{ kind: 'policy', version: 999 }]));
      await waitFor(() => log.status().listening === true, 5000);
      await waitFor(() => seen.some((e) => e.id === entry.id), 3000);
      expect(log.status().live).toBe(true);
    });
  }
});
