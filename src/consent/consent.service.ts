import { Injectable } from '@nestjs/common';
import { filter, map, type Observable } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { notFound } from '../data-map/data-map.errors';
import type { StoredMap } from '../data-map/data-map.store';
import { flowKeyOf, type ConsentMode, type LegalBasis } from '@flowgate/core';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService } from '../policy/change-log.service';
import { PolicyService } from '../policy/policy.service';
import { ConsentsCache } from './consent-cache.service';
import { ConsentWriter, type PreparedChange, type StoredResponse } from './consent-writer';
import { checkEventsAgainstLedger, type Ledger, type LedgerProblem } from './checkpoint';
import { ConsentCheckpoints } from './consent-checkpoints';
import { stateRowOf, verifyChain, type ChainCheck, type ChainProblem, type StoredChainedEvent } from './consent-chain';
import { ConsentEvent } from './consent-event.entity';
import { ConsentState, ConsentSubject } from './consent-state.entity';
import { ConsentError } from './consent.errors';
import { GENESIS_HASH, IDEMPOTENCY_KEY_PATTERN } from './consent.vocabulary';
import type { ConsentEventResponse, ConsentSource, HistoryPage, WriteResult } from '@flowgate/core';
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

/** A committed change of one user's consents, from the change log (any process wrote it). */
export interface ConsentChange {
  userId: string;
  version: number;
  /** The change log id (the SSE event id). */
  changeId: number;
}

export interface VerifyResult extends ChainCheck {
  userId: string;
  version: number;
  /** Problems with the checkpoints themselves (the whole log's, not only this user's). */
  log: LedgerProblem[];
}

/**
 * The consent log: records choices as hash-chained, append-only events and keeps the
 * current-state projection in the same transaction. All writes go through the write
 * queue (one transaction at a time, `synchronous=FULL`): a 2xx means the change is on disk.
 */
@Injectable()
export class ConsentService {
  /** Emits after every committed change of a user's consents, by this process or another. */
  readonly changes: Observable<ConsentChange>;

  constructor(
    private readonly writeQueue: WriteQueue,
    private readonly policies: PolicyService,
    private readonly changeLog: ChangeLogService,
    private readonly cache: ConsentsCache,
    private readonly writer: ConsentWriter,
    private readonly checkpoints: ConsentCheckpoints,
  ) {
    this.changes = changeLog.live.pipe(
      filter((e) => e.kind === 'consent'),
      map((e) => ({ userId: e.userId, version: e.version, changeId: e.id })),
    );
  }

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
    const outcome = await this.writer.write({
      userId,
      changes: prepared,
      gpc: ctx.gpc === true,
      source: ctx.source,
      actor: ctx.actor,
      // The request's hash only matters to a replay of its key: not computed without one.
      idempotency:
        key === undefined
          ? undefined
          : { key, requestHash: sha256Hex(JSON.stringify([ctx.source, changes.map((c) => [c.flowKey, c.granted, c.flowVersion ?? null])])) },
    });
    switch (outcome.kind) {
      case 'written':
        await this.committed(userId, outcome.response.version, outcome.changeId);
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
    await this.committed(userId, outcome.response.version, outcome.changeId);
    return true;
  }

