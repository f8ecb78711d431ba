import fc from 'fast-check';
import { compileConsents, compilePolicy, type ConsentChoice, type PolicyMap } from '@flowgate/core';
import { ConsentCache, type ConsentRecord } from './consent-cache.js';

const FLOWS = ['vendor-a.support', 'vendor-b.product-analytics', 'vendor-c.email-delivery'];
const MAP: PolicyMap = {
  version: 1,
  fields: [{ key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' }],
  subprocessors: [{ key: 'vendor-a' }, { key: 'vendor-b' }, { key: 'vendor-c' }],
  purposes: [{ key: 'support' }, { key: 'product-analytics' }, { key: 'email-delivery' }],
  flows: FLOWS.map((key) => {
    const [subprocessor, purpose] = key.split('.');
    return {
      key,
      subprocessor,
      purpose,
      mode: 'opt-in' as const,
      legalBasis: 'consent' as const,
      version: 3,
      fields: [{ key: 'user.contact.email', since: 1 }],
      excludedFields: [],
    };
  }),
};
const policy = compilePolicy(MAP);

/** The oracle: a Map in recency order (delete + set on use), the oldest evicted first. */
class LruOracle {
  readonly entries = new Map<string, ConsentRecord>();
  constructor(private readonly max: number) {}
  get(id: string): ConsentRecord | undefined {
    const r = this.entries.get(id);
    if (r !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, r);
    }
    return r;
  }
  set(id: string, r: ConsentRecord): void {
    this.entries.delete(id);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, r);
  }
  delete(id: string): void {
    this.entries.delete(id);
  }
}

const userId = fc.constantFrom('ada', 'grace', 'edsger', 'barbara', 'ada@example.com', 'zoë', '名前', 'u-1', 'u-2', 'u-10');
const choice: fc.Arbitrary<ConsentChoice> = fc.record({
  granted: fc.boolean(),
  version: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(2 ** 31, -1, 1.5, Number.NaN)),
});
const record: fc.Arbitrary<ConsentRecord> = fc.record({
  choices: fc.uniqueArray(fc.tuple(fc.constantFrom(...FLOWS, 'gone.flow'), choice), { selector: ([k]) => k, maxLength: 4 }),
  gpc: fc.boolean(),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: userId, record }),
  fc.record({ kind: fc.constant('get' as const), id: userId }),
  fc.record({ kind: fc.constant('delete' as const), id: userId }),
);

const expected = (r: ConsentRecord) => compileConsents(policy, r.choices, { gpc: r.gpc });

describe(ConsentCache.name, () => {
  it('behaves like a bounded LRU map and answers what compileConsents would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 80 }), (max, hot, ops) => {
        const cache = new ConsentCache({ maxUsers: max, hotUsers: hot });
        const oracle = new LruOracle(max);
        for (const o of ops) {
          if (o.kind === 'set') {
            cache.set(o.id, o.record);
            oracle.set(o.id, o.record);
          } else if (o.kind === 'delete') {
            cache.delete(o.id);
            oracle.delete(o.id);
          } else {
            const want = oracle.get(o.id);
            const got = cache.get(o.id, policy);
            if (want === undefined) expect(got).toBeUndefined();
            else {
              expect(got?.byFlowId).toEqual(expected(want).byFlowId);
              expect(got?.byFlowKey).toEqual(expected(want).byFlowKey);
              expect(got?.gpc).toBe(want.gpc);
            }
          }
          expect(cache.size).toBe(oracle.entries.size);
        }
        for (const [id] of oracle.entries) expect(cache.has(id)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('recompiles a hot user when the policy changes', () => {
    const cache = new ConsentCache();
    cache.set('ada', { choices: [['vendor-a.support', { granted: true, version: 3 }]], gpc: false });
    const first = cache.get('ada', policy)!;
    expect(cache.get('ada', policy)).toBe(first);
    const next = compilePolicy({ ...MAP, version: 2 });
    const second = cache.get('ada', next)!;
    expect(second.policy).toBe(next);
    expect(second.byFlowId[next.flowIds.get('vendor-a.support')!]).toBe(4);
  });

  it('keeps 20,000 users through growth, deletes and arena compaction', () => {
    const cache = new ConsentCache({ maxUsers: 20_000, hotUsers: 16 });
    const rec = (i: number): ConsentRecord => ({
      choices: [[FLOWS[i % 3], { granted: i % 2 === 0, version: i % 4 }]],
      gpc: i % 5 === 0,
    });
    for (let i = 0; i < 20_000; i++) cache.set(`user-${i}`, rec(i));
    for (let i = 0; i < 20_000; i += 2) cache.delete(`user-${i}`);
    for (let i = 0; i < 20_000; i += 2) cache.set(`user-${i}`, rec(i + 1));
    expect(cache.size).toBe(20_000);
    const wrong = [];
    for (let i = 0; i < 20_000; i++) {
      const want = i % 2 === 0 ? rec(i + 1) : rec(i);
      const got = cache.peek(`user-${i}`);
      const [[flow, c]] = got!.choices;
      const [[wantFlow, wantChoice]] = want.choices;
      if (flow !== wantFlow || c.granted !== wantChoice.granted || c.version !== wantChoice.version || got!.gpc !== want.gpc) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    cache.set('one-more', rec(0));
    expect(cache.has('user-1')).toBe(false);
    expect(cache.size).toBe(20_000);
  });

  it('rejects an empty user id', () => {
    expect(() => new ConsentCache().set('', { choices: [], gpc: false })).toThrow(RangeError);
  });
});
