import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import type { SqlTx } from '../database/sql-tx';
import { WriteQueue } from '../database/write-queue';
import {
  checkLedger,
  checkpointDigest,
  headOf,
  sealCheckpointWithHead,
  type CheckpointHead,
  type CheckpointRow,
  type Ledger,
  type LedgerProblem,
} from './checkpoint';
import type { StoredChainedEvent } from './consent-chain';
import { RECEIPT_KEY, type ReceiptKeySource } from './receipt-signer';

/** What a receipt carries of the checkpoint that covers the user's latest event. */
export interface CheckpointReference {
  checkpoint: number;
  /** SHA-256 of the checkpoint's payload and signature, as stored. */
  digest: string;
  logHash: string;
  eventId: number;
  eventHash: string;
  kid: string;
}

/** Written beside the signing key after each sealed batch: the newest checkpoint, outside the database. */
const WITNESS_FILE = 'consent-checkpoint-witness.json';
/** The witness is always this many bytes (JSON, padded with spaces, then a newline), overwritten in place. */
const WITNESS_BYTES = 256;

interface Witness {
  checkpoint: number;
  digest: string;
}

/**
 * Seals each consent write batch with a signed checkpoint (`checkpoint.ts`), with the
 * receipt-signing key (kept outside the database; its retired public keys still verify
 * old checkpoints), and checks the stored checkpoints. Besides the database, the newest
 * checkpoint's number and digest go to a witness file in the data folder, so deleting or
 * replacing checkpoints wholesale in the database file is caught too.
 */
@Injectable()
export class ConsentCheckpoints implements OnModuleDestroy {
  private readonly logger = new Logger('ConsentCheckpoints');
  /**
   * Sealed in running transactions, oldest first (PostgreSQL: up to two consent batches in
   * flight); each becomes `lastSealed` and the witness once its transaction commits.
   */
  private pending: Array<{ row: CheckpointRow; head: CheckpointHead; generation: number }> = [];
  private lastSealed: CheckpointHead | null = null;
  /** The write queue's generation when `lastSealed` was sealed (SQLite: still the newest while unchanged). */
  private lastSealedGeneration = -1;
  /** Checkpoints whose signature this process has verified (by key and digest). */
  private readonly verified = new Set<string>();
  private readonly witnessFile: string;
  /** The witness file, open for writing, with the inode it was opened as. */
  private witness: { fd: number; dev: number; ino: number } | null = null;

  constructor(
    @Inject(RECEIPT_KEY) private readonly key: ReceiptKeySource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(FLOWGATE_CONFIG) config: FlowgateConfig,
    private readonly writeQueue: WriteQueue,
  ) {
    this.witnessFile = join(config.dataDir, WITNESS_FILE);
  }

  /** SQLite, in the writer's transaction (which holds the file): signs the batch's events (id order) as the next checkpoint. */
  async seal(tx: SqlTx, events: readonly StoredChainedEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One transaction at a time holds the file: whatever an earlier attempt sealed (one rolled back, or run again) is void.
    this.pending = [];
    let previous: CheckpointHead | null;
    const generation = this.writeQueue.generation;
    if (tx.kind === 'sqlite' && this.lastSealed !== null && this.lastSealedGeneration === generation) {
      // SQLite, write lock held, nobody else wrote since this process sealed it: still the newest.
      previous = this.lastSealed;
    } else {
      const [{ id: rawLastId }] = await tx.all<{ id: number | string | null }>('SELECT MAX(id) AS id FROM consent_checkpoint');
      const lastId = rawLastId === null ? null : Number(rawLastId);
      previous = null;
      if (lastId !== null) {
        // The newest checkpoint is usually the one this process sealed: read it only when not.
        if (this.lastSealed?.seq === lastId) {
          previous = this.lastSealed;
        } else {
          const rows = await tx.all<CheckpointRow>(
            'SELECT id, "firstEventId", "lastEventId", payload, signature, kid FROM consent_checkpoint WHERE id = ?',
            [lastId],
          );
          previous = headOf(rows[0]);
        }
      }
    }
    const row = this.sealAfter(previous, events, generation);
    await tx.run('INSERT INTO consent_checkpoint (id, "firstEventId", "lastEventId", payload, signature, kid) VALUES (?, ?, ?, ?, ?, ?)', [
      row.id,
      row.firstEventId,
      row.lastEventId,
      row.payload,
      row.signature,
      row.kid,
    ]);
  }

