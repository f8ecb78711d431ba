import fc from 'fast-check';
import { allows, compileConsents, compilePolicy, EMPTY_CONSENTS, payloadVerdict, type DecisionRequest, type PolicyMap } from '@flowgate/core';
import { copyJudged, copyPayload } from './copy.js';

/*
 * `copyJudged` copies the caller's payload and judges the copy in the same walk (guard.wrap's
 * fast path). Held to the two walks it replaces, kept as the oracle: `copyPayload` (itself held
 * to the careful copy in copy.spec.ts), then the engine's `allows` on that copy. Same copy, same
 * unreadable parts, and `goes` exactly when nothing was unreadable and `allows` says yes, over
 * `[*]` and `.**` paths, values a field may or may not carry, `__proto__` keys, the hostile
 * kinds the copy reads once or leaves out (getters, toJSON, Maps, Proxies, symbol keys,
 * BigInts, bytes, throwing getters), nesting past the engine's depth limit and the copy's,
 * and cycles. `payloadVerdict` is null exactly when `allows` denies whatever the payload.
 */

const FIELDS = [
  { key: 'user.contact.email', paths: ['email', 'user.email', 'users[*].email'], sensitivity: 'personal' as const },
  { key: 'usage.page', paths: ['page', 'users[*].page', 'ctx.page', 'list[*]'], sensitivity: 'personal' as const },
  { key: 'device.info', paths: ['device.**'], sensitivity: 'personal' as const },
  { key: 'note.text', paths: ['note', '__proto__'], sensitivity: 'personal' as const },
];

const mapArb = fc
  .record({ sent: fc.subarray(FIELDS.map((f) => f.key), { minLength: 2 }), mode: fc.constantFrom<'required' | 'opt-in' | 'opt-out'>('required', 'required', 'opt-in', 'opt-out') })
  .map(
    ({ sent, mode }): PolicyMap => ({
      version: 1,
      fields: FIELDS,
      subprocessors: [{ key: 'sp' }],
      purposes: [{ key: 'p' }],
      flows: [
        {
          key: 'sp.p',
          subprocessor: 'sp',
          purpose: 'p',
          mode,
          legalBasis: mode === 'opt-in' ? 'consent' : mode === 'opt-out' ? 'legitimate-interests' : 'contract',
          version: 1,
          fields: sent.map((key) => ({ key, since: 0 })),
          excludedFields: [],
        },
      ],
    }),
  );

const throwing = () => Object.defineProperty({}, 'page', { enumerable: true, get: () => { throw new Error('no'); } });
const leafArb = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>('x', 'ada@example.com', '+44 20 7946 0958', 42, true, null, '4242 4242 4242 4242', Number.NaN), weight: 6 },
  {
    arbitrary: fc.constantFrom<() => unknown>(
      () => undefined,
      () => () => 1,
      () => Symbol('s'),
      () => 7n,
      () => new Date(0),
      () => Buffer.from('ada@example.com'),
      () => new Uint8Array([1, 2]),
      () => new ArrayBuffer(2),
      () => new Map([['email', 'x']]),
      () => new Set([1]),
      () => new Proxy({ page: 'x' }, {}),
      () => ({ toJSON: () => 'ada@example.com' }),
      () => ({ toJSON: () => ({ email: 'x', page: undefined }) }),
      () => Object.defineProperty({ page: 'x' }, 'email', { enumerable: true, get: () => 'ada@example.com' }),
      () => ({ [Symbol('k')]: 1, page: 'x' }),
      throwing,
    ).map((make) => make()),
    weight: 2,
  },
);
const keyArb = fc.constantFrom('email', 'page', 'user', 'users', 'ctx', 'device', 'note', 'list', '__proto__', 'zz', 'os', '0', 'toJSON');
const payloadArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leafArb, weight: 3 },
    { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
    {
      arbitrary: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }).map((entries) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        return o;
      }),
      weight: 2,
    },
  ),
})).value;

