import { aFlow, aManifest } from '../../test/factories/manifest.factory';
import { checkFlow, checkManifest, type KnownKeys } from './data-map.rules';

const known: KnownKeys = {
  fields: new Set(['user.contact.email', 'user.name']),
  purposes: new Set(['email-delivery']),
  subprocessors: new Set(['vendor-a']),
};

describe(checkFlow.name, () => {
  it('accepts a valid required flow', () => {
    expect(checkFlow(aFlow(), known)).toEqual([]);
  });

  it('requires legal basis consent for an opt-in flow', () => {
    expect(checkFlow(aFlow({ mode: 'opt-in', legalBasis: 'legitimate-interests' }), known)).toEqual([
      { path: 'legalBasis', message: 'must be "consent" for an opt-in flow (got "legitimate-interests")' },
    ]);
    expect(checkFlow(aFlow({ mode: 'opt-in', legalBasis: 'consent' }), known)).toEqual([]);
  });

  it('forbids legal basis consent for a required flow', () => {
    const problems = checkFlow(aFlow({ mode: 'required', legalBasis: 'consent' }), known);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('legalBasis');
    expect(problems[0].message).toMatch(/cannot be "consent" for a required flow/);
  });

  it('allows any legal basis for an opt-out flow', () => {
    for (const legalBasis of ['contract', 'legitimate-interests', 'consent', 'legal-obligation'] as const) {
      expect(checkFlow(aFlow({ mode: 'opt-out', legalBasis }), known)).toEqual([]);
    }
  });

  it('rejects a field that is both sent and excluded', () => {
    expect(checkFlow(aFlow({ excludedFields: ['user.name', 'user.contact.email'] }), known)).toEqual([
      {
        path: 'excludedFields[1]',
        message: 'field "user.contact.email" is also in fields: a field cannot be both sent and excluded',
      },
    ]);
  });

  it('names every unknown reference with its path', () => {
    const problems = checkFlow(
      aFlow({ subprocessor: 'vendor-z', purpose: 'hosting', fields: ['user.name', 'user.phone'], excludedFields: ['user.ssn'] }),
      known,
    );
    expect(problems).toEqual([
      { path: 'subprocessor', message: 'unknown subprocessor "vendor-z"' },
      { path: 'purpose', message: 'unknown purpose "hosting"' },
      { path: 'fields[1]', message: 'unknown field "user.phone"' },
      { path: 'excludedFields[0]', message: 'unknown field "user.ssn"' },
    ]);
  });

  it('rejects a field listed twice', () => {
    expect(checkFlow(aFlow({ fields: ['user.name', 'user.name'] }), known)).toEqual([
      { path: 'fields[1]', message: 'field "user.name" is listed twice' },
    ]);
  });
});

describe(checkManifest.name, () => {
  it('accepts the factory map', () => {
    expect(checkManifest(aManifest())).toEqual([]);
  });

  it('reports duplicate keys and duplicate flows with both positions', () => {
    const m = aManifest();
    m.fields.push({ ...m.fields[0] });
    m.flows.push({ ...m.flows[0], mode: 'opt-out' });
    expect(checkManifest(m)).toEqual([
      { path: 'fields[3].key', message: 'duplicate key "user.contact.email" (also fields[0])' },
      {
        path: 'flows[2]',
        message: 'duplicate flow for subprocessor "vendor-a" and purpose "email-delivery" (also flows[0])',
      },
    ]);
  });

  it('prefixes flow problems with the flow position', () => {
    const m = aManifest();
    m.flows[1] = { ...m.flows[1], fields: ['usage.page-views', 'user.phone'] };
    expect(checkManifest(m)).toEqual([{ path: 'flows[1].fields[1]', message: 'unknown field "user.phone"' }]);
  });

  it('resolves references against stored keys when given', () => {
    const m = aManifest({ fields: [], flows: [aFlow({ fields: ['user.contact.email'] })] });
    expect(checkManifest(m)).toHaveLength(1);
    expect(checkManifest(m, { ...known, purposes: new Set(), subprocessors: new Set() })).toEqual([]);
  });

  it('does not throw on documents of the wrong shape', () => {
    const broken = { version: 1, fields: 'nope', purposes: [null], subprocessors: [{}], flows: [{ fields: 3 }] };
    expect(() => checkManifest(broken as never)).not.toThrow();
  });
});
