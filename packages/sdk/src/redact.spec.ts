import fc from 'fast-check';
import { compileConsents, compilePolicy, decide, type PolicyMap } from '@flowgate/core';
import { parsePath, EACH, type PathSegment } from './payload-path.js';
import { redactPayload } from './redact.js';

const MAP: PolicyMap = {
  version: 1,
  fields: [
    { key: 'user.contact.email', paths: ['email', 'customer.email', 'to[*].email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name', 'customer.name', 'to[*].name'], sensitivity: 'personal' },
    { key: 'user.payment.card', paths: ['card', 'customer.card'], sensitivity: 'personal' },
    { key: 'usage.events', paths: ['events[*]'], sensitivity: 'pseudonymous' },
    { key: 'meta', paths: ['meta'], sensitivity: 'none' },
  ],
  subprocessors: [{ key: 'vendor-a' }],
  purposes: [{ key: 'support' }],
  flows: [
    {
      key: 'vendor-a.support',
      subprocessor: 'vendor-a',
      purpose: 'support',
      mode: 'required',
      legalBasis: 'contract',
      version: 1,
      fields: [
        { key: 'user.contact.email', since: 1 },
        { key: 'meta', since: 1 },
      ],
      excludedFields: ['user.payment.card'],
    },
  ],
};
const policy = compilePolicy(MAP);
const consents = compileConsents(policy, []);

/* The oracle: every JSON leaf with its path as the engine normalizes it (arrays as [*]). */
type Leaf = readonly [path: readonly PathSegment[], value: unknown];
function leaves(value: unknown, path: PathSegment[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v) => leaves(v, [...path, EACH]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [[path, value]];
}
const under = (path: readonly PathSegment[], prefix: readonly PathSegment[]) =>
  prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
const show = ([path, value]: Leaf) => `${path.map((s) => (s === EACH ? '[*]' : s)).join('/')}=${JSON.stringify(value)}`;

const key = fc.constantFrom('email', 'name', 'card', 'customer', 'to', 'events', 'meta', 'x', 'a.b', 'ip');
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 5 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const payload = fc.dictionary(key, json, { maxKeys: 6 });

describe(redactPayload.name, () => {
  it('removes exactly the leaves under blocked paths and never touches the original', () => {
    fc.assert(
      fc.property(payload, (original) => {
        const before = structuredClone(original);
        const decision = decide(policy, consents, { subprocessor: 'vendor-a', payload: original });
        const redacted = redactPayload(original, decision.blocked);

        expect(original).toEqual(before);
        const blockedPaths = decision.blocked.flatMap((b) => (b.paths ?? []).map(parsePath));
        const kept = leaves(original).filter(([path]) => !blockedPaths.some((p) => under(path, p)));
        expect(leaves(redacted).map(show).sort()).toEqual(kept.map(show).sort());
        // What is left passes the same engine.
        expect(decide(policy, consents, { subprocessor: 'vendor-a', payload: redacted }).blocked).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('shares what it does not change', () => {
    const customer = { email: 'ada@example.com' };
    const original = { customer, card: '4242', to: [{ email: 'grace@example.com', name: 'Grace' }] };
    const decision = decide(policy, consents, { subprocessor: 'vendor-a', payload: original });
    const redacted = redactPayload(original, decision.blocked) as typeof original;
    expect(redacted).toEqual({ customer, to: [{ email: 'grace@example.com' }] });
    expect(redacted.customer).toBe(customer);
    expect(original.to[0]).toEqual({ email: 'grace@example.com', name: 'Grace' });
  });

  it('answers undefined when the payload itself is blocked', () => {
    const decision = decide(policy, consents, { subprocessor: 'vendor-a', payload: 'ada@example.com' });
    expect(redactPayload('ada@example.com', decision.blocked)).toBeUndefined();
  });

  it('reads quoted names the engine writes for keys a path cannot spell', () => {
    expect(parsePath('a["x.y"][*].b')).toEqual(['a', 'x.y', EACH, 'b']);
    expect(parsePath('')).toEqual([]);
    expect(() => parsePath('a["x')).toThrow(SyntaxError);
  });
});