const hostileArb = fc.oneof(
  { arbitrary: payloadArb, weight: 6 },
  {
    arbitrary: fc.tuple(fc.constantFrom('zz', 'users', 'device'), payloadArb).map(([key, inner]) => {
      const o: Record<string, unknown> = { page: inner };
      o[key] = o;
      return o;
    }),
    weight: 1,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('device', 'zz', 'users', 'list'), fc.constantFrom(29, 30, 31, 32, 33, 34, 63, 64, 65), fc.boolean(), leafArb)
      .map(([key, depth, arrays, leaf]) => {
        let v: unknown = leaf;
        for (let i = 0; i < depth; i++) v = arrays && i % 2 === 0 ? [v] : { os: v };
        return { [key]: v, page: 'x' };
      }),
    weight: 2,
  },
);

describe(`${copyJudged.name}`, () => {
  it('copies as copyPayload does and goes exactly when allows() allows that copy', () => {
    let goes = 0;
    let cases = 0;
    fc.assert(
      fc.property(mapArb, fc.array(fc.record({ payload: hostileArb, consented: fc.boolean(), gpc: fc.option(fc.boolean(), { nil: undefined }), fields: fc.option(fc.constantFrom(['usage.page'], ['note.text'], ['nope']), { nil: undefined }) }), { minLength: 8, maxLength: 8 }), (map, calls) => {
        const policy = compilePolicy(map);
        for (const call of calls) {
          const consents = call.consented ? compileConsents(policy, { 'sp.p': { granted: true, version: 1 } }) : EMPTY_CONSENTS;
          const request: DecisionRequest = { subprocessor: 'sp', purpose: 'p', gpc: call.gpc, fields: call.fields };
          const verdict = payloadVerdict(policy, consents, request);
          expect(verdict !== null).toBe(allows(policy, consents, request));
          const oracle = copyPayload(call.payload);
          const expected = oracle.unreadable.length === 0 && allows(policy, consents, { ...request, payload: oracle.copy });
          if (verdict === null) {
            expect(expected).toBe(false);
            continue;
          }
          const judged = copyJudged(call.payload, verdict);
          expect(judged.copy).toEqual(oracle.copy);
          expect(judged.unreadable).toEqual(oracle.unreadable);
          expect(judged.goes).toBe(expected);
          cases++;
          if (judged.goes) goes++;
        }
      }),
      { numRuns: 300 },
    );
    // Both verdicts are exercised, not just the denials.
    expect(goes).toBeGreaterThan(cases / 20);
    expect(goes).toBeLessThan(cases - cases / 20);
  });

  it('reads a getter once, and judges what it returned (not what the caller holds afterwards)', () => {
    const policy = compilePolicy({ version: 1, fields: FIELDS, subprocessors: [{ key: 'sp' }], purposes: [{ key: 'p' }], flows: [{ key: 'sp.p', subprocessor: 'sp', purpose: 'p', mode: 'required', legalBasis: 'contract', version: 1, fields: [{ key: 'usage.page', since: 0 }], excludedFields: [] }] });
    const verdict = payloadVerdict(policy, EMPTY_CONSENTS, { subprocessor: 'sp', purpose: 'p' })!;
    let reads = 0;
    const payload = Object.defineProperty({}, 'page', { enumerable: true, get: () => (++reads === 1 ? 'x' : 'ada@example.com') });
    expect(copyJudged(payload, verdict)).toEqual({ copy: { page: 'x' }, unreadable: [], goes: true });
    expect(reads).toBe(1);
    // An email where only a page may go: misfiled, so not allowed by the fast path.
    expect(copyJudged({ page: 'ada@example.com' }, verdict).goes).toBe(false);
    // Undeclared data never goes, and a throwing getter is unreadable (the full path decides).
    expect(copyJudged({ page: 'x', email: 'ada@example.com' }, verdict).goes).toBe(false);
    expect(copyJudged(throwing(), verdict)).toEqual({ copy: {}, unreadable: ['(payload: a getter that throws)'], goes: false });
  });
});
