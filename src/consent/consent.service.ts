import { Injectable } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { notFound } from '../data-map/data-map.errors';
import type { StoredMap } from '../data-map/data-map.store';
import { flowKeyOf, type ConsentMode, type LegalBasis } from '../data-map/data-map.vocabulary';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService } from '../decisions/change-log.service';
import { PolicyService } from '../decisions/policy.service';
import { ConsentsCache } from './consent-cache.service';
import { ConsentWriter, type PreparedChange, type StoredResponse } from './consent-writer';
import { verifyChain, type ChainCheck, type StoredChainedEvent } from './consent-chain';
import { ConsentEvent } from './consent-event.entity';
import { ConsentState, ConsentSubject } from './consent-state.entity';
import { ConsentError } from './consent.errors';
import {
  GENESIS_HASH,
  IDEMPOTENCY_KEY_PATTERN,
  type Choice,
  type ConsentSource,
} from './consent.vocabulary';
import { noticeText, sha256Hex } from './notice';

/** One change a user (or someone on their behalf) asks for. */
export interface ConsentChangeRequest {
  flowKey: string;
  granted: boolean;
  /** The flow version the user was shown; when given it must still be the current one. */
  flowVersion?: number;
}

export interface WriteContext {
  source: Exclude<ConsentSource, 'gpc'>;
  /** `user:<id>`, `admin`, `service:<token id>`. */
  actor: string;
  idempotencyKey?: string;
  /** The request carried `Sec-GPC: 1`: record the signal first if it is new. */
  gpc?: boolean;
}

export interface ConsentEventResponse {
  id: number;
  seq: number;
  flowKey: string | null;
  choice: Choice;
  source: ConsentSource;
  flowVersion: number | null;
  noticeHash: string | null;
  actor: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface WriteResult {
  userId: string;
  /** The user's consent state version after the write. */
  version: number;
  /** The events recorded (for a replayed idempotent request: those recorded the first time). */
  events: ConsentEventResponse[];
  /** True when an earlier request with the same Idempotency-Key answered this one. */
  replayed: boolean;
}

/** A committed change of one user's consents, announced in process (SDK local source, caches). */
export interface ConsentChange {
  userId: string;
  version: number;
  /** The change log id (the SSE event id). */
  changeId: number;
}

export interface HistoryPage {
  userId: string;
  version: number;
  /** Newest first. */
  items: ConsentEventResponse[];
  /** Pass as `before` for the next (older) page; null at the oldest. */
  nextBefore: number | null;
}

export interface VerifyResult extends ChainCheck {
  userId: string;
  version: number;
}

/**
 * The consent log: records choices as hash-chained, append-only events and keeps the
 * current-state projection in the same transaction. All writes go through the write
 * queue (one transaction at a time, `synchronous=FULL`): a 2xx means the change is on disk.
 */
@Injectable()
export class ConsentService {
  private readonly subject = new Subject<ConsentChange>();
  /** Emits after every committed change of a user's consents. */
  readonly changes: Observable<ConsentChange> = this.subject.asObservable();

  constructor(
    private readonly writeQueue: WriteQueue,
    private readonly policies: PolicyService,
    private readonly changeLog: ChangeLogService,
    private readonly cache: ConsentsCache,
    private readonly writer: ConsentWriter,
  ) {}

  /**
   * Records `changes` for `userId` atomically: all of them or none. A required flow
   * cannot be set (409 FLOW_IS_REQUIRED); an unknown flow is 404; the same
   * Idempotency-Key again returns the first answer and records nothing.
   */
  async record(userId: string, changes: readonly ConsentChangeRequest[], ctx: WriteContext): Promise<WriteResult> {
    const key = ctx.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ValidationFailedError([
        { path: 'Idempotency-Key', message: 'must be 1 to 200 visible ASCII characters' },
      ]);
    }
    const prepared = await this.prepare(changes);
    const requestHash = sha256Hex(
      JSON.stringify([ctx.source, changes.map((c) => [c.flowKey, c.granted, c.flowVersion ?? null])]),
    );
    const outcome = await this.writer.write({
      userId,
      changes: prepared,
      gpc: ctx.gpc === true,
      source: ctx.source,
      actor: ctx.actor,
      idempotency: key === undefined ? undefined : { key, requestHash },
    });
    switch (outcome.kind) {
      case 'written':
        this.committed(userId, outcome.response.version, outcome.changeId);
        return { ...toResult(outcome.response), replayed: false };
      case 'replayed':
        return { ...toResult(outcome.response), replayed: true };
      case 'unchanged':
        return { userId, version: outcome.version, events: [], replayed: false };
    }
  }