  /**
   * PostgreSQL: the batch's checkpoint after `newest`, for the writer to insert with the
   * batch. `newest` is the newest checkpoint as `flowgate_consent_begin` read it under the
   * checkpoint lock, or as the writer remembers it, which `flowgate_consent_write` checks
   * under that lock before it inserts anything. Null when there are no events.
   */
  sealNext(newest: CheckpointRow | null, events: readonly StoredChainedEvent[]): CheckpointRow | null {
    if (events.length === 0) return null;
    const id = newest === null ? null : Number(newest.id);
    const previous =
      newest === null
        ? null
        : this.lastSealed?.seq === id
          ? this.lastSealed
          : (this.pending.find((p) => p.head.seq === id && p.row.signature === newest.signature)?.head ?? headOf(newest));
    return this.sealAfter(previous, events, this.writeQueue.generation);
  }

  /**
   * A sealed checkpoint will not be committed (its transaction failed, or wrote nothing): the
   * witness must not record it. `row`: that one (PostgreSQL, `sealNext`'s); none: every pending one.
   */
  abandon(row?: CheckpointRow | null): void {
    if (row === undefined) this.pending = [];
    else this.pending = this.pending.filter((p) => p.row !== row);
  }

  private sealAfter(previous: CheckpointHead | null, events: readonly StoredChainedEvent[], generation: number): CheckpointRow {
    const { row, head } = sealCheckpointWithHead(previous, events, { privateKey: this.key.privateKey, kid: this.key.jwk.kid }, this.clock.now().toISOString());
    this.pending.push({ row, head, generation });
    return row;
  }

  /**
   * After the writer's transaction committed: the witness follows its checkpoint (the newest:
   * batches in flight commit in the order they were sealed, and are passed here in that order).
   * The writer answers a batch's requests only once the returned promise resolves, which it
   * does at once: the witness is written here, synchronously, as one `pwrite` of a fixed-size
   * record at offset 0 of a file kept open (about 2 µs; it was a temporary file and a rename,
   * four trips to the thread pool per batch, and a synchronous write and rename cost ~230 µs).
   * The record's write is one syscall into the page cache, so a `kill -9` leaves it whole
   * (a reader that meets it half-way reads again); the file is reopened if it was replaced
   * or removed.
   */
  committed(row?: CheckpointRow | null): Promise<void> {
    // `row`: that checkpoint (PostgreSQL, `sealNext`'s; null: the batch had none); none: the oldest pending.
    const at = row === undefined ? 0 : row === null ? -1 : this.pending.findIndex((p) => p.row === row);
    if (at < 0 || at >= this.pending.length) return Promise.resolve();
    const [sealed] = this.pending.splice(at, 1);
    const { head } = sealed;
    this.lastSealed = head;
    this.lastSealedGeneration = sealed.generation;
    this.writeWitness({ checkpoint: head.seq, digest: head.digest });
    return Promise.resolve();
  }

  onModuleDestroy(): void {
    if (this.witness !== null) closeSync(this.witness.fd);
    this.witness = null;
  }

