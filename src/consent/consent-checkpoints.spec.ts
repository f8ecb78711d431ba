import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowgateConfig } from '../config/configuration';
import type { SqlTx } from '../database/sql-tx';
import type { WriteQueue } from '../database/write-queue';
import { checkpointDigest, type CheckpointRow } from './checkpoint';
import { ConsentCheckpoints } from './consent-checkpoints';
import { hashEvent, type StoredChainedEvent } from './consent-chain';
import { publicJwk, type ReceiptKeySource } from './receipt-signer';

const { privateKey } = generateKeyPairSync('ed25519');
const key: ReceiptKeySource = { privateKey, jwk: publicJwk(privateKey), origin: 'generated', file: '', retired: [] };
const WITNESS = 'consent-checkpoint-witness.json';

function event(id: number): StoredChainedEvent {
  const e = {
    id, userId: `user-${id}`, seq: 1, flowKey: 'vendor-b.analytics', choice: 'granted' as const, source: 'api' as const,
    flowVersion: 1, noticeHash: null, actor: 'admin', recordedAt: new Date(id * 1000).toISOString(), prevHash: '0'.repeat(64),
  };
  return { ...e, hash: hashEvent(e) };
}

/** The checkpoints of a data folder, sealing into an in-memory table (SQLite, one process). */
function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-witness-'));
  const rows: CheckpointRow[] = [];
  const queue = { kind: 'sqlite', generation: 0 } as unknown as WriteQueue;
  const checkpoints = new ConsentCheckpoints(key, { now: () => new Date() }, { dataDir: dir } as FlowgateConfig, queue);
  const tx: SqlTx = {
    kind: 'sqlite',
    all: async <T>() => [{ id: rows.at(-1)?.id ?? null }] as T[],
    run: async (_sql, params = []) => {
      const [id, firstEventId, lastEventId, payload, signature, kid] = params as [number, number, number, string, string, string];
      rows.push({ id, firstEventId, lastEventId, payload, signature, kid });
    },
  };
  let nextEvent = 1;
  return {
    dir,
    file: join(dir, WITNESS),
    rows,
    checkpoints,
    /** Seals and commits one batch of one event; the witness it should now record. */
    async batch() {
      await checkpoints.seal(tx, [event(nextEvent++)]);
      await checkpoints.committed();
      const row = rows.at(-1)!;
      return { checkpoint: row.id, digest: checkpointDigest(row) };
    },
    close() {
      checkpoints.onModuleDestroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;

describe('ConsentCheckpoints witness file', () => {
  it('records the newest committed checkpoint, a record of fixed size overwritten in place', async () => {
    const t = setUp();
    try {
      for (let i = 0; i < 5; i++) {
        const expected = await t.batch();
        expect(read(t.file)).toEqual(expected);
        expect(statSync(t.file).size).toBe(256);
        expect(readFileSync(t.file, 'utf8').endsWith('\n')).toBe(true);
      }
      expect(t.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      t.close();
    }
  });

  it('follows the path, not the file it opened: a replaced or removed witness is written again', async () => {
    const t = setUp();
    try {
      const first = await t.batch();
      renameSync(t.file, `${t.file}.old`);
      writeFileSync(t.file, `${JSON.stringify({ checkpoint: 0, digest: 'x'.repeat(600) })}\n`); // longer than a record
      const second = await t.batch();
      expect(read(t.file)).toEqual(second);
      expect(statSync(t.file).size).toBe(256);
      expect(read(`${t.file}.old`)).toEqual(first); // the moved-away file was not written to
      rmSync(t.file);
      const third = await t.batch();
      expect(read(t.file)).toEqual(third);
    } finally {
      t.close();
    }
  });

  it('a database whose newest checkpoints were deleted disagrees with the witness', async () => {
    const t = setUp();
    try {
      await t.batch();
      await t.batch();
      const ledger = await t.checkpoints.ledger({ query: async () => t.rows.slice(0, 1) } as never);
      expect(ledger.problems).toEqual([
        { checkpoint: 2, problem: `is missing from the database, but the witness file (${WITNESS}) records it` },
      ]);
      const whole = await t.checkpoints.ledger({ query: async () => t.rows } as never);
      expect(whole.problems).toEqual([]);
    } finally {
      t.close();
    }
  });

  it('PostgreSQL, two batches in flight: each seal is committed or abandoned by its row, the second sealed on the first', async () => {
    const t = setUp();
    try {
      const at = (row: CheckpointRow) => ({ checkpoint: row.id, digest: checkpointDigest(row) });
      const first = t.checkpoints.sealNext(null, [event(1)])!;
      const second = t.checkpoints.sealNext(first, [event(2)])!; // built on the first, not yet committed
      expect(second.id).toBe(first.id + 1);
      expect(JSON.parse(second.payload).prev).toBe(checkpointDigest(first));
      await t.checkpoints.committed(first);
      expect(read(t.file)).toEqual(at(first));
      await t.checkpoints.committed(second);
      expect(read(t.file)).toEqual(at(second));
      // The first of the next two is abandoned (written nothing): the second is refused too and
      // sealed again on the committed one; the witness never records an abandoned seal.
      const third = t.checkpoints.sealNext(second, [event(3)])!;
      const fourth = t.checkpoints.sealNext(third, [event(4)])!;
      t.checkpoints.abandon(third);
      await t.checkpoints.committed(third); // no longer pending: nothing to record
      expect(read(t.file)).toEqual(at(second));
      t.checkpoints.abandon(fourth);
      const again = t.checkpoints.sealNext(second, [event(3)])!;
      await t.checkpoints.committed();
      expect(read(t.file)).toEqual(at(again));
      await t.checkpoints.committed(null); // a batch without events
      expect(read(t.file)).toEqual(at(again));
    } finally {
      t.close();
    }
  });
});