  /** The user's events, newest first, `limit` at a time (`before`: a seq from `nextBefore`). */
  async history(userId: string, options: { limit: number; before?: number }): Promise<HistoryPage> {
    const { limit, before } = options;
    return this.writeQueue.read(async (m) => {
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

  /**
   * Checks everything that proves the user's consent: their hash chain and head, every
   * event against the signed checkpoints (none inserted, changed, re-chained or deleted),
   * `consent_state` and `consent_subject` against the projection of the events, and each
   * notice text against its hash. `ledger`: the checked checkpoints, when the caller
   * verifies many users (`consent verify`); loaded otherwise.
   */
  async verify(userId: string, ledger?: Ledger): Promise<VerifyResult> {
    return this.writeQueue.read(async (m) => {
      const checked = ledger ?? (await this.checkpoints.ledger(m));
      // One after another: pg does not run queries side by side on one connection.
      const events = await m.find(ConsentEvent, { where: { userId }, order: { seq: 'ASC' } });
      const head = await m.findOneBy(ConsentSubject, { userId });
      const states = await m.find(ConsentState, { where: { userId } });
      const hashes = [...new Set(events.map((e) => e.noticeHash).filter((h): h is string => h !== null))];
      const notices: Array<{ hash: string; text: string }> =
        hashes.length === 0
          ? []
          : await m.query(this.writeQueue.sql(`SELECT hash, text FROM consent_notice WHERE hash IN (${hashes.map(() => '?').join(', ')})`), hashes);
      const chain = verifyChain(userId, events, head ? { version: head.version, lastHash: head.lastHash } : null);
      const problems = [
        ...chain.problems,
        ...checkEventsAgainstLedger(userId, events, checked),
        ...projectionProblems(events, head, states),
        ...noticeProblems(events, notices),
      ];
      return {
        userId,
        version: head?.version ?? 0,
        // A broken checkpoint breaks everyone's proof: the log's problems count for each user.
        ok: problems.length === 0 && checked.problems.length === 0,
        events: events.length,
        problems,
        log: checked.problems,
      };
    });
  }

  /** The checked checkpoints, once, for verifying many users. */
  ledger(): Promise<Ledger> {
    return this.checkpoints.ledger();
  }

  /** Every user with consent events or state, in id order. */
  async users(): Promise<string[]> {
    const rows: Array<{ userId: string }> = await this.writeQueue.read((m) =>
      m.query('SELECT "userId" FROM consent_event UNION SELECT "userId" FROM consent_subject ORDER BY "userId"'),
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
    // The heads were rewritten: the writer reads them again rather than trust its memory.
    this.writeQueue.invalidate();
    this.cache.clear();
    return counts;
  }

  /** Publishes the write's change-log entry here (the cache follows it), before answering. */
  private committed(userId: string, version: number, changeId: number): Promise<void> {
    return this.changeLog.committed([{ id: changeId, kind: 'consent', userId, version }]);
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
  states.set(key, Object.assign(new ConsentState(), stateRowOf(e, e.flowKey, e.flowVersion)));
}

/** `consent_state` and `consent_subject` against what the events say (the projection's rule, `applyEvent`). */
function projectionProblems(events: readonly ConsentEvent[], head: ConsentSubject | null, states: readonly ConsentState[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const latest = new Map<string, ConsentEvent>();
  for (const e of events) {
    if (e.flowKey === null || e.flowVersion === null) continue;
    const seen = latest.get(e.flowKey);
    if (!seen || seen.id < e.id) latest.set(e.flowKey, e);
  }
  for (const state of states) {
    const e = latest.get(state.flowKey);
    if (!e) {
      problems.push({ seq: 0, eventId: state.eventId, problem: `consent_state has a choice for ${state.flowKey} (${state.choice}) that no event records` });
      continue;
    }
    const same =
      state.choice === e.choice && state.flowVersion === e.flowVersion && state.source === e.source && state.eventId === e.id && state.recordedAt === e.recordedAt;
    if (!same) {
      problems.push({
        seq: e.seq,
        eventId: e.id,
        problem: `consent_state for ${state.flowKey} says ${state.choice} (flow version ${state.flowVersion}, event ${state.eventId}), but the events say ${e.choice} (flow version ${e.flowVersion}, event ${e.id})`,
      });
    }
  }
  for (const [flowKey, e] of latest) {
    if (!states.some((s) => s.flowKey === flowKey)) {
      problems.push({ seq: e.seq, eventId: e.id, problem: `consent_state has no choice for ${flowKey}, but the events say ${e.choice}` });
    }
  }
  const gpcEvent = events.find((e) => e.source === 'gpc' && e.flowKey === null);
  if ((head?.gpc ?? false) !== (gpcEvent !== undefined)) {
    problems.push({
      seq: gpcEvent?.seq ?? 0,
      eventId: gpcEvent?.id ?? null,
      problem: `consent_subject says GPC ${head?.gpc ? 'on' : 'off'}, but the events say ${gpcEvent ? 'on' : 'off'}`,
    });
  }
  return problems;
}

/** Each notice an event refers to: present, and its text still hashing to the hash. */
function noticeProblems(events: readonly ConsentEvent[], notices: ReadonlyArray<{ hash: string; text: string }>): ChainProblem[] {
  const texts = new Map(notices.map((n) => [n.hash, n.text]));
  const problems: ChainProblem[] = [];
  const reported = new Set<string>();
  for (const e of events) {
    if (e.noticeHash === null || reported.has(e.noticeHash)) continue;
    const text = texts.get(e.noticeHash);
    if (text === undefined) problems.push({ seq: e.seq, eventId: e.id, problem: `the notice it refers to (${e.noticeHash.slice(0, 12)}…) is missing` });
    else if (sha256Hex(text) !== e.noticeHash) {
      problems.push({ seq: e.seq, eventId: e.id, problem: `the notice text it refers to (${e.noticeHash.slice(0, 12)}…) was changed: it no longer matches its hash` });
    } else continue;
    reported.add(e.noticeHash);
  }
  return problems;
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

