import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { In, type EntityManager } from 'typeorm';
import { ReplicaReads } from '../database/replica-reads';
import { ChangeLogService } from '../policy/change-log.service';
import { compileConsents, ConsentCache, type ConsentChoice, type Consents, type Policy } from '@flowgate/core';
import { ConsentState, ConsentSubject } from './consent-state.entity';
import type { Choice, ConsentSource } from '@flowgate/core';

export interface StoredChoice {
  readonly choice: Choice;
  /** The flow version the choice was made at. */
  readonly flowVersion: number;
  readonly source: ConsentSource;
  readonly recordedAt: string;
  readonly eventId: number;
}

/** One user's current consent state (the projection), as read from the database. */
export interface UserConsentState {
  readonly userId: string;
  /** The user's consent state version: the number of events recorded for them (0: none). */
  readonly version: number;
  readonly gpc: boolean;
  readonly choices: ReadonlyMap<string, StoredChoice>;
}

interface Waiting {
  promise: Promise<UserConsentState>;
  resolve(state: UserConsentState): void;
  reject(error: unknown): void;
}

/** Users whose consents are kept, compact (tens of bytes each); past this the least recently used go. */
const MAX_USERS = 1_000_000;
/** Of those, the most recent kept compiled for the current policy. */
const HOT_USERS = 4_096;
/** Users whose whole state (sources, times, event ids) is kept for pages and the API; oldest first out. */
const STATE_USERS = 2_048;
const CHUNK = 400;

/**
 * Each user's consents, kept in memory in the compact encoding the SDK uses (`ConsentCache`
 * from `@flowgate/core`: choices, GPC and state version, tens of bytes a user), with the
 * most recent compiled for the engine; and the whole state of the few users read last,
 * for the pages and the API that show sources and times.
 * Driven by the change log: a `consent` entry, from this process or any other, drops the
 * user unless the cached state is already that version or newer; compiled consents follow
 * the policy they were compiled against and are recompiled (without a query) for a new one.
 * Misses are read behind queued writes, so a half-written change is never cached, and
 * concurrent misses are read together: from a read replica when one has replayed every
 * change this process has applied (`ReplicaReads`), else from the primary.
 */
@Injectable()
export class ConsentsCache implements OnModuleDestroy {
  private readonly compact = new ConsentCache({ maxUsers: MAX_USERS, hotUsers: HOT_USERS });
  private readonly states = new Map<string, UserConsentState>();
  private readonly loading = new Map<string, Promise<UserConsentState>>();
  /** Misses not yet being read. */
  private readonly waiting = new Map<string, Waiting>();
  private reading: Promise<void> | null = null;
  /** Invalidations seen while loads were running: such a load must not fill the cache. */
  private readonly invalidatedDuringLoad = new Set<string>();

  private readonly subscription: Subscription;

