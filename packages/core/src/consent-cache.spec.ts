import fc from 'fast-check';
import { ConsentCache, type ConsentRecord } from './consent-cache.js';
import { compileConsents, decodeChoice, encodeChoice, type ConsentChoice } from './engine/consents.js';
import { compilePolicy, type PolicyMap } from './engine/policy.js';

const FLOWS = ['vendor-a.support', 'vendor-b.product-analytics', 'vendor-c.email-delivery'];
const MAP: PolicyMap = {
  version: 1,
  fields: [],
  subprocessors: [{ key: 'vendor-a' }, { key: 'vendor-b' }, { key: 'vendor-c' }],
  purposes: [{ key: 'support' }, { key: 'product-analytics' }, { key: 'email-delivery' }],
  flows: FLOWS.map((key) => {
    const [subprocessor, purpose] = key.split('.');
    return { key, subprocessor, purpose, mode: 'opt-in' as const, legalBasis: 'consent' as const, version: 3, fields: [], excludedFields: [] };
  }),
};

const idArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('ada@example.com', 'zoë', '名前', 'user-1', 'emoji-😀', 'lone-\ud800'),
);
const choiceArb: fc.Arbitrary<ConsentChoice> = fc.record({
  granted: fc.boolean(),
  version: fc.oneof(fc.nat(300), fc.constantFrom(0, 2 ** 30 - 2, 2 ** 31, 2 ** 53, -1, 1.5, Number.NaN)),
});
const recordArb: fc.Arbitrary<ConsentRecord> = fc.record({
  choices: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FLOWS), fc.string({ minLength: 1, maxLength: 20 })), choiceArb), { maxLength: 12 }),
  gpc: fc.boolean(),
  version: fc.option(fc.oneof(fc.nat(), fc.constantFrom(2 ** 40, Number.MAX_SAFE_INTEGER, -3, 0.5)), { nil: undefined }),
});

/** What a record reads back as: each choice as the engine reads it, the version as stored. */
function normalized(record: ConsentRecord): ConsentRecord {
  const v = record.version;
  return {
    choices: record.choices.map(([key, c]) => [key, decodeChoice(encodeChoice(c))] as const),
    gpc: record.gpc,
    version: v !== undefined && Number.isSafeInteger(v) && v > 0 ? v : 0,
  };
}

describe(ConsentCache.name, () => {
  it('round-trips every record it keeps, through overwrites, deletes, eviction and compaction', () => {
    const policy = compilePolicy(MAP);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(idArb, fc.option(recordArb, { nil: undefined, freq: 6 })), { maxLength: 120 }),
        (max, ops) => {
          const cache = new ConsentCache({ maxUsers: max, hotUsers: 2 });
          const live = new Map<string, ConsentRecord>();
          for (const [id, record] of ops) {
            if (record === undefined) {
              cache.delete(id);
              live.delete(id);
              continue;
            }
            cache.set(id, record);
            expect(cache.get(id, policy)?.gpc).toBe(record.gpc); // now in the hot tier too
            live.delete(id);
            if (live.size >= max) live.delete(live.keys().next().value as string);
            live.set(id, normalized(record));
          }
          expect(cache.size).toBe(live.size);
          for (const [id, want] of live) {
            expect(cache.peek(id)).toEqual(want);
            expect(cache.versionOf(id)).toBe(want.version);
          }
          // Evicted users leave the hot tier too (found by their id read back from the arena).
          for (const [id] of ops) if (!live.has(id)) expect(cache.get(id, policy)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts a hot user of any script, found by the id read back from the arena', () => {
    const policy = compilePolicy(MAP);
    for (const id of ['ada', 'zoë', '名前', 'emoji-😀']) {
      const cache = new ConsentCache({ maxUsers: 2, hotUsers: 2 });
      cache.set(id, { choices: [], gpc: true });
      expect(cache.get(id, policy)?.gpc).toBe(true);
      cache.set('b', { choices: [], gpc: false });
      cache.set('c', { choices: [], gpc: false });
      expect(cache.get(id, policy)).toBeUndefined();
    }
  });

  it('compiles exactly what compileConsents compiles from the record', () => {
    const policy = compilePolicy(MAP);
    fc.assert(
      fc.property(idArb, recordArb, (id, record) => {
        const cache = new ConsentCache({ hotUsers: 1 });
        cache.set(id, record);
        cache.set('someone-else', { choices: [], gpc: false }); // pushes `id` out of the hot tier
        cache.get('someone-else', policy);
        const got = cache.get(id, policy)!;
        const want = compileConsents(policy, record.choices, { gpc: record.gpc });
        expect([got.pairs, got.inPolicy, got.keys, got.gpc]).toEqual([want.pairs, want.inPolicy, want.keys, want.gpc]);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps 100,000 users with up to 3 choices in under 64 bytes each', () => {
    const cache = new ConsentCache({ maxUsers: 100_000 });
    for (let i = 0; i < 100_000; i++) {
      const choices = FLOWS.slice(0, i % 4).map((key) => [key, { granted: i % 2 === 0, version: 3 }] as const);
      cache.set(`user-${i}`, { choices, gpc: i % 7 === 0, version: i % 4 });
    }
    expect(cache.size).toBe(100_000);
    expect(cache.byteLength / cache.size).toBeLessThan(64);
    expect(cache.versionOf('user-99999')).toBe(3);
    expect(cache.versionOf('user-100000')).toBeUndefined();
  });
});
