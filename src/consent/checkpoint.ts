import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { StoredChainedEvent } from './consent-chain';
import { GENESIS_HASH } from './consent.vocabulary';
import type { ReceiptJwk } from './receipt-signer';

/**
 * Signed checkpoints: what makes the consent log tamper-evident to someone who can write
 * the database file but does not hold the signing key. Every group-commit batch of
 * consent events is sealed, in the transaction that writes it, by one checkpoint: an
 * Ed25519 signature over the batch's events (id, user, seq, hash each), the previous
 * checkpoint's digest and the log-wide hash chain's head. So every event is covered by a
 * signature, and inserting, changing, re-chaining or deleting an event, or deleting or
 * editing a checkpoint, leaves something no valid signature covers.
 */

/** One event as a checkpoint lists it: `[id, userId, seq, hash]`. */
export type CheckpointLeaf = [id: number, userId: string, seq: number, hash: string];

/** What a checkpoint's signature covers (its `payload`, as canonical JSON). */
export interface CheckpointStatement {
  type: 'flowgate.consent-checkpoint.v1';
  /** 1, 2, 3, …: the checkpoint's number. */
  seq: number;
  /** The previous checkpoint's digest (`GENESIS_HASH` for the first). */
  prev: string;
  /** The log-wide chain: SHA-256 of the previous `logHash` and this batch's digest. */
  logHash: string;
  firstEventId: number;
  lastEventId: number;
  events: CheckpointLeaf[];
  sealedAt: string;
}