  constructor(
    private readonly reads: ReplicaReads,
    changeLog: ChangeLogService,
  ) {
    this.subscription = changeLog.live.subscribe((e) => {
      if (e.kind !== 'consent') return;
      const cached = this.compact.versionOf(e.userId) ?? this.states.get(e.userId)?.version;
      if (cached === undefined || cached < e.version) this.invalidate(e.userId);
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  /** Users whose consents are cached, and the bytes their compact records take. */
  get stats(): { readonly users: number; readonly bytes: number } {
    return { users: this.compact.size, bytes: this.compact.byteLength };
  }

  async state(userId: string): Promise<UserConsentState> {
    const cached = this.states.get(userId);
    if (cached !== undefined) return cached;
    return this.load(userId);
  }

  /** The user's consents compiled against `policy`. */
  consentsFor(userId: string, policy: Policy): Consents | Promise<Consents> {
    return this.compact.get(userId, policy) ?? this.load(userId).then((state) => compiledFor(state, policy));
  }

  /** Several users at once (their misses are read together). */
  async consentsForMany(userIds: readonly string[], policy: Policy): Promise<Map<string, Consents>> {
    const unique = [...new Set(userIds)];
    const consents = await Promise.all(unique.map((id) => this.consentsFor(id, policy)));
    return new Map(unique.map((id, i) => [id, consents[i]]));
  }

  /** Forget a user (their consents changed). */
  invalidate(userId: string): void {
    this.compact.delete(userId);
    this.states.delete(userId);
    if (this.loading.size > 0) this.invalidatedDuringLoad.add(userId);
  }

  clear(): void {
    this.compact.clear();
    this.states.clear();
    for (const id of this.loading.keys()) this.invalidatedDuringLoad.add(id);
  }

  private load(userId: string): Promise<UserConsentState> {
    const pending = this.loading.get(userId);
    if (pending !== undefined) return pending;
    let resolve!: Waiting['resolve'];
    let reject!: Waiting['reject'];
    const promise = new Promise<UserConsentState>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.loading.set(userId, promise);
    this.waiting.set(userId, { promise, resolve, reject });
    this.reading ??= this.readWaiting().finally(() => {
      this.reading = null;
    });
    return promise;
  }

  /**
   * Reads every waiting user in one queued transaction; users who miss meanwhile wait for
   * the next one. Many concurrent misses cost one read, not one each.
   */
  private async readWaiting(): Promise<void> {
    await Promise.resolve(); // misses of the same tick join this read
    while (this.waiting.size > 0) {
      const batch = [...this.waiting];
      this.waiting.clear();
      try {
        const states = await this.reads.read((m) => readStates(m, batch.map(([id]) => id)));
        for (const [userId, w] of batch) {
          const state = states.get(userId)!;
          if (this.loading.get(userId) === w.promise && !this.invalidatedDuringLoad.has(userId)) {
            this.remember(state);
          }
          w.resolve(state);
        }
      } catch (error) {
        for (const [, w] of batch) w.reject(error);
      } finally {
        for (const [userId, w] of batch) if (this.loading.get(userId) === w.promise) this.loading.delete(userId);
        if (this.loading.size === 0) this.invalidatedDuringLoad.clear();
      }
    }
  }

  private remember(state: UserConsentState): void {
    try {
      this.compact.set(state.userId, { choices: choicesOf(state), gpc: state.gpc, version: state.version });
    } catch (error) {
      // An id the compact encoding cannot hold (empty, over 64 KB) is answered, just not cached.
      if (!(error instanceof RangeError)) throw error;
    }
    this.states.delete(state.userId);
    if (this.states.size >= STATE_USERS) this.states.delete(this.states.keys().next().value!);
    this.states.set(state.userId, state);
  }
}

function choicesOf(state: UserConsentState): [string, ConsentChoice][] {
  const choices: [string, ConsentChoice][] = [];
  for (const [flowKey, c] of state.choices) {
    choices.push([flowKey, { granted: c.choice === 'granted', version: c.flowVersion }]);
  }
  return choices;
}

function compiledFor(state: UserConsentState, policy: Policy): Consents {
  return compileConsents(policy, choicesOf(state), { gpc: state.gpc });
}

/** Reads the projection of `userIds` (users without any event get version 0, no choices). */
export async function readStates(
  m: EntityManager,
  userIds: readonly string[],
): Promise<Map<string, UserConsentState>> {
  const choices = new Map<string, Map<string, StoredChoice>>();
  const subjects = new Map<string, ConsentSubject>();
  for (let i = 0; i < userIds.length; i += CHUNK) {
    const chunk = userIds.slice(i, i + CHUNK);
    // One after the other: a transaction is one connection (pg queues, and deprecates, overlap).
    const rows = await m.find(ConsentState, { where: { userId: In(chunk) } });
    const heads = await m.find(ConsentSubject, { where: { userId: In(chunk) } });
    for (const row of rows) {
      const own = choices.get(row.userId) ?? new Map<string, StoredChoice>();
      own.set(row.flowKey, {
        choice: row.choice,
        flowVersion: row.flowVersion,
        source: row.source,
        recordedAt: row.recordedAt,
        eventId: row.eventId,
      });
      choices.set(row.userId, own);
    }
    for (const head of heads) subjects.set(head.userId, head);
  }
  const states = new Map<string, UserConsentState>();
  for (const userId of userIds) {
    const head = subjects.get(userId);
    states.set(userId, {
      userId,
      version: head?.version ?? 0,
      gpc: head?.gpc ?? false,
      choices: choices.get(userId) ?? new Map(),
    });
  }
  return states;
}
