import { aFlow, aManifest } from '../../../test/factories/manifest.factory';
import { diffManifests, isEmptyDiff, mergeManifest, normalizeManifest } from './manifest.diff';

describe(normalizeManifest.name, () => {
  it('sorts entries and flow field sets, and drops empty optionals', () => {
    const m = aManifest();
    m.fields.reverse();
    m.flows[0] = { ...m.flows[0], fields: ['user.name', 'user.contact.email'], excludedFields: [], description: '' };
    const n = normalizeManifest(m);
    expect(n.fields.map((f) => f.key)).toEqual(['usage.page-views', 'user.contact.email', 'user.name']);
    expect(n.flows[0]).toEqual({
      subprocessor: 'vendor-a',
      purpose: 'email-delivery',
      mode: 'required',
      legalBasis: 'contract',
      fields: ['user.contact.email', 'user.name'],
    });
  });

  it('is idempotent', () => {
    const once = normalizeManifest(aManifest());
    expect(normalizeManifest(once)).toEqual(once);
  });
});

describe(diffManifests.name, () => {
  it('is empty between a map and its normalized form', () => {
    expect(isEmptyDiff(diffManifests(aManifest(), normalizeManifest(aManifest())))).toBe(true);
  });

  it('names added, changed (with properties) and removed entries per kind', () => {
    const before = aManifest();
    const after = aManifest();
    after.fields[1] = { ...after.fields[1], name: 'Full name' };
    after.purposes.push({ key: 'support', name: 'Support' });
    after.flows = [after.flows[0]];
    after.flows[0] = { ...after.flows[0], mode: 'opt-out' };
    const diff = diffManifests(before, after);
    expect(diff.fields).toEqual({ added: [], changed: [{ key: 'user.name', properties: ['name'] }], removed: [] });
    expect(diff.purposes.added).toEqual(['support']);
    expect(diff.flows).toEqual({
      added: [],
      changed: [{ key: 'vendor-a.email-delivery', properties: ['mode'] }],
      removed: ['vendor-b.product-analytics'],
    });
  });

  it('treats a flow field list as a set', () => {
    const before = aManifest();
    const after = aManifest();
    after.flows[0] = { ...after.flows[0], fields: [...after.flows[0].fields].reverse() };
    expect(isEmptyDiff(diffManifests(before, after))).toBe(true);
  });
});

describe(mergeManifest.name, () => {
  it('keeps stored entries the file does not list unless pruning', () => {
    const stored = aManifest();
    const file = aManifest({ fields: [stored.fields[0]], purposes: [], subprocessors: [], flows: [aFlow({ mode: 'opt-out' })] });
    const merged = mergeManifest(stored, file, false);
    expect(merged.fields).toHaveLength(3);
    expect(merged.flows).toHaveLength(2);
    expect(merged.flows.find((f) => f.purpose === 'email-delivery')?.mode).toBe('opt-out');
    const pruned = mergeManifest(stored, file, true);
    expect(pruned.fields).toHaveLength(1);
    expect(pruned.flows).toHaveLength(1);
  });
});
