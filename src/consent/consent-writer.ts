import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { CLOCK, type Clock } from '../auth/clock';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { pipelined, type SqlTx, type SqlValue } from '../database/sql-tx';
import { dollarQuoted, FLOWGATE_LOCKS, LOCK_KEYS, WriteQueue } from '../database/write-queue';
import { ConsentCheckpoints } from './consent-checkpoints';
import { ChangeLogService, type LogEntry, type NewLogEntry } from '../policy/change-log.service';
import type { CheckpointRow } from './checkpoint';
import { hashEvent, stateRowOf, type StoredChainedEvent } from './consent-chain';
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

/** One batch's rows, as `build` makes them. */
interface Built {
  events: StoredChainedEvent[];
  /** Each (user, flow)'s newest event of the batch. */
  states: StoredChainedEvent[];
  subjects: Array<readonly [string, Head]>;
  idempotency: IdempotencyRow[];
  /** Notice texts the batch uses that are not known to be stored, by hash. */
  newNotices: Map<string, string>;
  changes: Array<{ pending: Pending; response: StoredResponse }>;
  /** One change-log entry per written request, in `changes` order. */
  log: NewLogEntry[];
}

interface IdempotencyRow {
  userId: string;
  key: string;
  requestHash: string;
  response: string;
  createdAt: string;
}

/** What `flowgate_consent_begin` returns (PostgreSQL). */
interface Begun {
  heads: Array<{ userId: string; version: number; lastHash: string; gpc: boolean; gpcAt: string | null }> | null;
  keys: Array<{ userId: string; key: string; requestHash: string; response: string }> | null;
  ids: Array<number | string>;
  checkpoint: CheckpointRow | null;
}

/** What `flowgate_consent_write` returns once it wrote the batch: the change log's new ids. */
interface Written {
  ok: true;
  ids: Array<number | string>;
}

/** What `flowgate_consent_write` returns when the batch was built on outdated state: nothing written, the state now. */
interface Stale extends Omit<Begun, 'ids'> {
  ok: false;
  nextEventId: number | string;
  /** Users with events after `expect.sinceEventId` (their heads are in `heads`); null: too many to list. */
  changed: string[] | null;
}

/**
 * PostgreSQL: what this instance's writer last wrote or read under the locks. Another
 * instance may write at any time, so none of it is trusted: `flowgate_consent_write`
 * checks each part under the locks before it writes a batch built on it.
 */
interface PostgresMemory {
  /** Users' chain heads, most recently written last (users not here: assumed to have none). */
  heads: Map<string, Head>;
  /** The first id the sequence of `consent_event` has not handed out or been moved past. */
  nextEventId: number;
  /** The newest checkpoint (null: none yet). */
  checkpoint: CheckpointRow | null;
  /**
   * The last event id `heads` is whole for: no head it holds was moved by an event after
   * it. A refused statement returns every user with a later event, so one refusal after
   * another instance wrote brings the memory up to date, not just the batch's users.
   */
  knownUpTo: number;
}

/** What a one-statement batch is built on: the writer's memory, or that memory as the batch in flight before it will leave it. */
interface PostgresBase {
  /** The user's chain head (undefined: not remembered, assumed to have none). */
  head(userId: string): Head | undefined;
  nextEventId: number;
  checkpoint: CheckpointRow | null;
  knownUpTo: number;
}

/** A one-statement batch sent (`sendPostgresOnce`), its answer not applied yet (`applyPostgresOnce`, in batch order). */
interface SentOnce {
  batch: Pending[];
  built: Built;
  userIds: string[];
  /** Users the batch assumed to have no chain head (not remembered). */
  assumedNew: string[];
  /** The batch's users' chain heads once it is written. */
  heads: Map<string, Head>;
  /** The batch's checkpoint (null: it had no events). */
  checkpoint: CheckpointRow | null;
  answer: Promise<{ logged: LogEntry[] } | { stale: Stale }>;
  /** Whether it was written, once known (a batch built on one that was not is refused by the database). */
  written?: boolean;
}

/** PostgreSQL: a batch `drainPostgres` started. */
interface Started {
  /** Resolves once its outcomes are set (the answers follow the witness). */
  done: Promise<void>;
  /** Set when `done` resolved. */
  settled: boolean;
  /** Its requests. */
  size: number;
  /** Its one statement, if it was sent at once: the next batch may be built on it and sent before it is answered. */
  sent: SentOnce | null;
}

/** One-statement attempts per batch before the two-step path (each after another instance's write). */
const ONE_STATEMENT_ATTEMPTS = 2;
/** Batches that take the two-step path at once after every attempt of one was outdated. */
const CONTENDED_TWO_STEP_BATCHES = 16;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const GENESIS_HEAD: Head = { version: 0, lastHash: GENESIS_HASH, gpc: false, gpcAt: null };

