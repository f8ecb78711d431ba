import fc from 'fast-check';
import { validManifest } from '../../../test/factories/manifest.arbitrary';
import { aManifest } from '../../../test/factories/manifest.factory';
import { normalizeManifest } from './manifest.diff';
import { formatManifest } from './manifest.format';
import { parseManifestText, validateManifest } from './manifest.validation';

/** `description: { en: …, de: … }` on purposes and flows: stored as description + descriptions. */
describe('translated descriptions in a manifest', () => {
  const base = aManifest();

  it('reads `en` as the description and the other languages as its translations', () => {
    const doc = structuredClone(base) as unknown as { purposes: Record<string, unknown>[]; flows: Record<string, unknown>[] };
    doc.purposes[0].description = { en: 'Sends email', de: 'Versendet E-Mails', fr: 'Envoie des e-mails' };
    doc.flows[0].description = { de: 'Nur Deutsch' };
    const { manifest, problems } = validateManifest(doc);
    expect(problems).toEqual([]);
    expect(manifest!.purposes[0]).toMatchObject({ description: 'Sends email', descriptions: { de: 'Versendet E-Mails', fr: 'Envoie des e-mails' } });
    // Without `en`, the first language given is the description.
    expect(manifest!.flows[0].description).toBe('Nur Deutsch');
    expect(manifest!.flows[0].descriptions).toBeUndefined();
  });

  it.each([
    [{ en: 'x', German: 'y' }, 'purposes[0].description', '"German" is not a language tag'],
    [{ en: 'x', de: 3 }, 'purposes[0].description', 'de: must be a text'],
    [{}, 'purposes[0].description', 'at least one language'],
    [['en', 'x'], 'purposes[0].description', 'must be an object of translations'],
  ])('refuses %j, naming the place', (description, path, message) => {
    const doc = structuredClone(base) as unknown as { purposes: Record<string, unknown>[] };
    doc.purposes[0].description = description;
    const { manifest, problems } = validateManifest(doc);
    expect(manifest).toBeNull();
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(path), message: expect.stringContaining(message) })]));
  });

  const translations = fc.dictionary(
    fc.constantFrom('de', 'fr', 'es', 'pt-BR', 'nl'),
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
    { minKeys: 1, maxKeys: 4 },
  );

  it('writes them back inline, and reading the export gives the same map (YAML and JSON)', () => {
    fc.assert(
      fc.property(validManifest, translations, translations, fc.constantFrom('yaml' as const, 'json' as const), (m, forPurpose, forFlow, format) => {
        const doc = structuredClone(m) as unknown as { purposes: Record<string, unknown>[]; flows: Record<string, unknown>[] };
        if (doc.purposes.length === 0 || doc.flows.length === 0) return;
        doc.purposes[0].description = { en: 'Default text', ...forPurpose };
        doc.flows[0].description = { en: 'Flow text', ...forFlow };
        const first = validateManifest(doc);
        expect(first.problems).toEqual([]);
        const canonical = normalizeManifest(first.manifest!);
        const text = formatManifest(canonical, format);
        const again = validateManifest(parseManifestText(text).document);
        expect(again.problems).toEqual([]);
        expect(normalizeManifest(again.manifest!)).toEqual(canonical);
        expect(canonical.purposes.find((p) => p.key === doc.purposes[0].key)?.descriptions).toEqual(
          Object.fromEntries(Object.entries(forPurpose).sort(([a], [b]) => (a < b ? -1 : 1))),
        );
      }),
      { numRuns: 100 },
    );
  });
});