export interface CheckpointRow {
  id: number;
  firstEventId: number;
  lastEventId: number;
  payload: string;
  signature: string;
  kid: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A checkpoint's identity: SHA-256 of its payload and signature. */
export function checkpointDigest(row: Pick<CheckpointRow, 'payload' | 'signature'>): string {
  return sha256(`${row.payload}.${row.signature}`);
}

/** What the next checkpoint needs of the one before it. */
export interface CheckpointHead {
  seq: number;
  digest: string;
  logHash: string;
}

export function headOf(row: CheckpointRow): CheckpointHead {
  const s = JSON.parse(row.payload) as CheckpointStatement;
  return { seq: s.seq, digest: checkpointDigest(row), logHash: s.logHash };
}

/** Builds and signs the checkpoint after `previous` over `events` (in id order, contiguous). */
export function sealCheckpoint(
  previous: CheckpointHead | null,
  events: readonly StoredChainedEvent[],
  key: { privateKey: KeyObject; kid: string },
  sealedAt: string,
): CheckpointRow {
  return sealCheckpointWithHead(previous, events, key, sealedAt).row;
}

/** `sealCheckpoint`, with the new checkpoint's head (`headOf(row)`, without parsing the payload back). */
export function sealCheckpointWithHead(
  previous: CheckpointHead | null,
  events: readonly StoredChainedEvent[],
  key: { privateKey: KeyObject; kid: string },
  sealedAt: string,
): { row: CheckpointRow; head: CheckpointHead } {
  const leaves: CheckpointLeaf[] = events.map((e) => [e.id, e.userId, e.seq, e.hash]);
  const statement: CheckpointStatement = {
    type: 'flowgate.consent-checkpoint.v1',
    seq: (previous?.seq ?? 0) + 1,
    prev: previous?.digest ?? GENESIS_HASH,
    logHash: sha256(`${previous?.logHash ?? GENESIS_HASH}:${sha256(JSON.stringify(leaves))}`),
    firstEventId: leaves[0][0],
    lastEventId: leaves.at(-1)![0],
    events: leaves,
    sealedAt,
  };
  const payload = JSON.stringify(statement);
  const signature = sign(null, Buffer.from(payload), key.privateKey).toString('base64url');
  const row = { id: statement.seq, firstEventId: statement.firstEventId, lastEventId: statement.lastEventId, payload, signature, kid: key.kid };
  return { row, head: { seq: statement.seq, digest: checkpointDigest(row), logHash: statement.logHash } };
}

/** A problem with the checkpoints themselves (not yet tied to a user). */
export interface LedgerProblem {
  checkpoint: number;
  problem: string;
}

/** The checkpoints, checked: their signatures and links, and the events each vouches for. */
export interface Ledger {
  problems: LedgerProblem[];
  /** Every event a valid checkpoint lists, by id, with the checkpoint's number. */
  leaves: Map<number, { leaf: CheckpointLeaf; checkpoint: number }>;
  /** Leaves by user, for per-user checks and to find users whose whole history is gone. */
  byUser: Map<string, CheckpointLeaf[]>;
  /** The id ranges a valid checkpoint covers, in order. */
  ranges: Array<{ checkpoint: number; first: number; last: number }>;
  /** The last checkpoint (null: none): receipts carry it. */
  head: { seq: number; digest: string; logHash: string; lastEventId: number } | null;
}

/**
 * Checks checkpoint rows (in id order): each signature against the public keys (current
 * and retired), each payload's number, link to the previous digest, log-hash step and
 * event range (contiguous from event 1), and that the leaves are what the row says.
 * A checkpoint that fails vouches for nothing: its events then count as uncovered.
 */
export function checkLedger(
  rows: readonly CheckpointRow[],
  keys: readonly ReceiptJwk[],
  /** Digests of checkpoints whose signature verified before (it is the costly part); grows. */
  verified: Set<string> = new Set(),
): Ledger {
  const publicKeys = new Map(keys.map((k) => [k.kid, createPublicKey({ key: { kty: k.kty, crv: k.crv, x: k.x }, format: 'jwk' })]));
  const ledger: Ledger = { problems: [], leaves: new Map(), byUser: new Map(), ranges: [], head: null };
  let prevDigest = GENESIS_HASH;
  let prevLogHash = GENESIS_HASH;
  let nextEventId = 1;
  let expectedSeq = 1;
  for (const row of rows) {
    const fail = (problem: string) => ledger.problems.push({ checkpoint: row.id, problem });
    if (row.id !== expectedSeq) {
      ledger.problems.push({ checkpoint: expectedSeq, problem: `checkpoint ${expectedSeq} is missing (checkpoint ${row.id} follows ${expectedSeq - 1})` });
    }
    expectedSeq = row.id + 1;
    const key = publicKeys.get(row.kid);
    if (!key) {
      fail(`is signed with key ${row.kid}, which is not in the key set`);
      continue;
    }
    const digest = checkpointDigest(row);
    if (!verified.has(`${row.kid}:${digest}`)) {
      if (!verify(null, Buffer.from(row.payload), key, Buffer.from(row.signature, 'base64url'))) {
        fail('its signature does not verify: the checkpoint was altered');
        continue;
      }
      verified.add(`${row.kid}:${digest}`);
    }
    const s = JSON.parse(row.payload) as CheckpointStatement;
    if (s.seq !== row.id || s.firstEventId !== row.firstEventId || s.lastEventId !== row.lastEventId) {
      fail(`its row (number ${row.id}, events ${row.firstEventId}–${row.lastEventId}) does not match what was signed (number ${s.seq}, events ${s.firstEventId}–${s.lastEventId})`);
    }
    if (s.prev !== prevDigest) fail(`does not follow checkpoint ${s.seq - 1} (a checkpoint before it was removed or replaced)`);
    const logHash = sha256(`${prevLogHash}:${sha256(JSON.stringify(s.events))}`);
    if (s.logHash !== logHash) fail('its log hash does not continue the log-wide chain');
    // Ids only grow from one checkpoint to the next; gaps are allowed (a PostgreSQL sequence
    // skips the numbers of a rolled-back write). Each event is checked by its id below.
    if (s.firstEventId < nextEventId) fail(`covers events from ${s.firstEventId}, but the previous checkpoint already reached event ${nextEventId - 1}`);
    for (const leaf of s.events) {
      ledger.leaves.set(leaf[0], { leaf, checkpoint: s.seq });
      const list = ledger.byUser.get(leaf[1]) ?? [];
      list.push(leaf);
      ledger.byUser.set(leaf[1], list);
    }
    ledger.ranges.push({ checkpoint: s.seq, first: s.firstEventId, last: s.lastEventId });
    ledger.head = { seq: s.seq, digest, logHash: s.logHash, lastEventId: s.lastEventId };
    prevDigest = digest;
    prevLogHash = s.logHash;
    nextEventId = s.lastEventId + 1;
  }
  return ledger;
}

/** Problems of one user's stored events against the ledger: each named by seq and event id. */
export function checkEventsAgainstLedger(
  userId: string,
  events: readonly StoredChainedEvent[],
  ledger: Ledger,
): Array<{ seq: number; eventId: number | null; problem: string }> {
  const problems: Array<{ seq: number; eventId: number | null; problem: string }> = [];
  const stored = new Map(events.map((e) => [e.id, e]));
  for (const e of events) {
    const found = ledger.leaves.get(e.id);
    if (!found) {
      problems.push({ seq: e.seq, eventId: e.id, problem: 'is not covered by any signed checkpoint (inserted, or its checkpoint was removed or altered)' });
      continue;
    }
    const [, leafUser, leafSeq, leafHash] = found.leaf;
    if (leafUser !== userId || leafSeq !== e.seq || leafHash !== e.hash) {
      problems.push({
        seq: e.seq,
        eventId: e.id,
        problem: `differs from what checkpoint ${found.checkpoint} signed (${leafUser === userId ? `seq ${leafSeq}, hash ${leafHash.slice(0, 12)}…` : 'another user'})`,
      });
    }
  }
  for (const [id, leafUser, seq] of ledger.byUser.get(userId) ?? []) {
    const e = stored.get(id);
    if (!e) problems.push({ seq, eventId: id, problem: `was signed in checkpoint ${ledger.leaves.get(id)!.checkpoint} but is missing (deleted)` });
    else if (e.userId !== leafUser) problems.push({ seq, eventId: id, problem: 'now belongs to another user' });
  }
  return problems;
}
