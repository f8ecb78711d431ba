import fc from 'fast-check';
import { hashEvent, verifyChain, type StoredChainedEvent } from './consent-chain';
import { GENESIS_HASH } from './consent.vocabulary';

/** A valid chain for one user, built step by step like the service does. */
function chain(userId: string, n: number, firstId = 1): StoredChainedEvent[] {
  const events: StoredChainedEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const unhashed = {
      id: firstId + seq - 1,
      userId,
      seq,
      flowKey: seq === 1 ? null : `vendor-${seq % 3}.support`,
      choice: seq % 2 === 0 ? ('granted' as const) : ('denied' as const),
      source: seq === 1 ? ('gpc' as const) : ('preference-centre' as const),
      flowVersion: seq === 1 ? null : seq,
      noticeHash: seq === 1 ? null : 'a'.repeat(64),
      actor: `user:${userId}`,
      recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      prevHash,
    };
    const event = { ...unhashed, hash: hashEvent(unhashed) };
    events.push(event);
    prevHash = event.hash;
  }
  return events;
}

const head = (events: StoredChainedEvent[]) => ({ version: events.length, lastHash: events.at(-1)?.hash ?? GENESIS_HASH });

/** Flips one character of a string (same length, different value). */
function flip(value: string, at: number): string {
  const i = at % value.length;
  const c = value[i];
  return `${value.slice(0, i)}${c === '0' ? '1' : '0'}${value.slice(i + 1)}`;
}

describe(verifyChain.name, () => {
  it('accepts an intact chain, in any order', () => {
    const events = chain('ada@example.com', 6);
    expect(verifyChain('ada@example.com', [...events].reverse(), head(events))).toEqual({ ok: true, events: 6, problems: [] });
  });

  it('accepts a user with no events', () => {
    expect(verifyChain('ada@example.com', [], null).ok).toBe(true);
  });

  it('detects a flipped byte in any column of any event', () => {
    const columns = ['id', 'userId', 'seq', 'flowKey', 'choice', 'source', 'flowVersion', 'noticeHash', 'actor', 'recordedAt', 'prevHash', 'hash'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.constantFrom(...columns),
        fc.nat(),
        (n, which, column, at) => {
          const events = chain('ada@example.com', n);
          const i = which % n;
          const original = events[i][column];
          const tampered =
            typeof original === 'number'
              ? original ^ (1 << at % 8)
              : original === null
                ? '0'
                : flip(original, at);
          const altered = events.map((e, j) => (j === i ? { ...e, [column]: tampered } : e));
          expect(verifyChain('ada@example.com', altered, head(events)).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('detects a removed event, in the middle or at the end', () => {
    const events = chain('ada@example.com', 5);
    const withoutMiddle = events.filter((e) => e.seq !== 3);
    expect(verifyChain('ada@example.com', withoutMiddle, head(events)).problems[0]).toMatchObject({ seq: 3 });
    const withoutLast = events.slice(0, 4);
    expect(verifyChain('ada@example.com', withoutLast, head(events)).ok).toBe(false);
  });

  it('detects two events swapped with their sequence numbers', () => {
    const events = chain('ada@example.com', 4);
    const swapped = events.map((e) => (e.seq === 2 ? { ...e, seq: 3 } : e.seq === 3 ? { ...e, seq: 2 } : e));
    expect(verifyChain('ada@example.com', swapped, head(events)).ok).toBe(false);
  });

  it("detects another user's valid events spliced in", () => {
    const ada = chain('ada@example.com', 3);
    const grace = chain('grace@example.com', 3, 10);
    expect(verifyChain('ada@example.com', [...ada.slice(0, 2), grace[2]], head(ada)).ok).toBe(false);
  });
});