/** SQLite: what the writer left in the database, valid for one `WriteQueue.generation`. */
interface Memory {
  generation: number;
  /** Users' chain heads, most recently written last. */
  heads: Map<string, Head>;
  /** The id the next event takes (null: read it). */
  nextEventId: number | null;
}

/** Chain heads remembered (about 200 B each); older users' heads are read again when they write. */
const MAX_REMEMBERED_HEADS = 50_000;

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
  private remembered: Memory | null = null;
  /** PostgreSQL: set by the first two-step batch, then kept up by every batch. */
  private pgMemory: PostgresMemory | null = null;
  /** PostgreSQL: batches still to take the two-step path at once (`CONTENDED_TWO_STEP_BATCHES`). */
  private pgTwoStepRun = 0;
  /** PostgreSQL: whether, in the last batch with users the writer did not remember, any of them had a chain head. */
  private pgUnknownHadHeads = false;
  /** Resolves once the witness file records the newest committed batch's checkpoint. */
  private witnessed: Promise<void> = Promise.resolve();
  /** PostgreSQL: wakes `drainPostgres` waiting for a request while a batch is in flight. */
  private wake: (() => void) | null = null;

  constructor(
    private readonly writeQueue: WriteQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly checkpoints: ConsentCheckpoints,
    private readonly changeLog: ChangeLogService,
    @Optional() @Inject(FLOWGATE_CONFIG) private readonly config?: FlowgateConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * On shutdown (before the HTTP server and the database close): refuse new writes with 503
   * and let the queued ones commit and be answered.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    while (this.draining !== null) await this.draining;
    await this.witnessed;
  }

  write(request: WriteRequest): Promise<WriteOutcome> {
    if (this.closing) {
      return Promise.reject(
        new ConsentError('SHUTTING_DOWN', 'The server is shutting down: try again shortly'),
      );
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.wake?.();
      this.wake = null;
      this.draining ??= this.drain().finally(() => {
        this.draining = null;
      });
    });
  }

  private async drain(): Promise<void> {
    if (this.writeQueue.kind === 'postgres') return this.drainPostgres();
    while (this.waiting.length > 0) {
      const batch = this.take();
      await this.commitAndAnswer(batch, () => this.commit(batch));
    }
  }

  /**
   * PostgreSQL: batches as `drain` writes them, with `DATABASE_CONSENT_IN_FLIGHT=2` up to two in flight. While the writer's
   * memory holds (one statement a batch), the next batch is built on what the one in flight
   * will leave (its users' heads, its checkpoint, the next event id after its events) and
   * sent at once, without waiting for the answer: `flowgate_consent_write` takes the
   * checkpoint lock, which the first holds to its commit, and checks under it that the
   * newest checkpoint is the first's, so the second is written only on the first's committed
   * rows, and refused (nothing written) if the first was not: then it runs again once the
   * first is settled. Answers are applied and sent strictly in batch order.
   */
  private async drainPostgres(): Promise<void> {
    let previous: Started | null = null;
    for (;;) {
      if (previous?.settled === true) previous = null;
      if (previous !== null && (this.config?.databaseConsentInFlight ?? 1) < 2) {
        await previous.done; // one batch at a time (`DATABASE_CONSENT_IN_FLIGHT`)
        previous = null;
      }
      // Behind a batch in flight, the next is sent once half as many requests wait (at least
      // two): a batch of one or two sent at once costs a statement (and a signature) more
      // than it saves in waiting, while the machine's cores are busy.
      if (this.waiting.length === 0 || (previous !== null && this.waiting.length < Math.max(2, Math.ceil(previous.size / 2)))) {
        if (previous === null) return;
        const arrived = new Promise<void>((resolve) => (this.wake = resolve));
        await Promise.race([previous.done, arrived]);
        continue;
      }
      const current = this.startPostgres(this.take(), previous);
      if (previous !== null) await previous.done;
      previous = current;
    }
  }

  /**
   * Starts `batch` (PostgreSQL): its one statement at once if the memory allows one, built on
   * the memory when nothing is in flight, or on `previous`'s sent statement; otherwise (or if
   * that attempt is not written) the usual `commitPostgres` once `previous` is settled.
   */
  private startPostgres(batch: Pending[], previous: Started | null): Started {
    const started: Started = { done: Promise.resolve(), settled: false, size: batch.length, sent: null };
    const memory = this.pgMemory;
    const prev = previous?.sent ?? null;
    const onPrevious = prev !== null && prev.written !== false && prev.checkpoint !== null;
    if (memory !== null && this.pgTwoStepRun === 0 && (previous === null || onPrevious)) {
      const base: PostgresBase = onPrevious
        ? {
            head: (userId) => prev.heads.get(userId) ?? memory.heads.get(userId),
            nextEventId: prev.built.events.at(-1)!.id + 1,
            checkpoint: prev.checkpoint,
            knownUpTo: memory.knownUpTo,
          }
        : memoryBase(memory);
      if (!(this.pgUnknownHadHeads && batch.some((p) => base.head(p.request.userId) === undefined))) {
        const sent = this.sendPostgresOnce(batch, base, new Map(), false);
        if (typeof sent !== 'string') started.sent = sent;
      }
    }
    // A refusal of a statement sent while another was in flight may predate that one's commit: not learnt from.
    const learn = !onPrevious;
    started.done = this.commitAndAnswer(batch, async () => {
      if (previous !== null) await previous.done;
      await this.commitPostgres(batch, started.sent, learn);
    }).then(() => {
      started.settled = true;
    });
    return started;
  }

  /** Commits `batch` (`commit`), one request at a time if that fails, then answers it after the witness. */
  private async commitAndAnswer(batch: Pending[], commit: () => Promise<void>): Promise<void> {
    try {
      await commit();
    } catch (error) {
      if (batch.length === 1) {
        batch[0].error = error;
      } else {
        this.logger.warn(
          `A batch of ${batch.length} consent writes failed; writing them one by one: ${String(error)}`,
        );
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
    // Answered once the witness file records the batch's checkpoint; the next batch starts meanwhile.
    void this.witnessed.then(() => {
      for (const p of batch) {
        if (p.error !== undefined) p.reject(p.error);
        else p.resolve(p.outcome!);
      }
    });
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
    if (this.writeQueue.kind === 'postgres') return this.commitPostgres(batch);
    // SQLite: the transaction holds the file. Idempotency keys are read here and enforced by
    // their primary key.
    let built: Built | undefined;
    await this.writeQueue.writeTx(async (tx) => {
      // May run twice (`WriteQueue.writeTx`: a second time when another connection's commit
      // outdated what this process remembered): nothing of a first attempt is kept.
      for (const p of batch) {
        delete p.outcome;
        delete p.error;
      }
      const userIds = [...new Set(batch.map((p) => p.request.userId))];
      const memory = this.memory();
      const heads = await this.readHeads(tx, memory, userIds);
      const keys = await readIdempotency(
        tx,
        batch.map((p) => p.request),
      );
      const eventIds = await this.reserveEventIds(tx, memory, batch);
      const b = this.build(batch, heads, keys, eventIds, memory);
      built = b;
      if (b.events.length > 0) memory.nextEventId = b.events.at(-1)!.id + 1;
      // From here only writes (and, when nothing is remembered, a read or two): they go to
      // the connection together and are waited for once, before the commit.
      const w = pipelined(tx);
      let logged: LogEntry[];
      try {
        await insertRows(w, 'INSERT INTO consent_notice (hash, text) VALUES', [...b.newNotices], 'ON CONFLICT DO NOTHING');
        await insertRows(
          w,
          'INSERT INTO consent_event (id, "userId", seq, "flowKey", choice, source, "flowVersion", "noticeHash", actor, "recordedAt", "prevHash", hash) VALUES',
          b.events.map((e) => [
            e.id,
            e.userId,
            e.seq,
            e.flowKey,
            e.choice,
            e.source,
            e.flowVersion,
            e.noticeHash,
            e.actor,
            e.recordedAt,
            e.prevHash,
            e.hash,
          ]),
        );
        // The batch's signed checkpoint, in the same transaction: no event exists that no signature covers.
        await this.checkpoints.seal(w, b.events);
        await insertRows(
          w,
          'INSERT INTO consent_state ("userId", "flowKey", choice, "flowVersion", source, "eventId", "recordedAt") VALUES',
          b.states.map((e) => [e.userId, e.flowKey, e.choice, e.flowVersion, e.source, e.id, e.recordedAt]),
          `ON CONFLICT ("userId", "flowKey") DO UPDATE SET choice = excluded.choice, "flowVersion" = excluded."flowVersion",
             source = excluded.source, "eventId" = excluded."eventId", "recordedAt" = excluded."recordedAt"`,
        );
        await insertRows(
          w,
          'INSERT INTO consent_subject ("userId", version, "lastHash", gpc, "gpcAt") VALUES',
          b.subjects.map(([userId, h]) => [userId, h.version, h.lastHash, h.gpc, h.gpcAt]),
          `ON CONFLICT ("userId") DO UPDATE SET version = excluded.version, "lastHash" = excluded."lastHash",
             gpc = excluded.gpc, "gpcAt" = excluded."gpcAt"`,
        );
        await insertRows(
          w,
          'INSERT INTO consent_idempotency ("userId", key, "requestHash", response, "createdAt") VALUES',
          b.idempotency.map((r) => [r.userId, r.key, r.requestHash, r.response, r.createdAt]),
        );
        logged = await this.changeLog.appendTx(w, b.log);
        await w.flush();
      } catch (error) {
        await w.flush().catch(() => undefined);
        throw error;
      }
      b.changes.forEach(({ pending, response }, i) => {
        pending.outcome = { kind: 'written', response, changeId: logged[i].id };
      });
    });
    this.committed(built!, batch.length);
  }

  /**
   * PostgreSQL: the batch in one round trip while this instance's memory of its own last
   * writes holds (`writePostgresOnce`), or, with nothing remembered, after another
   * instance's write outdated it twice in a row (and for the next
   * `CONTENDED_TWO_STEP_BATCHES` batches), or with nothing to write, in two
   * (`writePostgresTwoStep`).
   */
  private async commitPostgres(batch: Pending[], first: SentOnce | null = null, learn = true): Promise<void> {
    const keys = new Map<string, { requestHash: string; response: StoredResponse }>();
    let outdated = 0;
    let attempt = 0;
    // `first`: the batch's first attempt, already sent (`startPostgres`); if it was refused and
    // learnt from, the next attempt is on what the refusal returned, as here.
    if (first !== null) {
      const done = await this.applyPostgresOnce(first, keys, learn);
      if (done === 'written') return;
      if (learn) attempt = outdated = 1;
    }
    const memory = this.pgMemory;
    // Users this instance does not remember are assumed to have no head yet; while such users
    // turned out to have one (after a restart, or past MAX_REMEMBERED_HEADS), the two steps read them.
    const unknownHaveHeads = this.pgUnknownHadHeads && memory !== null && batch.some((p) => !memory.heads.has(p.request.userId));
    if (memory !== null && (attempt > 0 || (this.pgTwoStepRun === 0 && !unknownHaveHeads))) {
      for (; attempt < ONE_STATEMENT_ATTEMPTS; attempt++) {
        const done = await this.writePostgresOnce(batch, memory, keys, attempt > 0);
        if (done === 'written') return;
        if (done === 'two-step') break;
        outdated++;
      }
      // Other instances write as fast as this one (each attempt was outdated): two steps
      // hold the locks from the read, so for a while take them at once, without the attempts.
      if (outdated === ONE_STATEMENT_ATTEMPTS) this.pgTwoStepRun = CONTENDED_TWO_STEP_BATCHES;
    } else if (this.pgTwoStepRun > 0) {
      this.pgTwoStepRun--;
    }
    await this.writePostgresTwoStep(batch);
  }

  /**
   * PostgreSQL, one statement in autocommit (`WriteQueue.postgresStatement`): the batch is
   * built on what this instance remembers of its own last writes (the users' chain heads,
   * genesis for users it never saw; the newest checkpoint; the next free event id), and
   * `flowgate_consent_write` (migration 1798700000001) takes the same locks as the two-step
   * path, checks all of that under them and only then inserts everything as
   * `flowgate_consent_commit` does. `written` once written (outcomes set); `stale` when the
   * database had moved on (another instance wrote, keys were stored, heads were forgotten):
   * nothing was written, and `memory` and `keys` now hold what the database holds for
   * this batch, for the next attempt. With nothing to write (replays, a GPC signal on
   * record), the requests are answered if `fresh` (memory and keys were just read for
   * these users under the locks, by the attempt before), or else `two-step`, to answer them
   * on what the database holds.
   */
  private async writePostgresOnce(
    batch: Pending[],
    memory: PostgresMemory,
    keys: Map<string, { requestHash: string; response: StoredResponse }>,
    fresh: boolean,
  ): Promise<'written' | 'stale' | 'two-step'> {
    const sent = this.sendPostgresOnce(batch, memoryBase(memory), keys, fresh);
    return typeof sent === 'string' ? sent : this.applyPostgresOnce(sent, keys, true);
  }

  /**
   * Builds `batch` on `base` and sends its statement (`writePostgresOnce`); the answer is for
   * `applyPostgresOnce`, in batch order. `written` (nothing to write, answered) and `two-step`
   * as `writePostgresOnce`'s.
   */
  private sendPostgresOnce(
    batch: Pending[],
    base: PostgresBase,
    keys: Map<string, { requestHash: string; response: StoredResponse }>,
    fresh: boolean,
  ): SentOnce | 'written' | 'two-step' {
    for (const p of batch) {
      delete p.outcome;
      delete p.error;
    }
    const userIds = [...new Set(batch.map((p) => p.request.userId))].sort();
    const assumedNew: string[] = [];
    const heads = new Map<string, Head>();
    for (const userId of userIds) {
      const head = base.head(userId);
      if (head === undefined && !fresh) assumedNew.push(userId);
      heads.set(userId, head ?? GENESIS_HEAD);
    }
    const expected = userIds.map((userId) => ({ userId, version: heads.get(userId)!.version, lastHash: heads.get(userId)!.lastHash }));
    const n = batch.reduce((sum, p) => sum + p.request.changes.length + 1, 0);
    const eventIds = Array.from({ length: n }, (_, i) => base.nextEventId + i);
    // A copy: `build` adds the batch's own keys, which are stored only if this attempt writes.
    const b = this.build(batch, heads, new Map(keys), eventIds, null);
    if (b.events.length === 0 && b.log.length === 0) {
      if (!fresh) return 'two-step';
      this.committed(b, batch.length, null);
      return 'written';
    }
    const checkpoint = this.checkpoints.sealNext(base.checkpoint, b.events);
    const log = this.changeLog.postgresAppend(b.log);
    const payload = {
      ...this.postgresPayload(b, checkpoint, log.rows),
      users: userIds,
      keys: batch.flatMap((p) => (p.request.idempotency ? [{ userId: p.request.userId, key: p.request.idempotency.key }] : [])),
      expect: {
        heads: expected,
        checkpoint: base.checkpoint === null ? null : { id: Number(base.checkpoint.id), signature: base.checkpoint.signature },
        firstEventId: eventIds[0],
        sinceEventId: base.knownUpTo,
      },
    };
    const sql =
      `SELECT flowgate_consent_write(${dollarQuoted(JSON.stringify(payload))}::json, ${log.lock[0]}, ${LOCK_KEYS.checkpoints}, ` +
      `${log.lock[1]}, ${dollarQuoted(log.channel)}) AS result`;
    const answer = this.changeLog.appending(async (): Promise<{ logged: LogEntry[] } | { stale: Stale }> => {
      const [{ result }] = await this.writeQueue.postgresStatement<{ result: Written | Stale }>(sql);
      if (!result.ok) return { stale: result };
      const entries = this.changeLog.appended(b.log, result.ids.map(Number));
      this.changeLog.committedHere(entries);
      return { logged: entries };
    });
    const sent: SentOnce = { batch, built: b, userIds, assumedNew, heads, checkpoint, answer };
    // Known at once (before it is applied, in batch order), so that no further batch is built on an attempt that wrote nothing.
    answer.then(
      (a) => {
        if ('stale' in a) sent.written = false;
      },
      () => (sent.written = false),
    );
    return sent;
  }

  /**
   * A sent batch's answer, applied: outcomes set and the memory moved on if it was written
   * (`written`); if it was refused (`stale`: nothing written) and `learn`, the memory and
   * `keys` take what the refusal returned for the next attempt, as `writePostgresOnce` says;
   * without `learn` the refusal is only dropped (it may predate an earlier batch's commit).
   */
  private async applyPostgresOnce(
    sent: SentOnce,
    keys: Map<string, { requestHash: string; response: StoredResponse }>,
    learn: boolean,
  ): Promise<'written' | 'stale'> {
    const { batch, built: b, userIds, assumedNew, heads, checkpoint } = sent;
    let answer: Awaited<SentOnce['answer']>;
    try {
      answer = await sent.answer;
    } catch (error) {
      sent.written = false;
      this.checkpoints.abandon(checkpoint);
      this.pgMemory = null; // the batch may or may not have committed: learn again from the database
      throw error;
    }
    const memory = this.pgMemory;
    if ('stale' in answer) {
      sent.written = false;
      this.checkpoints.abandon(checkpoint);
      if (!learn || memory === null) return 'stale';
      const found = answer.stale;
      const fresh = new Map((found.heads ?? []).map((h) => [h.userId, h] as const));
      if (assumedNew.length > 0) this.pgUnknownHadHeads = assumedNew.some((userId) => fresh.has(userId));
      if (found.changed === null) {
        memory.heads.clear(); // too much happened since: every user is one to read again
        this.pgUnknownHadHeads = true;
      }
      const toHead = (h: NonNullable<Begun['heads']>[number]): Head => ({ version: h.version, lastHash: h.lastHash, gpc: h.gpc, gpcAt: h.gpcAt });
      for (const userId of found.changed ?? []) {
        const h = fresh.get(userId);
        if (h !== undefined) remember(memory.heads, userId, toHead(h));
      }
      for (const userId of userIds) {
        const h = fresh.get(userId);
        remember(memory.heads, userId, h ? toHead(h) : GENESIS_HEAD);
      }
      memory.knownUpTo = Number(found.nextEventId) - 1;
      for (const k of found.keys ?? [])
        keys.set(idempotencyKey(k.userId, k.key), { requestHash: k.requestHash, response: JSON.parse(k.response) as StoredResponse });
      memory.nextEventId = Number(found.nextEventId);
      memory.checkpoint = found.checkpoint;
      return 'stale';
    }
    sent.written = true;
    const logged = answer.logged;
    b.changes.forEach(({ pending, response }, i) => {
      pending.outcome = { kind: 'written', response, changeId: logged[i].id };
    });
    // Null after an earlier batch's statement failed (it may have committed): learnt again by the next two-step batch.
    if (memory !== null) {
      if (assumedNew.length > 0) this.pgUnknownHadHeads = false;
      for (const userId of userIds) remember(memory.heads, userId, heads.get(userId)!);
      memory.nextEventId = b.events.at(-1)!.id + 1;
      // The checkpoint held: nobody else wrote since the remembered one. Whole up to this batch
      // only if the memory was whole up to that checkpoint (after a two-step batch that found
      // another instance's writes it is not: their users are for the next refusal to list).
      if (wholeAt(memory)) memory.knownUpTo = b.events.at(-1)!.id;
      memory.checkpoint = checkpoint;
    }
    this.committed(b, batch.length, checkpoint);
    return 'written';
  }

  /**
   * PostgreSQL: the batch in two round trips (`WriteQueue.postgresTwoStep`). With BEGIN,
   * `flowgate_consent_begin` takes the users' advisory locks (sorted, so two instances never
   * deadlock) and the checkpoint lock, held to commit (another instance writing for these
   * users, or any consent batch, waits), and reads their heads, the idempotency records asked
   * for, event ids from the sequence and the newest checkpoint; the events are hashed onto
   * those heads and the batch signed here; then `flowgate_consent_commit`, with COMMIT,
   * inserts everything and appends the change log (its lock held to commit, then NOTIFY).
   * Idempotency keys are enforced by their primary key. What it read and wrote becomes the
   * memory the next batch's single statement is built on.
   */
  private async writePostgresTwoStep(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      delete p.outcome;
      delete p.error;
    }
    let built: Built | undefined;
    let sealed: CheckpointRow | null = null;
    let learnt: PostgresMemory | null = null;
    const userIds = [...new Set(batch.map((p) => p.request.userId))].sort();
    try {
      await this.writeQueue.postgresTwoStep(async (session) => {
        const json = (value: unknown) => `${session.literal(JSON.stringify(value))}::json`;
        const texts = (values: readonly string[]) => `ARRAY(SELECT json_array_elements_text(${json(values)}))`;
        const keyed = batch.filter((p) => p.request.idempotency !== undefined).map((p) => p.request);
        const n = batch.reduce((sum, p) => sum + p.request.changes.length + 1, 0);
        const [{ begun }] = await session.open<{ begun: Begun }>(
          `SELECT flowgate_consent_begin(${texts(userIds)}, ${texts(keyed.map((r) => r.userId))}, ` +
            `${texts(keyed.map((r) => r.idempotency!.key))}, ${n}, ${FLOWGATE_LOCKS}, ${LOCK_KEYS.checkpoints}) AS begun`,
        );
        const heads = new Map<string, Head>();
        for (const h of begun.heads ?? []) heads.set(h.userId, { version: h.version, lastHash: h.lastHash, gpc: h.gpc, gpcAt: h.gpcAt });
        const unknown = userIds.filter((userId) => this.pgMemory?.heads.has(userId) !== true);
        if (unknown.length > 0) this.pgUnknownHadHeads = unknown.some((userId) => heads.has(userId));
        const keys = new Map<string, { requestHash: string; response: StoredResponse }>();
        for (const k of begun.keys ?? [])
          keys.set(idempotencyKey(k.userId, k.key), { requestHash: k.requestHash, response: JSON.parse(k.response) as StoredResponse });
        const eventIds = begun.ids.map(Number).sort((a, b) => a - b);
        const b = this.build(batch, heads, keys, eventIds, null);
        built = b;
        // Whole up to this batch if no other instance wrote since the remembered checkpoint
        // and the memory was whole up to it (or nothing was remembered: then only this batch's
        // users are, each read here).
        const remembered = this.pgMemory;
        const alone = remembered === null || (sameCheckpoint(remembered.checkpoint, begun.checkpoint) && wholeAt(remembered));
        const learn = (checkpoint: CheckpointRow | null): PostgresMemory => ({
          heads: new Map(userIds.map((userId) => [userId, heads.get(userId) ?? GENESIS_HEAD] as const)),
          nextEventId: eventIds.at(-1)! + 1,
          checkpoint,
          knownUpTo: alone ? eventIds.at(-1)! : remembered.knownUpTo,
        });
        if (b.events.length === 0 && b.log.length === 0) {
          learnt = learn(begun.checkpoint);
          return; // nothing to write: rolled back
        }
        // The batch's signed checkpoint, in the same transaction: no event exists that no signature covers.
        const checkpoint = this.checkpoints.sealNext(begun.checkpoint, b.events);
        sealed = checkpoint;
        const log = this.changeLog.postgresAppend(b.log);
        const payload = this.postgresPayload(b, checkpoint, log.rows);
        const logged = await this.changeLog.appending(async () => {
          const [{ ids }] = await session.close<{ ids: number[] }>(
            `SELECT flowgate_consent_commit(${json(payload)}, ${log.lock[0]}, ${log.lock[1]}, ${session.literal(log.channel)}) AS ids`,
          );
          const entries = this.changeLog.appended(b.log, ids.map(Number));
          this.changeLog.committedHere(entries);
          return entries;
        });
        learnt = learn(checkpoint);
        b.changes.forEach(({ pending, response }, i) => {
          pending.outcome = { kind: 'written', response, changeId: logged[i].id };
        });
      });
    } catch (error) {
      this.checkpoints.abandon(sealed);
      throw error;
    }
    const memory = learnt as PostgresMemory | null;
    if (memory !== null) {
      if (this.pgMemory === null) this.pgMemory = memory;
      else {
        for (const [userId, head] of memory.heads) remember(this.pgMemory.heads, userId, head);
        this.pgMemory.nextEventId = memory.nextEventId;
        this.pgMemory.checkpoint = memory.checkpoint;
        this.pgMemory.knownUpTo = memory.knownUpTo;
      }
    }
    this.committed(built!, batch.length, sealed);
  }

  /** The rows `flowgate_consent_commit` and `flowgate_consent_write` insert. */
  private postgresPayload(b: Built, checkpoint: CheckpointRow | null, log: unknown[]) {
    return {
      notices: [...b.newNotices].map(([hash, text]) => ({ hash, text })),
      events: b.events,
      checkpoints: checkpoint === null ? [] : [checkpoint],
      states: b.states.map((e) => stateRowOf(e, e.flowKey!, e.flowVersion!)),
      subjects: b.subjects.map(([userId, h]) => ({ userId, ...h })),
      idempotency: b.idempotency,
      log,
    };
  }

  /**
   * After a batch's commit: the witness follows its checkpoint (`checkpoint`: PostgreSQL's,
   * null if none; SQLite: the one sealed in the transaction); its notices are known stored.
   */
  private committed(built: Built, requests: number, checkpoint?: CheckpointRow | null): void {
    this.witnessed = this.checkpoints.committed(checkpoint);
    for (const hash of built.newNotices.keys()) this.storedNotices.add(hash);
    this.metrics?.consentCommitted(
      requests,
      built.events.map((e) => e.source),
    );
  }

  /**
   * The batch's rows, hashed onto `heads` (which it advances, as the remembered ones in
   * `memory`), with ids from `eventIds`; each request's outcome or error is set here,
   * except `written`, which needs the change log's id.
   */
  private build(
    batch: readonly Pending[],
    heads: Map<string, Head>,
    keys: Map<string, { requestHash: string; response: StoredResponse }>,
    eventIds: readonly number[],
    memory: Memory | null,
  ): Built {
    let nextId = 0;
    const events: StoredChainedEvent[] = [];
    const states = new Map<string, StoredChainedEvent>();
    const touched = new Set<string>();
    const changes: Array<{ pending: Pending; response: StoredResponse }> = [];
    const idempotency: IdempotencyRow[] = [];
    const newNotices = new Map<string, string>();

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
      const head = heads.get(request.userId) ?? GENESIS_HEAD;
      const own: StoredChainedEvent[] = [];
      // One object per event, hashed in place (fields in the order the rows and responses always had).
      const add = (flowKey: string | null, choice: Choice, source: ConsentSource, flowVersion: number | null, noticeHash: string | null) => {
        const e: Mutable<StoredChainedEvent> = {
          flowKey,
          choice,
          source,
          flowVersion,
          noticeHash,
          id: eventIds[nextId++],
          userId: request.userId,
          seq: head.version + own.length + 1,
          actor: request.actor,
          recordedAt: now,
          prevHash: own.length === 0 ? head.lastHash : own[own.length - 1].hash,
          hash: '',
        };
        e.hash = hashEvent(e);
        own.push(e);
      };
      const newGpc = request.gpc && !head.gpc;
      if (newGpc) add(null, 'denied', 'gpc', null, null);
      for (const c of request.changes) {
        add(c.flowKey, c.choice, request.source, c.flowVersion, c.notice.hash);
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
      if (memory !== null) remember(memory.heads, request.userId, next);
      for (const e of own) {
        events.push(e);
        if (e.flowKey !== null) states.set(`${e.userId}\u0000${e.flowKey}`, e);
      }
      const response: StoredResponse = {
        userId: request.userId,
        version: next.version,
        events: own,
      };
      if (request.idempotency) {
        const { key, requestHash } = request.idempotency;
        keys.set(idempotencyKey(request.userId, key), { requestHash, response });
        idempotency.push({ userId: request.userId, key, requestHash, response: JSON.stringify(response), createdAt: now });
      }
      changes.push({ pending: p, response });
    }
    return {
      events,
      states: [...states.values()],
      subjects: [...touched].map((userId) => [userId, heads.get(userId)!] as const),
      idempotency,
      newNotices,
      changes,
      log: changes.map(({ response }) => ({ kind: 'consent' as const, userId: response.userId, version: response.version })),
    };
  }

  /**
   * SQLite: the chain heads and the next event id this process left, if nobody else wrote
   * since (`WriteQueue.generation`); a fresh, empty memory otherwise. (PostgreSQL keeps its own,
   * `PostgresMemory`, which `flowgate_consent_write` checks under the locks before using it.)
   */
  private memory(): Memory {
    const generation = this.writeQueue.generation;
    if (this.remembered?.generation !== generation)
      this.remembered = { generation, heads: new Map(), nextEventId: null };
    return this.remembered;
  }

  /** The users' heads: remembered ones, the others from `consent_subject`. */
  private async readHeads(
    tx: SqlTx,
    memory: Memory,
    userIds: readonly string[],
  ): Promise<Map<string, Head>> {
    const heads = new Map<string, Head>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const head = memory.heads.get(userId);
      if (head !== undefined) heads.set(userId, head);
      else missing.push(userId);
    }
    for (let i = 0; i < missing.length; i += ROWS_PER_STATEMENT) {
      const chunk = missing.slice(i, i + ROWS_PER_STATEMENT);
      const rows = await tx.all<{
        userId: string;
        version: number;
        lastHash: string;
        gpc: number | boolean;
        gpcAt: string | null;
      }>(
        `SELECT "userId", version, "lastHash", gpc, "gpcAt" FROM consent_subject WHERE "userId" IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      const found = new Set<string>();
      for (const r of rows) {
        const head = {
          version: r.version,
          lastHash: r.lastHash,
          gpc: r.gpc === 1 || r.gpc === true,
          gpcAt: r.gpcAt,
        };
        heads.set(r.userId, head);
        found.add(r.userId);
        remember(memory.heads, r.userId, head);
      }
      // No head yet: the genesis, remembered too (the user's first write sets it).
      for (const userId of chunk) if (!found.has(userId)) remember(memory.heads, userId, GENESIS_HEAD);
    }
    return heads;
  }

  /**
   * SQLite, write lock held: ids for up to every event `batch` can record, in ascending
   * order, past the highest id ever used, as remembered or read.
   */
  private async reserveEventIds(
    tx: SqlTx,
    memory: Memory,
    batch: readonly Pending[],
  ): Promise<number[]> {
    const n = batch.reduce((sum, p) => sum + p.request.changes.length + 1, 0);
    let first = memory.nextEventId;
    if (first === null) {
      const last = await tx.all<{ id: number }>(
        `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'consent_event'), 0),
                    COALESCE((SELECT MAX(id) FROM consent_event), 0)) AS id`,
      );
      first = Number(last[0].id) + 1;
    }
    return Array.from({ length: n }, (_, i) => first + i);
  }
}

/** `memory` as what a batch is built on. */
function memoryBase(memory: PostgresMemory): PostgresBase {
  return { head: (userId) => memory.heads.get(userId), nextEventId: memory.nextEventId, checkpoint: memory.checkpoint, knownUpTo: memory.knownUpTo };
}

/**
 * Whether `memory.heads` is whole up to its checkpoint (every event it covers is reflected):
 * only then may a batch that found that checkpoint still the newest move `knownUpTo` past it.
 */
function wholeAt(memory: PostgresMemory): boolean {
  return memory.knownUpTo >= Number(memory.checkpoint?.lastEventId ?? 0);
}

/** Whether two newest-checkpoint reads are the same checkpoint (then no batch was committed between them). */
function sameCheckpoint(a: CheckpointRow | null, b: CheckpointRow | null): boolean {
  return a === null || b === null ? a === b : Number(a.id) === Number(b.id) && a.signature === b.signature;
}

function idempotencyKey(userId: string, key: string): string {
  return `${userId}\u0000${key}`;
}

/** Keeps `head` as the newest of the remembered heads, dropping the oldest beyond `MAX_REMEMBERED_HEADS`. */
function remember(heads: Map<string, Head>, userId: string, head: Head): void {
  heads.delete(userId);
  heads.set(userId, head);
  if (heads.size > MAX_REMEMBERED_HEADS) heads.delete(heads.keys().next().value as string);
}

async function readIdempotency(
  tx: SqlTx,
  requests: readonly WriteRequest[],
): Promise<Map<string, { requestHash: string; response: StoredResponse }>> {
  const found = new Map<string, { requestHash: string; response: StoredResponse }>();
  const keyed = requests.filter((r) => r.idempotency !== undefined);
  for (let i = 0; i < keyed.length; i += ROWS_PER_STATEMENT) {
    const chunk = keyed.slice(i, i + ROWS_PER_STATEMENT);
    const rows = await tx.all<{
      userId: string;
      key: string;
      requestHash: string;
      response: string;
    }>(
      `SELECT "userId", key, "requestHash", response FROM consent_idempotency
        WHERE ("userId", key) IN (VALUES ${chunk.map(() => '(?, ?)').join(', ')})`,
      chunk.flatMap((r) => [r.userId, r.idempotency!.key]),
    );
    for (const r of rows) {
      found.set(idempotencyKey(r.userId, r.key), {
        requestHash: r.requestHash,
        response: JSON.parse(r.response) as StoredResponse,
      });
    }
  }
  return found;
}

/** Multi-row INSERTs, `ROWS_PER_STATEMENT` rows at a time (on SQLite each row count is one prepared statement). */
async function insertRows(
  tx: SqlTx,
  head: string,
  rows: readonly (readonly SqlValue[])[],
  tail = '',
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const tuple = `(${chunk[0].map(() => '?').join(', ')})`;
    await tx.run(`${head} ${chunk.map(() => tuple).join(', ')} ${tail}`, chunk.flat());
  }
}
