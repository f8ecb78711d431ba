import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { checkEventsAgainstLedger, checkLedger, headOf, sealCheckpoint, sealCheckpointWithHead, type CheckpointRow } from './checkpoint';
import { hashEvent, type StoredChainedEvent } from './consent-chain';
import { publicJwk } from './receipt-signer';

const { privateKey } = generateKeyPairSync('ed25519');
const jwk = publicJwk(privateKey);
const key = { privateKey, kid: jwk.kid };

/** Batches of events for a few users, with ids 1..n and per-user chains. */
function buildLog(batchSizes: number[]): { events: StoredChainedEvent[]; rows: CheckpointRow[] } {
  const events: StoredChainedEvent[] = [];
  const rows: CheckpointRow[] = [];
  const heads = new Map<string, { seq: number; hash: string }>();
  let id = 0;
  for (const size of batchSizes) {
    const batch: StoredChainedEvent[] = [];
    for (let i = 0; i < size; i++) {
      const userId = `user-${(id * 7) % 3}`;
      const head = heads.get(userId) ?? { seq: 0, hash: '0'.repeat(64) };
      const e = {
        id: ++id, userId, seq: head.seq + 1, flowKey: 'vendor-b.analytics', choice: 'granted' as const, source: 'api' as const,
        flowVersion: 1, noticeHash: null, actor: 'admin', recordedAt: new Date(id * 1000).toISOString(), prevHash: head.hash,
      };
      const stored = { ...e, hash: hashEvent(e) };
      heads.set(userId, { seq: stored.seq, hash: stored.hash });
      batch.push(stored);
    }
    events.push(...batch);
    const last = rows.at(-1);
    rows.push(sealCheckpoint(last ? headOf(last) : null, batch, key, new Date(id * 1000).toISOString()));
  }
  return { events, rows };
}

const batches = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 });

describe(checkLedger.name, () => {
  it('accepts what it sealed: every event covered, nothing missing', () => {
    fc.assert(
      fc.property(batches, (sizes) => {
        const { events, rows } = buildLog(sizes);
        const ledger = checkLedger(rows, [jwk]);
        expect(ledger.problems).toEqual([]);
        for (const user of new Set(events.map((e) => e.userId))) {
          expect(checkEventsAgainstLedger(user, events.filter((e) => e.userId === user), ledger)).toEqual([]);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('finds any removed checkpoint, and any changed byte of a payload', () => {
    fc.assert(
      fc.property(batches.filter((b) => b.length >= 2), fc.nat(), fc.nat(), (sizes, which, at) => {
        const { rows } = buildLog(sizes);
        const removed = rows.filter((_, i) => i !== which % (rows.length - 1));
        expect(checkLedger(removed, [jwk]).problems).not.toEqual([]);
        const edited = rows.map((r, i) => {
          if (i !== which % rows.length) return r;
          const pos = at % r.payload.length;
          const ch = r.payload[pos] === 'a' ? 'b' : 'a';
          return { ...r, payload: r.payload.slice(0, pos) + ch + r.payload.slice(pos + 1) };
        });
        expect(checkLedger(edited, [jwk]).problems.map((p) => p.problem)).toContainEqual(expect.stringMatching(/signature does not verify/));
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a checkpoint signed by a key outside the key set', () => {
    const { rows } = buildLog([2]);
    const other = publicJwk(generateKeyPairSync('ed25519').privateKey);
    expect(checkLedger(rows, [other]).problems).toEqual([{ checkpoint: 1, problem: `is signed with key ${jwk.kid}, which is not in the key set` }]);
  });
});

describe(sealCheckpointWithHead.name, () => {
  it('gives the head headOf reads back from the row, and the row sealCheckpoint signs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }), (sizes) => {
        const { events } = buildLog(sizes);
        let previous: ReturnType<typeof headOf> | null = null;
        for (let i = 0; i < events.length; i += 3) {
          const batch = events.slice(i, i + 3);
          const { row, head } = sealCheckpointWithHead(previous, batch, key, '2026-01-01T00:00:00.000Z');
          expect(head).toEqual(headOf(row));
          // Ed25519 signatures are deterministic: the same statement, the same row.
          expect(sealCheckpoint(previous, batch, key, '2026-01-01T00:00:00.000Z')).toEqual(row);
          previous = head;
        }
      }),
      { numRuns: 30 },
    );
  });
});
