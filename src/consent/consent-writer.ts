import { Inject, Injectable, Logger, type BeforeApplicationShutdown, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../auth/clock';
import { WriteQueue } from '../database/write-queue';
import { ConsentCheckpoints } from './consent-checkpoints';
import { ChangeLogService } from '../policy/change-log.service';
import { hashEvent, type StoredChainedEvent } from './consent-chain';
import { ConsentError } from './consent.errors';
import { GENESIS_HASH } from './consent.vocabulary';
import type { Choice, ConsentSource } from '@flowgate/core';
import { MetricsService } from '../observability/metrics.service';

/** A checked change, ready to record: the flow exists, may be set, at this version, with this notice. */
export interface PreparedChange {
  flowKey: string;
  choice: Choice;
  flowVersion: number;
  notice: { hash: string; text: string };
}

/** One request's write: its changes for one user, all or nothing. */
export interface WriteRequest {
  userId: string;
  changes: readonly PreparedChange[];
  /** Record a Global Privacy Control signal first, unless one is on record. */
  gpc: boolean;
  source: ConsentSource;
  actor: string;
  idempotency?: { key: string; requestHash: string };
}

export interface StoredResponse {
  userId: string;
  version: number;
  events: StoredChainedEvent[];
}

export type WriteOutcome =
  | { kind: 'written'; response: StoredResponse; changeId: number }
  | { kind: 'replayed'; response: StoredResponse }
  /** Nothing to record (a GPC signal already on record). */
  | { kind: 'unchanged'; version: number };

interface Pending {
  request: WriteRequest;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
  outcome?: WriteOutcome;
  error?: unknown;
}

interface Head {
  version: number;
  lastHash: string;
  gpc: boolean;
  gpcAt: string | null;
}

/** Events per transaction, about: a batch is closed once it holds this many. */
const MAX_BATCH_EVENTS = 2000;
const MAX_BATCH_REQUESTS = 500;
/** Rows per INSERT statement (12 columns × 400 stays far below SQLite's variable limit). */
const ROWS_PER_STATEMENT = 400;

/**
 * Group commit for consent writes. Requests wait while a transaction runs; the next
 * transaction takes all that are waiting and writes them with a few set-based statements,
 * so one commit (one fsync, `synchronous=FULL`) acknowledges many changes. Each request
 * is still all-or-nothing: its checks happen before anything is written, and a database
 * error in a batch re-runs that batch's requests one transaction each. A request's promise
 * settles only after its transaction has committed.
 */
@Injectable()
export class ConsentWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ConsentWriter');
  private waiting: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closing = false;
  /** Notice texts known to be stored (only ever grows after a commit). */
  private readonly storedNotices = new Set<string>();

  constructor(
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly checkpoints: ConsentCheckpoints,
    private readonly changeLog: ChangeLogService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * On shutdown (before the HTTP server and the database close): refuse new writes with 503
   * and let the queued ones commit and be answered.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    while (this.draining !== null) await this.draining;
  }

  write(request: WriteRequest): Promise<WriteOutcome> {
    if (this.closing) {
      return Promise.reject(new ConsentError('SHUTTING_DOWN', 'The server is shutting down: try again shortly'));
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.draining ??= this.drain().finally(() => {
        this.draining = null;
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.take();
      try {
        await this.commit(batch);
      } catch (error) {
        if (batch.length === 1) {
          batch[0].error = error;
        } else {
          this.logger.warn(`A batch of ${batch.length} consent writes failed; writing them one by one: ${String(error)}`);
          for (const one of batch) {
            delete one.outcome;
            delete one.error;
            try {
              await this.commit([one]);
            } catch (single) {
              one.error = single;
            }
          }
        }
      }
      for (const p of batch) {
        if (p.error !== undefined) p.reject(p.error);
        else p.resolve(p.outcome!);
      }
    }
  }

  private take(): Pending[] {
    let events = 0;
    let n = 0;
    while (n < this.waiting.length && n < MAX_BATCH_REQUESTS && events < MAX_BATCH_EVENTS) {
      events += this.waiting[n].request.changes.length + 1;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  /** Writes `batch` in one transaction, setting each request's outcome or (checks only) error. */
  private async commit(batch: Pending[]): Promise<void> {
    const newNotices = new Map<string, string>();
    // Chain order comes from the database: on PostgreSQL these users' advisory locks are
    // held to commit (another instance writing for them waits); on SQLite the transaction
    // holds the file. Idempotency keys are read here and enforced by their primary key.
    const sql = (text: string) => this.writeQueue.sql(text);
    const sources: string[] = [];
    await this.writeQueue.concurrentTransaction(async (m) => {
      const userIds = [...new Set(batch.map((p) => p.request.userId))];
      await this.writeQueue.lockUsers(m, userIds);
      const heads = await readHeads(m, sql, userIds);
      const keys = await readIdempotency(m, sql, batch.map((p) => p.request));
      await this.checkpoints.lock(m);
      const eventIds = await reserveEventIds(m, this.writeQueue.kind, batch);
      let nextId = 0;
      const events: StoredChainedEvent[] = [];
      const states = new Map<string, StoredChainedEvent>();
      const touched = new Set<string>();
      const changes: Array<{ pending: Pending; response: StoredResponse }> = [];
      const idempotency: Array<[string, string, string, string, string]> = [];

      for (const p of batch) {
        const { request } = p;
        const now = this.clock.now().toISOString();
        if (request.idempotency) {
          const earlier = keys.get(idempotencyKey(request.userId, request.idempotency.key));
          if (earlier) {
            if (earlier.requestHash !== request.idempotency.requestHash) {
              p.error = new ConsentError(
                'IDEMPOTENCY_KEY_REUSED',
                `Idempotency-Key "${request.idempotency.key}" was already used for a different request`,
              );
            } else {
              p.outcome = { kind: 'replayed', response: earlier.response };
            }
            continue;
          }
        }
        const head = heads.get(request.userId) ?? { version: 0, lastHash: GENESIS_HASH, gpc: false, gpcAt: null };
        const own: StoredChainedEvent[] = [];
        const add = (e: Pick<StoredChainedEvent, 'flowKey' | 'choice' | 'source' | 'flowVersion' | 'noticeHash'>) => {
          const unhashed = {
            ...e,
            id: eventIds[nextId++],
            userId: request.userId,
            seq: head.version + own.length + 1,
            actor: request.actor,
            recordedAt: now,
            prevHash: own.at(-1)?.hash ?? head.lastHash,
          };
          own.push({ ...unhashed, hash: hashEvent(unhashed) });
        };
        const newGpc = request.gpc && !head.gpc;
        if (newGpc) add({ flowKey: null, choice: 'denied', source: 'gpc', flowVersion: null, noticeHash: null });
        for (const c of request.changes) {
          add({ flowKey: c.flowKey, choice: c.choice, source: request.source, flowVersion: c.flowVersion, noticeHash: c.notice.hash });
          if (!this.storedNotices.has(c.notice.hash)) newNotices.set(c.notice.hash, c.notice.text);
        }
        if (own.length === 0) {
          p.outcome = { kind: 'unchanged', version: head.version };
          continue;
        }
        const next: Head = {
          version: head.version + own.length,
          lastHash: own.at(-1)!.hash,
          gpc: head.gpc || newGpc,
          gpcAt: head.gpcAt ?? (newGpc ? now : null),
        };
        heads.set(request.userId, next);
        touched.add(request.userId);
        for (const e of own) {
          events.push(e);
          if (e.flowKey !== null) states.set(`${e.userId}\u0000${e.flowKey}`, e);
        }
        const response: StoredResponse = { userId: request.userId, version: next.version, events: own };
        if (request.idempotency) {
          const { key, requestHash } = request.idempotency;
          keys.set(idempotencyKey(request.userId, key), { requestHash, response });
          idempotency.push([request.userId, key, requestHash, JSON.stringify(response), now]);
        }
        changes.push({ pending: p, response });
      }

      sources.push(...events.map((e) => e.source));
      await insertRows(m, sql, 'INSERT INTO consent_notice (hash, text) VALUES', [...newNotices], 'ON CONFLICT DO NOTHING');
      await insertRows(
        m,
        sql,
        'INSERT INTO consent_event (id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash) VALUES',
        events.map((e) => [e.id, e.userId, e.seq, e.flowKey, e.choice, e.source, e.flowVersion, e.noticeHash, e.actor, e.recordedAt, e.prevHash, e.hash]),
      );
      // The batch's signed checkpoint, in the same transaction: no event exists that no signature covers.
      await this.checkpoints.seal(m, events);
      await insertRows(
        m,
        sql,
        'INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt") VALUES',
        [...states.values()].map((e) => [e.userId, e.flowKey, e.choice, e.flowVersion, e.source, e.id, e.recordedAt]),
        `ON CONFLICT ("userId", "flowKey") DO UPDATE SET choice = excluded.choice, "flowVersion" = excluded."flowVersion",
           source = excluded.source, "eventId" = excluded."eventId", "recordedAt" = excluded."recordedAt"`,
      );
      await insertRows(
        m,
        sql,
        'INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt") VALUES',
        [...touched].map((userId) => {
          const h = heads.get(userId)!;
          return [userId, h.version, h.lastHash, h.gpc, h.gpcAt];
        }),
        `ON CONFLICT ("userId") DO UPDATE SET version = excluded.version, "lastHash" = excluded."lastHash",
           gpc = excluded.gpc, "gpcAt" = excluded."gpcAt"`,
      );
      await insertRows(
        m,
        sql,
        'INSERT INTO consent_idempotency ("userId", key, "requestHash", response, "createdAt") VALUES',
        idempotency,
      );
      // Last: on PostgreSQL the change log's lock is held from here to commit.
      const logged = await this.changeLog.append(
        m,
        changes.map(({ response }) => ({ kind: 'consent' as const, userId: response.userId, version: response.version })),
      );
      changes.forEach(({ pending, response }, i) => {
        pending.outcome = { kind: 'written', response, changeId: logged[i].id };
      });
    });
    this.checkpoints.committed();
    for (const hash of newNotices.keys()) this.storedNotices.add(hash);
    this.metrics?.consentCommitted(batch.length, sources);
  }
}

function idempotencyKey(userId: string, key: string): string {
  return `${userId}\u0000${key}`;
}

type Sql = (text: string) => string;

/**
 * Ids for up to every event `batch` can record, in ascending order, from the database:
 * PostgreSQL's sequence, or (SQLite, write lock held) past the highest id ever used.
 */
async function reserveEventIds(m: EntityManager, kind: 'sqlite' | 'postgres', batch: readonly Pending[]): Promise<number[]> {
  const n = batch.reduce((sum, p) => sum + p.request.changes.length + 1, 0);
  if (kind === 'postgres') {
    const rows: Array<{ id: string | number }> = await m.query(
      `SELECT nextval(pg_get_serial_sequence('consent_event', 'id')) AS id FROM generate_series(1, $1)`,
      [n],
    );
    return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  }
  const last: Array<{ id: number }> = await m.query(
    `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'consent_event'), 0),
                COALESCE((SELECT MAX(id) FROM consent_event), 0)) AS id`,
  );
  const first = Number(last[0].id) + 1;
  return Array.from({ length: n }, (_, i) => first + i);
}

async function readHeads(m: EntityManager, sql: Sql, userIds: readonly string[]): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
  for (let i = 0; i < userIds.length; i += ROWS_PER_STATEMENT) {
    const chunk = userIds.slice(i, i + ROWS_PER_STATEMENT);
    const rows: Array<{ userId: string; version: number; lastHash: string; gpc: number | boolean; gpcAt: string | null }> =
      await m.query(
        sql(`SELECT "userId", version, "lastHash", gpc, "gpcAt" FROM consent_subject WHERE "userId" IN (${chunk.map(() => '?').join(', ')})`),
        chunk,
      );
    for (const r of rows) {
      heads.set(r.userId, { version: r.version, lastHash: r.lastHash, gpc: r.gpc === 1 || r.gpc === true, gpcAt: r.gpcAt });
    }
  }
  return heads;
}

async function readIdempotency(
  m: EntityManager,
  sql: Sql,
  requests: readonly WriteRequest[],
): Promise<Map<string, { requestHash: string; response: StoredResponse }>> {
  const found = new Map<string, { requestHash: string; response: StoredResponse }>();
  const keyed = requests.filter((r) => r.idempotency !== undefined);
  for (let i = 0; i < keyed.length; i += ROWS_PER_STATEMENT) {
    const chunk = keyed.slice(i, i + ROWS_PER_STATEMENT);
    const rows: Array<{ userId: string; key: string; requestHash: string; response: string }> = await m.query(
      sql(`SELECT "userId", key, "requestHash", response FROM consent_idempotency
        WHERE ("userId", key) IN (VALUES ${chunk.map(() => '(?, ?)').join(', ')})`),
      chunk.flatMap((r) => [r.userId, r.idempotency!.key]),
    );
    for (const r of rows) {
      found.set(idempotencyKey(r.userId, r.key), { requestHash: r.requestHash, response: JSON.parse(r.response) as StoredResponse });
    }
  }
  return found;
}

type SqlValue = string | number | boolean | null;

/** Multi-row INSERTs, `ROWS_PER_STATEMENT` rows at a time. */
async function insertRows(
  m: EntityManager,
  sql: Sql,
  head: string,
  rows: readonly (readonly SqlValue[])[],
  tail = '',
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const tuple = `(${chunk[0].map(() => '?').join(', ')})`;
    await m.query(sql(`${head} ${chunk.map(() => tuple).join(', ')} ${tail}`), chunk.flat());
  }
}
