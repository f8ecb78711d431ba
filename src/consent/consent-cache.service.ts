import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { In, type EntityManager } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService } from '../policy/change-log.service';
import { compileConsents, type Consents, type Policy } from '@flowgate/core';
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
  promise: Promise<Entry>;
  resolve(entry: Entry): void;
  reject(error: unknown): void;
}

interface Entry {
  state: UserConsentState;
  compiled: Consents | null;
}

/** Users kept in memory; past this the oldest tenth is dropped. */
const MAX_USERS = 200_000;
const CHUNK = 400;

/**
 * Each user's consent state, and their consents compiled for the engine, kept in memory.
 * Driven by the change log: a `consent` entry, from this process or any other, drops the
 * user unless the cached state is already that version or newer; compiled consents follow the policy they
 * were compiled against and are recompiled (without a query) for a new one. Misses are
 * read behind queued writes, so a half-written change is never cached, and concurrent
 * misses are read together.
 */
@Injectable()
export class ConsentsCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Misses not yet being read. */
  private readonly waiting = new Map<string, Waiting>();
  private reading: Promise<void> | null = null;
  /** Invalidations seen while loads were running: such a load must not fill the cache. */
  private readonly invalidatedDuringLoad = new Set<string>();

  private readonly subscription: Subscription;

  constructor(
    private readonly writeQueue: WriteQueue,
    changeLog: ChangeLogService,
  ) {
    this.subscription = changeLog.live.subscribe((e) => {
      if (e.kind !== 'consent') return;
      const cached = this.entries.get(e.userId);
      if (cached === undefined || cached.state.version < e.version) this.invalidate(e.userId);
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }

  async state(userId: string): Promise<UserConsentState> {
    return (await this.entry(userId)).state;
  }

  /** The user's consents compiled against `policy`. */
  async consentsFor(userId: string, policy: Policy): Promise<Consents> {
    return compiledFor(await this.entry(userId), policy);
  }

  /** Several users at once (their misses are read together). */
  async consentsForMany(userIds: readonly string[], policy: Policy): Promise<Map<string, Consents>> {
    const unique = [...new Set(userIds)];
    const entries = await Promise.all(unique.map((id) => this.entry(id)));
    return new Map(unique.map((id, i) => [id, compiledFor(entries[i], policy)]));
  }

  /** Forget a user (their consents changed). */
  invalidate(userId: string): void {
    this.entries.delete(userId);
    if (this.loading.size > 0) this.invalidatedDuringLoad.add(userId);
  }

  clear(): void {
    this.entries.clear();
    for (const id of this.loading.keys()) this.invalidatedDuringLoad.add(id);
  }

  private entry(userId: string): Promise<Entry> | Entry {
    const cached = this.entries.get(userId);
    if (cached !== undefined) return cached;
    const pending = this.loading.get(userId);
    if (pending !== undefined) return pending;
    let resolve!: Waiting['resolve'];
    let reject!: Waiting['reject'];
    const promise = new Promise<Entry>((res, rej) => {
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
        const states = await this.writeQueue.read((m) => readStates(m, batch.map(([id]) => id)));
        for (const [userId, w] of batch) {
          const entry: Entry = { state: states.get(userId)!, compiled: null };
          if (this.loading.get(userId) === w.promise && !this.invalidatedDuringLoad.has(userId)) {
            this.remember(userId, entry);
          }
          w.resolve(entry);
        }
      } catch (error) {
        for (const [, w] of batch) w.reject(error);
      } finally {
        for (const [userId, w] of batch) if (this.loading.get(userId) === w.promise) this.loading.delete(userId);
        if (this.loading.size === 0) this.invalidatedDuringLoad.clear();
      }
    }
  }

  private remember(userId: string, entry: Entry): void {
    if (this.entries.size >= MAX_USERS) {
      let drop = Math.ceil(MAX_USERS / 10);
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop === 0) break;
      }
    }
    this.entries.set(userId, entry);
  }
}

function compiledFor(entry: Entry, policy: Policy): Consents {
  if (entry.compiled?.policy === policy) return entry.compiled;
  const choices: Array<[string, { granted: boolean; version: number }]> = [];
  for (const [flowKey, c] of entry.state.choices) {
    choices.push([flowKey, { granted: c.choice === 'granted', version: c.flowVersion }]);
  }
  entry.compiled = compileConsents(policy, choices, { gpc: entry.state.gpc });
  return entry.compiled;
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
