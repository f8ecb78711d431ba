import fc from 'fast-check';
import { CONSENT_MODES, type ConsentMode } from '../vocabulary.js';
import {
  allows,
  compileConsents,
  compilePolicy,
  decide,
  EMPTY_CONSENTS,
  type DecisionRequest,
  type PolicyMap,
  type PolicyMapFlow,
} from './index.js';

/*
 * The fast path against the full engine: `allows` must say exactly what `decide(...).allow`
 * says, over random maps (with scheduled flows and fields), users (a few choices, or many:
 * more than the engine scans before it bisects) and requests (field keys, payloads, URL
 * paths, the caller's clock), and through consents compiled against another policy.
 */

const NOW = 1_000_000;
const instantArb = fc.constantFrom(undefined, undefined, undefined, NOW - 1, NOW, NOW + 1);

function flowArb(subprocessor: string, purpose: string, fieldKeys: readonly string[]): fc.Arbitrary<PolicyMapFlow> {
  return fc
    .record({ mode: fc.constantFrom<ConsentMode>(...CONSENT_MODES), version: fc.integer({ min: 1, max: 4 }), from: instantArb })
    .chain(({ mode, version, from }) =>
      fc.tuple(...fieldKeys.map(() => fc.tuple(fc.constantFrom('sent', 'sent', 'excluded', 'no'), fc.nat(version), instantArb))).map(
        (rules): PolicyMapFlow => ({
          key: `${subprocessor}.${purpose}`,
          subprocessor,
          purpose,
          mode,
          legalBasis: mode === 'opt-in' ? 'consent' : 'contract',
          version,
          fields: fieldKeys.flatMap((key, i) =>
            rules[i][0] === 'sent' ? [{ key, since: rules[i][1], ...(rules[i][2] === undefined ? {} : { effectiveFrom: rules[i][2] }) }] : [],
          ),
          excludedFields: fieldKeys.filter((_, i) => rules[i][0] === 'excluded'),
          ...(from === undefined ? {} : { effectiveFrom: from }),
        }),
      ),
    );
}

const mapArb: fc.Arbitrary<PolicyMap> = fc
  .record({ fields: fc.integer({ min: 1, max: 6 }), sps: fc.integer({ min: 1, max: 6 }), purposes: fc.integer({ min: 1, max: 4 }) })
  .chain((size) => {
    const fieldKeys = Array.from({ length: size.fields }, (_, i) => `field.f${i}`);
    const sps = Array.from({ length: size.sps }, (_, i) => `sp-${i}`);
    const purposes = Array.from({ length: size.purposes }, (_, i) => `purpose-${i}`);
    const pairs = sps.flatMap((sp) => purposes.map((p) => [sp, p] as const));
    return fc.record({
      version: fc.nat(100),
      fields: fc.constant(fieldKeys.map((key, i) => ({ key, paths: [`f${i}`, `u.f${i}`, `url:/f${i}/{}`], sensitivity: 'personal' as const }))),
      subprocessors: fc.constant(sps.map((key) => ({ key }))),
      purposes: fc.constant(purposes.map((key) => ({ key }))),
      flows: fc.subarray(pairs).chain((chosen) => fc.tuple(...chosen.map(([sp, p]) => flowArb(sp, p, fieldKeys)))),
    });
  });

function userArb(map: PolicyMap) {
  const flowKeys = [...map.flows.map((f) => f.key), 'sp-9.ghost'];
  const choice = fc.record({ granted: fc.boolean(), version: fc.integer({ min: -1, max: 5 }) });
  return fc.record({
    choices: fc.array(fc.tuple(fc.constantFrom(...flowKeys), choice), { maxLength: 30 }),
    gpc: fc.boolean(),
  });
}