  /**
   * Records a Global Privacy Control signal for the user, once: later signals change
   * nothing. Returns whether this call recorded it.
   */
  async recordGpc(userId: string, actor: string): Promise<boolean> {
    if ((await this.cache.state(userId)).gpc) return false;
    const outcome = await this.writer.write({ userId, changes: [], gpc: true, source: 'gpc', actor });
    if (outcome.kind !== 'written') return false;
    this.committed(userId, outcome.response.version, outcome.changeId);
    return true;
  }

  /** The user's events, newest first, `limit` at a time (`before`: a seq from `nextBefore`). */
  async history(userId: string, options: { limit: number; before?: number }): Promise<HistoryPage> {
    const { limit, before } = options;
    return this.writeQueue.transaction(async (m) => {
      const head = await m.findOneBy(ConsentSubject, { userId });
      const query = m
        .createQueryBuilder(ConsentEvent, 'e')
        .where('e.userId = :userId', { userId })
        .orderBy('e.seq', 'DESC')
        .limit(limit);
      if (before !== undefined) query.andWhere('e.seq < :before', { before });
      const rows = await query.getMany();
      const last = rows.at(-1);
      return {
        userId,
        version: head?.version ?? 0,
        items: rows.map(toEventResponse),
        nextBefore: last !== undefined && last.seq > 1 ? last.seq : null,
      };
    });
  }

  /** Checks the user's hash chain against the stored events and the projection's head. */
  async verify(userId: string): Promise<VerifyResult> {
    return this.writeQueue.transaction(async (m) => {
      const [events, head] = await Promise.all([
        m.find(ConsentEvent, { where: { userId }, order: { seq: 'ASC' } }),
        m.findOneBy(ConsentSubject, { userId }),
      ]);
      const check = verifyChain(userId, events, head ? { version: head.version, lastHash: head.lastHash } : null);
      return { userId, version: head?.version ?? 0, ...check };
    });
  }

  /** Every user with consent events or state, in id order. */
  async users(): Promise<string[]> {
    const rows: Array<{ userId: string }> = await this.writeQueue.transaction((m) =>
      m.query('SELECT userId FROM consent_event UNION SELECT userId FROM consent_subject ORDER BY userId'),
    );
    return rows.map((r) => r.userId);
  }

  /**
   * Rebuilds the whole projection (`consent_state`, `consent_subject`) from the events, in
   * one transaction. The result equals what the writes maintained.
   */
  async rebuild(
    onProgress?: (eventsDone: number, eventsTotal: number) => void,
  ): Promise<{ events: number; users: number; choices: number }> {
    const counts = await this.writeQueue.transaction(async (m) => {
      const total = onProgress ? await m.count(ConsentEvent) : 0;
      await m.clear(ConsentState);
      await m.clear(ConsentSubject);
      const states = new Map<string, ConsentState>();
      const subjects = new Map<string, ConsentSubject>();
      let events = 0;
      for (let afterId = 0; ; ) {
        const page = await m
          .createQueryBuilder(ConsentEvent, 'e')
          .where('e.id > :afterId', { afterId })
          .orderBy('e.id', 'ASC')
          .limit(5000)
          .getMany();
        if (page.length === 0) break;
        for (const e of page) applyEvent(states, subjects, e);
        events += page.length;
        afterId = page[page.length - 1].id;
        onProgress?.(events, Math.max(total, events));
      }
      await insertChunked(m, ConsentSubject, [...subjects.values()]);
      await insertChunked(m, ConsentState, [...states.values()]);
      return { events, users: subjects.size, choices: states.size };
    });
    this.cache.clear();
    return counts;
  }

  private committed(userId: string, version: number, changeId: number): void {
    this.cache.invalidate(userId);
    this.subject.next({ userId, version, changeId });
    this.changeLog.committed([{ id: changeId, kind: 'consent', userId, version }]);
  }

