import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { normalizeManifest } from '../data-map/manifest/manifest.diff';
import { parseManifestText, validateManifest } from '../data-map/manifest/manifest.validation';
import { PAGE_LANGUAGES } from '../transparency/page-messages';
import { buildSubprocessorPage } from '../transparency/subprocessor-page';
import { jsonSchemaToOpenApi } from './json-schema-to-openapi';
import { RESPONSE_SCHEMAS } from './response-schemas';

const published = JSON.parse(readFileSync('docs/subprocessors.schema.json', 'utf8')) as object;

/** Real pages: every example map, in every language, with a notice (overridden or not). */
const pages = ['caplena', 'miso', 'numberz', 'qase'].flatMap((example) => {
  const { manifest } = validateManifest(parseManifestText(readFileSync(`examples/${example}.yaml`, 'utf8')).document);
  return PAGE_LANGUAGES.map((language, i) =>
    JSON.parse(
      JSON.stringify(
        buildSubprocessorPage(normalizeManifest(manifest!), {
          mapVersion: 2,
          updatedAt: i === 0 ? null : new Date('2026-11-01T00:00:00Z'),
          language,
          notices: [
            {
              id: 1,
              kinds: ['added-subprocessor'],
              changes: ['Vendor E is added as a subprocessor.'],
              noticeDate: '2026-11-01T00:00:00.000Z',
              effectiveDate: '2026-12-01T00:00:00.000Z',
              mapVersion: 2,
              ...(i === 1 ? { override: { reason: 'needed now', at: '2026-11-02T00:00:00.000Z' } } : {}),
              objection: 'To object, contact us before 2026-12-01.',
            },
          ],
        }),
      ),
    ) as Record<string, unknown>,
  );
});

describe(jsonSchemaToOpenApi.name, () => {
  const original = new Ajv2020({ strict: true, validateFormats: false, allErrors: true }).compile(published);
  const openapi = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  openapi.addSchema({ $id: 'api.json', components: { schemas: RESPONSE_SCHEMAS } });
  const converted = openapi.compile({ $ref: 'api.json#/components/schemas/PublicSubprocessorList' });

  it('is the published schema in the API document (not a copy)', () => {
    expect(RESPONSE_SCHEMAS.PublicSubprocessorList).toEqual(
      jsonSchemaToOpenApi(published, 'PublicSubprocessorList', { subprocessor: 'PublicSubprocessor', purpose: 'PublicPurpose', notice: 'ChangeNotice' })
        .PublicSubprocessorList,
    );
    expect(JSON.stringify(RESPONSE_SCHEMAS)).not.toContain('$defs');
  });

  it('accepts every real page, as the published schema does', () => {
    for (const page of pages) {
      expect({ original: original(page), converted: converted(page), errors: converted.errors ?? null }).toEqual({
        original: true,
        converted: true,
        errors: null,
      });
    }
  });

  it('refuses and accepts what the published schema refuses and accepts (pages with one value changed)', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.constant('not-stated'),
      fc.constant('de'),
      fc.string({ maxLength: 5 }),
      fc.integer({ min: -2, max: 5 }),
      fc.boolean(),
      fc.constant([]),
      fc.constant(['x']),
      fc.constant({}),
    );
    fc.assert(
      fc.property(fc.nat(pages.length - 1), fc.array(fc.nat(40), { minLength: 1, maxLength: 5 }), value, fc.boolean(), (which, steps, replacement, addKey) => {
        const doc = structuredClone(pages[which]);
        // Walk into the page along `steps`, then replace that value (or add an unknown property).
        let parent: Record<string, unknown> | unknown[] = doc;
        let key: string | number = Object.keys(doc)[0];
        for (const step of steps) {
          const keys: Array<string | number> = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
          if (keys.length === 0) break;
          key = keys[step % keys.length];
          const child = (parent as Record<string | number, unknown>)[key];
          if (child === null || typeof child !== 'object') break;
          parent = child as Record<string, unknown> | unknown[];
        }
        if (addKey && !Array.isArray(parent)) (parent as Record<string, unknown>).unexpected = replacement;
        else (parent as Record<string | number, unknown>)[key] = replacement;
        expect({ converted: converted(doc) }).toEqual({ converted: original(doc) });
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a keyword OpenAPI 3.0 does not have, naming where', () => {
    expect(() => jsonSchemaToOpenApi({ type: 'object', properties: { a: { prefixItems: [] } } }, 'X', {})).toThrow('X.a: OpenAPI 3.0 has no keyword "prefixItems"');
    expect(() => jsonSchemaToOpenApi({ $ref: '#/$defs/y' }, 'X', {})).toThrow('cannot convert the reference #/$defs/y');
  });
});
