import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { WriteQueue } from '../database/write-queue';
import { compileConsents, type Consents, type Policy } from '../decisions/engine';
import { ConsentState, ConsentSubject } from './consent-state.entity';
import type { Choice, ConsentSource } from './consent.vocabulary';

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

interface Entry {
  state: UserConsentState;
  compiled: Consents | null;
}

/** Users kept in memory; past this the oldest tenth is dropped. */
const MAX_USERS = 200_000;
const CHUNK = 400;

/**
 * Each user's consent state, and their consents compiled for the engine, kept in memory.
 * Consent writes invalidate a user after commit; compiled consents follow the policy they
 * were compiled against and are recompiled (without a query) for a new one. Misses are
 * read behind queued writes, so a half-written change is never cached.
 */
@Injectable()
export class ConsentsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Invalidations seen while loads were running: such a load must not fill the cache. */
  private readonly invalidatedDuringLoad = new Set<string>();

  constructor(private readonly writeQueue: WriteQueue) {}

  async state(userId: string): Promise<UserConsentState> {
    return (await this.entry(userId)).state;
  }

  /** The user's consents compiled against `policy`. */
  async consentsFor(userId: string, policy: Policy): Promise<Consents> {
    return compiledFor(await this.entry(userId), policy);
  }

  /** Several users at once: one query for all the misses. */
  async consentsForMany(userIds: readonly string[], policy: Policy): Promise<Map<string, Consents>> {
    const unique = [...new Set(userIds)];
    const missing = unique.filter((id) => !this.entries.has(id) && !this.loading.has(id));
    if (missing.length > 0) await this.load(missing);
    const result = new Map<string, Consents>();
    for (const id of unique) result.set(id, compiledFor(await this.entry(id), policy));
    return result;
  }

  /** Forget a user (call after committing a change of their consents). */
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
    return this.load([userId]).then((entries) => entries.get(userId)!);
  }

  private load(userIds: readonly string[]): Promise<Map<string, Entry>> {
    // The per-user promises this load registers; a later load for a user replaces them.
    const perUser = new Map<string, Promise<Entry>>();
    const all = this.writeQueue
      .transaction((m) => readStates(m, userIds))
      .then((states) => {
        const entries = new Map<string, Entry>();
        for (const userId of userIds) {
          const entry: Entry = { state: states.get(userId)!, compiled: null };
          entries.set(userId, entry);
          if (this.loading.get(userId) === perUser.get(userId) && !this.invalidatedDuringLoad.has(userId)) {
            this.remember(userId, entry);
          }
        }
        return entries;
      })
      .finally(() => {
        for (const userId of userIds) {
          if (this.loading.get(userId) === perUser.get(userId)) this.loading.delete(userId);
        }
        if (this.loading.size === 0) this.invalidatedDuringLoad.clear();
      });
    for (const userId of userIds) {
      const one = all.then((entries) => entries.get(userId)!);
      perUser.set(userId, one);
      this.loading.set(userId, one);
    }
    return all;
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
    const [rows, heads] = await Promise.all([
      m.find(ConsentState, { where: { userId: In(chunk) } }),
      m.find(ConsentSubject, { where: { userId: In(chunk) } }),
    ]);
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