  /** Checks every change against the current map and builds its notice. */
  private async prepare(changes: readonly ConsentChangeRequest[]): Promise<PreparedChange[]> {
    const duplicates: Problem[] = [];
    changes.forEach((c, i) => {
      if (changes.findIndex((o) => o.flowKey === c.flowKey) !== i) {
        duplicates.push({ path: `changes[${i}].flowKey`, message: `"${c.flowKey}" is listed more than once` });
      }
    });
    if (duplicates.length > 0) throw new ValidationFailedError(duplicates);
    const flows = choosableFlows((await this.policies.current()).stored);
    return changes.map((c) => {
      const flow = flows.get(c.flowKey);
      if (!flow) throw notFound('flow', c.flowKey);
      if (flow.mode === 'required') {
        throw new ConsentError(
          'FLOW_IS_REQUIRED',
          `"${c.flowKey}" is required: ${flow.vendor} receives this data to provide the service ` +
            `(legal basis: ${flow.legalBasis}), so it cannot be turned ${c.granted ? 'on or off' : 'off'}.`,
          [{ path: 'flowKey', message: `"${c.flowKey}" is required (legal basis: ${flow.legalBasis})` }],
        );
      }
      if (c.flowVersion !== undefined && c.flowVersion !== flow.version) {
        throw new ConsentError(
          'FLOW_VERSION_CHANGED',
          `"${c.flowKey}" changed since it was shown (version ${c.flowVersion}, now ${flow.version}): show the new version and ask again`,
          [{ path: 'flowVersion', message: `version ${c.flowVersion} was shown; "${c.flowKey}" is now version ${flow.version}` }],
        );
      }
      return { flowKey: c.flowKey, choice: c.granted ? 'granted' : 'denied', flowVersion: flow.version, notice: flow.notice };
    });
  }
}

interface ChoosableFlow {
  mode: ConsentMode;
  legalBasis: LegalBasis;
  version: number;
  vendor: string;
  notice: { hash: string; text: string };
}

const flowsOfMap = new WeakMap<StoredMap, ReadonlyMap<string, ChoosableFlow>>();

/** Per map version, once: each flow's mode, version and notice (and its hash). */
function choosableFlows(map: StoredMap): ReadonlyMap<string, ChoosableFlow> {
  let flows = flowsOfMap.get(map);
  if (flows === undefined) {
    const vendors = new Map(map.manifest.subprocessors.map((s) => [s.key, s.name]));
    flows = new Map(
      map.manifest.flows.map((f) => {
        const key = flowKeyOf(f.subprocessor, f.purpose);
        const version = map.flows.get(key)?.version ?? 1;
        const text = noticeText(map, f, version);
        const flow: ChoosableFlow = {
          mode: f.mode,
          legalBasis: f.legalBasis,
          version,
          vendor: vendors.get(f.subprocessor) ?? f.subprocessor,
          notice: { hash: sha256Hex(text), text },
        };
        return [key, flow];
      }),
    );
    flowsOfMap.set(map, flows);
  }
  return flows;
}

/** The projection's rule, used by the rebuild: the latest event per flow is the choice. */
function applyEvent(
  states: Map<string, ConsentState>,
  subjects: Map<string, ConsentSubject>,
  e: ConsentEvent,
): void {
  const head = subjects.get(e.userId) ?? Object.assign(new ConsentSubject(), {
    userId: e.userId,
    version: 0,
    lastHash: GENESIS_HASH,
    gpc: false,
    gpcAt: null,
  });
  if (e.seq > head.version) {
    head.version = e.seq;
    head.lastHash = e.hash;
  }
  if (e.source === 'gpc' && e.flowKey === null && !head.gpc) {
    head.gpc = true;
    head.gpcAt = e.recordedAt;
  }
  subjects.set(e.userId, head);
  if (e.flowKey === null || e.flowVersion === null) return;
  const key = `${e.userId}\u0000${e.flowKey}`;
  const previous = states.get(key);
  if (previous !== undefined && previous.eventId > e.id) return;
  states.set(
    key,
    Object.assign(new ConsentState(), {
      userId: e.userId,
      flowKey: e.flowKey,
      choice: e.choice,
      flowVersion: e.flowVersion,
      source: e.source,
      eventId: e.id,
      recordedAt: e.recordedAt,
    }),
  );
}

async function insertChunked<T extends object>(
  m: EntityManager,
  entity: new () => T,
  rows: readonly T[] | readonly object[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await m.insert(entity, rows.slice(i, i + 100) as never);
  }
}

function toResult(response: StoredResponse): Omit<WriteResult, 'replayed'> {
  return { userId: response.userId, version: response.version, events: response.events.map(toEventResponse) };
}

export function toEventResponse(e: StoredChainedEvent): ConsentEventResponse {
  return {
    id: e.id,
    seq: e.seq,
    flowKey: e.flowKey,
    choice: e.choice,
    source: e.source,
    flowVersion: e.flowVersion,
    noticeHash: e.noticeHash,
    actor: e.actor,
    recordedAt: e.recordedAt,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