function requestArb(map: PolicyMap): fc.Arbitrary<DecisionRequest> {
  const fieldKeys = [...map.fields.map((f) => f.key), 'field.unknown'];
  const anyTarget = fc.record({
    subprocessor: fc.constantFrom(...map.subprocessors.map((s) => s.key), 'sp-ghost'),
    purpose: fc.option(fc.constantFrom(...map.purposes.map((p) => p.key), 'purpose-ghost'), { nil: undefined }),
  });
  const flowTarget = map.flows.map((f) => ({ subprocessor: f.subprocessor, purpose: f.purpose }));
  const target =
    flowTarget.length === 0
      ? anyTarget
      : fc.oneof(
          { arbitrary: fc.constantFrom(...flowTarget), weight: 6 },
          { arbitrary: fc.constantFrom(...flowTarget).map(({ subprocessor }) => ({ subprocessor })), weight: 1 },
          { arbitrary: anyTarget, weight: 2 },
        );
  const leaf = fc.constantFrom('x', 1, 'ada@example.com');
  const payload = fc.dictionary(fc.constantFrom(...map.fields.map((_, i) => `f${i}`), 'zz'), leaf, { maxKeys: 3 });
  return fc
    .record({
      target,
      fields: fc.option(fc.array(fc.constantFrom(...fieldKeys), { maxLength: 5 }), { nil: undefined }),
      payload: sometimes(payload, 4),
      urlPath: sometimes(fc.constantFrom('/f0/x', '/zz/1'), 8),
      gpc: fc.option(fc.boolean(), { nil: undefined }),
      at: fc.option(fc.constantFrom(NOW - 1, NOW, NOW + 1), { nil: undefined }),
    })
    .map(({ target: t, ...rest }) => ({ ...t, ...rest }));
}

/** `arb` one time in `every`, else undefined. */
function sometimes<T>(arb: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: every - 1 }, { arbitrary: arb, weight: 1 });
}

const scenarioArb = mapArb.chain((map) =>
  fc.record({
    map: fc.constant(map),
    users: fc.array(fc.record({ user: userArb(map), requests: fc.array(requestArb(map), { minLength: 8, maxLength: 8 }) }), {
      minLength: 2,
      maxLength: 2,
    }),
  }),
);

describe(allows.name, () => {
  it('says exactly what decide(...).allow says, also through consents compiled for another policy', () => {
    let cases = 0;
    let allowed = 0;
    fc.assert(
      fc.property(scenarioArb, ({ map, users }) => {
        const policy = compilePolicy(map);
        const reordered = compilePolicy({ ...map, version: map.version + 1, flows: [...map.flows].reverse() });
        for (const { user, requests } of users) {
          const consents = compileConsents(policy, user.choices, { gpc: user.gpc });
          for (const request of requests) {
            cases++;
            const expected = decide(policy, consents, request).allow;
            if (expected) allowed++;
            expect(allows(policy, consents, request)).toBe(expected);
            expect(allows(reordered, consents, request)).toBe(decide(reordered, consents, request).allow);
            expect(allows(policy, EMPTY_CONSENTS, request)).toBe(decide(policy, EMPTY_CONSENTS, request).allow);
          }
        }
      }),
      { numRuns: 500 },
    );
    // Both verdicts are common enough for the comparison to mean something.
    expect(cases).toBe(8_000);
    expect(allowed).toBeGreaterThan(cases / 20);
    expect(allowed).toBeLessThan(cases - cases / 20);
  });
});

/**
 * Payloads as deep as the walk goes: nested objects and arrays under declared paths,
 * `[*]` and `.**` paths, values a field may or may not carry, values JSON leaves out,
 * `__proto__` keys, nesting past the depth limit and cycles, and URL paths with and
 * without templates. One flow, allowed for the user, so the verdict is the walk's.
 */
const PAYLOAD_FIELDS = [
  { key: 'user.contact.email', paths: ['email', 'user.email', 'users[*].email', 'url:/u/{}'], sensitivity: 'personal' as const },
  { key: 'usage.page', paths: ['page', 'users[*].page', 'ctx.page'], sensitivity: 'personal' as const },
  { key: 'device.info', paths: ['device.**'], sensitivity: 'personal' as const },
  { key: 'note.text', paths: ['note', '__proto__'], sensitivity: 'personal' as const },
];