  private writeWitness(witness: Witness): void {
    try {
      const record = Buffer.alloc(WITNESS_BYTES, ' ');
      const length = record.write(JSON.stringify(witness));
      if (length >= WITNESS_BYTES - 1) throw new Error('the witness record does not fit');
      record[WITNESS_BYTES - 1] = 0x0a;
      writeSync(this.witnessFd(), record, 0, WITNESS_BYTES, 0);
    } catch (error) {
      this.logger.warn(`Could not write ${this.witnessFile}: ${String(error)}`);
      this.onModuleDestroy(); // reopened by the next write
    }
  }

  /** The open witness file: reopened when the path no longer names the file that was opened. */
  private witnessFd(): number {
    const open = this.witness;
    if (open !== null) {
      try {
        const now = statSync(this.witnessFile);
        if (now.ino === open.ino && now.dev === open.dev) return open.fd;
      } catch {
        // removed: created again below
      }
      this.onModuleDestroy();
    }
    const fd = openSync(this.witnessFile, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      ftruncateSync(fd, WITNESS_BYTES); // an older, longer file leaves no tail
      const { dev, ino } = fstatSync(fd);
      this.witness = { fd, dev, ino };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return fd;
  }

  /** Loads and checks every checkpoint, and the database against the witness file. */
  async ledger(m?: EntityManager): Promise<Ledger> {
    const read = (q: EntityManager) =>
      q.query('SELECT id, "firstEventId", "lastEventId", payload, signature, kid FROM consent_checkpoint ORDER BY id') as Promise<CheckpointRow[]>;
    const rows = m ? await read(m) : await this.writeQueue.transaction(read);
    const ledger = checkLedger(rows, [this.key.jwk, ...this.key.retired], this.verified);
    const problem = this.witnessProblem(rows);
    if (problem) ledger.problems.push(problem);
    return ledger;
  }

  /** The checkpoint covering `eventId`, for a receipt (null: none does). */
  async reference(m: EntityManager, event: { id: number; hash: string }): Promise<CheckpointReference | null> {
    const rows: CheckpointRow[] = await m.query(
      this.writeQueue.sql('SELECT id, "firstEventId", "lastEventId", payload, signature, kid FROM consent_checkpoint WHERE "firstEventId" <= ? AND "lastEventId" >= ? LIMIT 1'),
      [event.id, event.id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      checkpoint: row.id,
      digest: checkpointDigest(row),
      logHash: (JSON.parse(row.payload) as { logHash: string }).logHash,
      eventId: event.id,
      eventHash: event.hash,
      kid: row.kid,
    };
  }

  /** The checkpoint covering the user's event `seq` (their state version; null: 0, or none covers it). */
  referenceFor(userId: string, seq: number): Promise<CheckpointReference | null> {
    return this.writeQueue.transaction(async (m) => {
      const rows: Array<{ id: number; hash: string }> = await m.query(
        this.writeQueue.sql('SELECT id, hash FROM consent_event WHERE "userId" = ? AND seq = ?'),
        [userId, seq],
      );
      return rows[0] ? this.reference(m, rows[0]) : null;
    });
  }

  private witnessProblem(rows: readonly CheckpointRow[]): LedgerProblem | null {
    if (!existsSync(this.witnessFile)) return null;
    let witness: Witness | null = null;
    // Twice: a read that met a write of the record half-way (microseconds) gets it whole next time.
    for (let attempt = 0; attempt < 2 && witness === null; attempt++) {
      try {
        witness = JSON.parse(readFileSync(this.witnessFile, 'utf8')) as Witness;
      } catch {
        witness = null;
      }
    }
    if (witness === null) return { checkpoint: 0, problem: `${this.witnessFile} is not readable JSON` };
    const row = rows.find((r) => r.id === witness.checkpoint);
    if (!row) {
      return { checkpoint: witness.checkpoint, problem: `is missing from the database, but the witness file (${WITNESS_FILE}) records it` };
    }
    if (checkpointDigest(row) !== witness.digest) {
      return { checkpoint: witness.checkpoint, problem: `is not the checkpoint the witness file (${WITNESS_FILE}) records: it was replaced` };
    }
    return null;
  }
}
