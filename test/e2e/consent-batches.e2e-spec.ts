import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsentService } from '../../src/consent/consent.service';
import { WriteQueue } from '../../src/database/write-queue';
import { ChangeLogService } from '../../src/policy/change-log.service';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';

/**
 * The consent writer's group commit under a burst of concurrent writes: every chain and
 * checkpoint verifies, the witness file records the newest checkpoint, and on PostgreSQL the
 * batches' own NOTIFYs cost the follower no read of the change log (it publishes the
 * entries from the commits' answers).
 */
const USERS = 24;
const WRITES = 360;
const FLOWS = ['vendor-b.product-analytics', 'vendor-c.support'];

describe('consent write batches', () => {
  let t: ConsentTestApp;
  beforeAll(async () => {
    t = await startConsentApp();
  });
  afterAll(() => t.close());

  it('keeps every chain, checkpoint and the witness whole, and the follower reads only what it has not published', async () => {
    const queue = t.app.get(WriteQueue);
    const changeLog = t.app.get(ChangeLogService);
    let batches = 0;
    const count = <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        batches++;
        return run(...args);
      };
    const twoStep = queue.postgresTwoStep.bind(queue);
    const writeTx = queue.writeTx.bind(queue);
    const statement = queue.postgresStatement.bind(queue);
    queue.postgresTwoStep = count(twoStep) as typeof queue.postgresTwoStep;
    queue.postgresStatement = count(statement) as typeof queue.postgresStatement;
    queue.writeTx = count(writeTx) as typeof queue.writeTx;
    const follower = changeLog as unknown as { sinceTimed: (...args: unknown[]) => Promise<unknown> };
    const since = follower.sinceTimed.bind(changeLog);
    let reads = 0;
    follower.sinceTimed = (...args: unknown[]) => {
      reads++;
      return since(...args);
    };
    try {
      // A sliding window of 32 requests at a time, so a batch is always committing while others wait.
      let next = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < WRITES) {
            const i = next++;
            const res = await t
              .http()
              .put(`/api/v1/me/preferences/${FLOWS[i % FLOWS.length]}`)
              .set('Authorization', t.user(`burst-${i % USERS}`))
              .send({ granted: i % 3 !== 0 });
            statuses.push(res.status);
          }
        }),
      );
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      queue.postgresTwoStep = twoStep;
      queue.postgresStatement = statement;
      queue.writeTx = writeTx;
      follower.sinceTimed = since;
    }

    expect(batches).toBeLessThan(WRITES);
    if (t.database === 'postgres') {
      // Only the fallback poll (every second) and the odd gap read the log: not one read per batch.
      expect(reads).toBeLessThan(batches / 4);
    }

    // Every event is stored, each user's chain verifies, and so does every checkpoint.
    const [{ n }] = await t.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM consent_event WHERE "userId" LIKE 'burst-%'`);
    expect(Number(n)).toBe(WRITES);
    for (let u = 0; u < USERS; u++) {
      const res = await t.http().get(`/api/v1/users/burst-${u}/verify`).set('Authorization', t.admin).expect(200);
      expect(res.body).toMatchObject({ ok: true });
    }
    const ledger = await t.app.get(ConsentService).ledger();
    expect(ledger.problems).toEqual([]);
    // Checkpoints cover disjoint id ranges, each batch's events, in order.
    const checkpoints = await t.query<{ id: number; firstEventId: number; lastEventId: number }>(
      'SELECT id, "firstEventId", "lastEventId" FROM consent_checkpoint ORDER BY id',
    );
    for (let i = 1; i < checkpoints.length; i++)
      expect(Number(checkpoints[i].firstEventId)).toBeGreaterThan(Number(checkpoints[i - 1].lastEventId));
    // The witness records the newest checkpoint (written after the last answer's batch).
    const witness = JSON.parse(readFileSync(join(t.config.dataDir, 'consent-checkpoint-witness.json'), 'utf8')) as { checkpoint: number };
    expect(witness.checkpoint).toBe(Number(checkpoints.at(-1)!.id));
    // 360 real writes and 24 chain checks: about a second alone, past Jest's 5 s default once
    // on the loaded shared machine; a hang still fails it.
  }, 60_000);
});