function payloadMapArb(withTemplates: boolean): fc.Arbitrary<PolicyMap> {
  return fc.record({ sent: fc.subarray(PAYLOAD_FIELDS.map((f) => f.key), { minLength: 2 }), excluded: fc.boolean() }).map(
    ({ sent, excluded }): PolicyMap => ({
      version: 1,
      fields: PAYLOAD_FIELDS.map((f) => ({ ...f, paths: withTemplates ? f.paths : f.paths.filter((p) => !p.startsWith('url:')) })),
      subprocessors: [{ key: 'sp' }],
      purposes: [{ key: 'p' }],
      flows: [
        {
          key: 'sp.p',
          subprocessor: 'sp',
          purpose: 'p',
          mode: 'required',
          legalBasis: 'contract',
          version: 1,
          fields: sent.map((key) => ({ key, since: 0 })),
          excludedFields: excluded ? PAYLOAD_FIELDS.map((f) => f.key).filter((k) => !sent.includes(k)).slice(0, 1) : [],
        },
      ],
    }),
  );
}

const leafArb = fc.constantFrom<unknown>('x', 'ada@example.com', '+44 20 7946 0958', 42, true, null, undefined, () => 1, new Date(0), '4242 4242 4242 4242');
const keyArb = fc.constantFrom('email', 'page', 'user', 'users', 'ctx', 'device', 'note', '__proto__', 'zz', 'os', 'a.b');
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

/** Some payloads made hostile: a cycle, or nesting past the walk's depth limit under a key. */
const hostileArb = fc.oneof(
  { arbitrary: payloadArb, weight: 6 },
  {
    arbitrary: fc.tuple(keyArb, payloadArb).map(([key, inner]) => {
      const o: Record<string, unknown> = { page: inner };
      o[key === '__proto__' ? 'zz' : key] = o;
      return o;
    }),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom('device', 'zz', 'users'), fc.integer({ min: 30, max: 36 }), leafArb).map(([key, depth, leaf]) => {
      let v: unknown = leaf;
      for (let i = 0; i < depth; i++) v = { os: v };
      return { [key]: v };
    }),
    weight: 1,
  },
);

describe(`${allows.name} on payloads`, () => {
  it('says exactly what decide(...).allow says for nested, hostile payloads and URL paths', () => {
    let allowed = 0;
    let cases = 0;
    fc.assert(
      fc.property(
        fc.boolean().chain((templates) => payloadMapArb(templates)),
        fc.array(fc.record({ payload: fc.option(hostileArb, { nil: undefined }), urlPath: fc.option(fc.constantFrom('/u/ada@example.com', '/u/x', '/ada@example.com/t', '/x/y'), { nil: undefined }) }), { minLength: 10, maxLength: 10 }),
        (map, requests) => {
          const policy = compilePolicy(map);
          for (const r of requests) {
            const request: DecisionRequest = { subprocessor: 'sp', purpose: 'p', payload: r.payload, urlPath: r.urlPath };
            const expected = decide(policy, EMPTY_CONSENTS, request).allow;
            cases++;
            if (expected) allowed++;
            expect(allows(policy, EMPTY_CONSENTS, request)).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(allowed).toBeGreaterThan(cases / 20);
    expect(allowed).toBeLessThan(cases - cases / 20);
  });
});

describe(compileConsents.name, () => {
  it('is sparse: its size follows the choices, not the policy', () => {
    const flows = Array.from({ length: 300 }, (_, i): PolicyMapFlow => ({
      key: `sp-${i}.p`,
      subprocessor: `sp-${i}`,
      purpose: 'p',
      mode: 'opt-in',
      legalBasis: 'consent',
      version: 1,
      fields: [],
      excludedFields: [],
    }));
    const policy = compilePolicy({
      version: 1,
      fields: [],
      subprocessors: flows.map((f) => ({ key: f.subprocessor })),
      purposes: [{ key: 'p' }],
      flows,
    });
    const consents = compileConsents(policy, [['sp-299.p', { granted: true, version: 1 }], ['sp-7.p', { granted: false, version: 1 }], ['gone.p', { granted: true, version: 1 }]]);
    expect(consents.pairs).toEqual([7, -2, 299, 2, -1, 2]);
    expect(consents.inPolicy).toBe(2);
    expect(consents.keys).toEqual(['sp-7.p', 'sp-299.p', 'gone.p']);
    expect(allows(policy, consents, { subprocessor: 'sp-299' })).toBe(true);
    expect(allows(policy, consents, { subprocessor: 'sp-7' })).toBe(false);
    expect(consents.byFlowId[299]).toBe(2);
    expect(consents.byFlowKey).toEqual([['sp-7.p', -2], ['sp-299.p', 2], ['gone.p', 2]]);
  });
});
