import fc from 'fast-check';
import { compileConsents, compilePolicy, decide, EMPTY_CONSENTS, PolicyMapError, type PolicyMap } from '@flowgate/core';

/**
 * A change notice schedules a new flow or a new field: the engine denies it with
 * `not-yet-effective` until the caller's clock (`request.at`) reaches `effectiveFrom`, and
 * without a clock it fails closed. What was in effect before is unaffected.
 */
const T = Date.UTC(2026, 11, 31);
const MAP: PolicyMap = {
  version: 3,
  fields: [
    { key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name'], sensitivity: 'personal' },
  ],
  subprocessors: [{ key: 'old-vendor' }, { key: 'new-vendor' }],
  purposes: [{ key: 'support' }],
  flows: [
    {
      key: 'old-vendor.support', subprocessor: 'old-vendor', purpose: 'support', mode: 'required', legalBasis: 'contract', version: 2,
      // The email was in effect before; the name was added by a notice effective at T.
      fields: [{ key: 'user.contact.email', since: 1 }, { key: 'user.name', since: 2, effectiveFrom: T }],
      excludedFields: [],
    },
    {
      key: 'new-vendor.support', subprocessor: 'new-vendor', purpose: 'support', mode: 'opt-out', legalBasis: 'legitimate-interests', version: 1,
      fields: [{ key: 'user.contact.email', since: 1 }], excludedFields: [], effectiveFrom: T,
    },
  ],
};
const policy = compilePolicy(MAP);
const ask = (subprocessor: string, at?: number) =>
  decide(policy, EMPTY_CONSENTS, { subprocessor, fields: ['user.contact.email', 'user.name'], ...(at === undefined ? {} : { at }) });

describe('decide with scheduled flows and fields', () => {
  it('denies a new flow as a whole until its effective instant, then allows it', () => {
    expect(ask('new-vendor', T - 1)).toMatchObject({ allow: false, reason: 'not-yet-effective', blocked: [{ field: 'user.contact.email', reason: 'not-yet-effective' }, { field: 'user.name', reason: 'undeclared' }] });
    expect(ask('new-vendor', T)).toMatchObject({ reason: null, allowedFields: ['user.contact.email'] });
  });

  it('denies only the new field of a widened flow; the fields in effect still go', () => {
    expect(ask('old-vendor', T - 1)).toMatchObject({ allow: false, reason: null, allowedFields: ['user.contact.email'], blocked: [{ field: 'user.name', reason: 'not-yet-effective' }] });
    expect(ask('old-vendor', T + 1)).toMatchObject({ allow: true, allowedFields: ['user.contact.email', 'user.name'] });
  });

  it('fails closed without a clock', () => {
    expect(ask('new-vendor')).toMatchObject({ reason: 'not-yet-effective' });
    expect(ask('old-vendor').blocked).toEqual([{ field: 'user.name', reason: 'not-yet-effective' }]);
  });

  it('keeps the opt-out of a scheduled flow once it is in effect', () => {
    const out = compileConsents(policy, { 'new-vendor.support': { granted: false, version: 1 } });
    expect(decide(policy, out, { subprocessor: 'new-vendor', fields: ['user.contact.email'], at: T + 1 })).toMatchObject({ reason: 'opted-out' });
  });

  it('gives every clock the same answer as the plain reading of effectiveFrom', () => {
    fc.assert(
      fc.property(fc.integer({ min: T - 1000, max: T + 1000 }), (at) => {
        const before = at < T;
        expect(ask('new-vendor', at).reason).toBe(before ? 'not-yet-effective' : null);
        expect(ask('old-vendor', at).allow).toBe(!before);
      }),
    );
  });

  it('rejects an effectiveFrom that is not an instant, naming it', () => {
    const bad = { ...MAP, flows: [{ ...MAP.flows[1], effectiveFrom: -5 }] };
    expect(() => compilePolicy(bad)).toThrow(new PolicyMapError('flows[0].effectiveFrom', 'must be an instant in epoch milliseconds'));
  });

  it('costs nothing for a map with nothing scheduled', () => {
    expect(compilePolicy({ ...MAP, flows: [{ ...MAP.flows[0], fields: [{ key: 'user.contact.email', since: 1 }] }] }).effectiveFrom).toBeNull();
  });
});
