import { createHash } from 'node:crypto';
import { GENESIS_HASH } from './consent.vocabulary';
import type { Choice, ConsentSource } from '@flowgate/core';

/** Everything a consent event's hash covers: every stored column but the hash itself. */
export interface ChainedEvent {
  readonly id: number;
  readonly userId: string;
  readonly seq: number;
  readonly flowKey: string | null;
  readonly choice: Choice;
  readonly source: ConsentSource;
  readonly flowVersion: number | null;
  readonly noticeHash: string | null;
  readonly actor: string;
  readonly recordedAt: string;
  readonly prevHash: string;
}

export interface StoredChainedEvent extends ChainedEvent {
  readonly hash: string;
}

/** A `consent_state` row: the user's newest event for one flow. */
export interface ConsentStateRow {
  userId: string;
  flowKey: string;
  choice: Choice;
  flowVersion: number;
  source: ConsentSource;
  eventId: number;
  recordedAt: string;
}

/** The `consent_state` row an event for a flow makes (its `flowKey` and `flowVersion`, known set). */
export function stateRowOf(e: StoredChainedEvent, flowKey: string, flowVersion: number): ConsentStateRow {
  return { userId: e.userId, flowKey, choice: e.choice, flowVersion, source: e.source, eventId: e.id, recordedAt: e.recordedAt };
}

/** SHA-256 (hex) of the event's canonical form, which includes the previous event's hash. */
export function hashEvent(e: ChainedEvent): string {
  const canonical = JSON.stringify([
    'flowgate.consent.v1',
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
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ChainProblem {
  seq: number;
  eventId: number | null;
  problem: string;
}

export interface ChainCheck {
  ok: boolean;
  /** Events checked. */
  events: number;
  problems: ChainProblem[];
}

/**
 * Checks one user's events (any order): sequence numbers 1..n without gaps, each event's
 * hash recomputed from its content, each `prevHash` equal to the previous event's hash,
 * and the head (`expected`: the projection's version and last hash) equal to the last
 * event, so a removed tail is caught as well.
 */
export function verifyChain(
  userId: string,
  events: readonly StoredChainedEvent[],
  expected: { version: number; lastHash: string } | null,
): ChainCheck {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const problems: ChainProblem[] = [];
  let prevHash = GENESIS_HASH;
  sorted.forEach((event, i) => {
    const seq = i + 1;
    if (event.seq !== seq) {
      problems.push({ seq, eventId: null, problem: `event ${seq} is missing (found ${event.seq} next)` });
    }
    if (event.userId !== userId) {
      problems.push({ seq: event.seq, eventId: event.id, problem: 'belongs to another user' });
    }
    if (event.prevHash !== prevHash) {
      problems.push({ seq: event.seq, eventId: event.id, problem: "prevHash is not the previous event's hash" });
    }
    if (hashEvent(event) !== event.hash) {
      problems.push({ seq: event.seq, eventId: event.id, problem: 'content does not match its hash' });
    }
    prevHash = event.hash;
  });
  const last = sorted.at(-1);
  const head = { version: last?.seq ?? 0, lastHash: last?.hash ?? GENESIS_HASH };
  const wanted = expected ?? { version: 0, lastHash: GENESIS_HASH };
  if (head.version !== wanted.version || head.lastHash !== wanted.lastHash) {
    problems.push({
      seq: wanted.version,
      eventId: null,
      problem: `the chain ends at event ${head.version} but the recorded head is event ${wanted.version}`,
    });
  }
  return { ok: problems.length === 0, events: sorted.length, problems };
}
