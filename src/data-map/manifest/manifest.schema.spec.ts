import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validManifest } from '../../../test/factories/manifest.arbitrary';
import { validateManifest } from './manifest.validation';

/**
 * docs/manifest.schema.json and the DTOs are two writings of the same structural rules;
 * these tests hold them together so that they cannot drift: on random valid maps, on the
 * examples, and on random corruptions placed anywhere, both give the same verdict.
 */
const root = process.cwd();
const schema: object = JSON.parse(readFileSync(join(root, 'docs/manifest.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
const schemaAccepts = ajv.compile(schema);

/** Rules between entries: JSON Schema cannot state them, so the schema does not check them. */
const BETWEEN_ENTRIES =
  /unknown (field|purpose|subprocessor)|duplicate (key|flow)|both sent and excluded|cannot transfer to itself/;

function dtoAccepts(document: unknown): boolean {
  return validateManifest(document).problems.every((p) => BETWEEN_ENTRIES.test(p.message));
}

/** Every location in a document where a value can be replaced or a property added. */
function slots(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [path, ...value.flatMap((v, i) => slots(v, [...path, i]))];
  if (value && typeof value === 'object') {
    return [path, ...Object.entries(value).flatMap(([k, v]) => slots(v, [...path, k]))];
  }
  return [path];
}

function setAt(doc: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const step of path.slice(0, -1)) at = at[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === DELETE) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else {
    at[last] = value;
  }
  return copy;
}

const DELETE = Symbol('delete');
// null is left out on purpose: the DTOs read an optional `null` as "not given".
const HOSTILE = [42, true, 'x', '', [], {}, 'not-stated', ['DE'], ['de'], 'worldwide', 'opt-in', 'feature',
  'consent', 'x'.repeat(201), ['customers'], { name: 'N' }, DELETE] as const;

describe('docs/manifest.schema.json', () => {
  it('accepts every random valid map, as the DTOs do', () => {
    fc.assert(
      fc.property(validManifest, (m) => {
        expect(validateManifest(m).problems).toEqual([]);
        expect(schemaAccepts(m)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it.each(readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')))(
    'accepts examples/%s, as the DTOs do',
    (file) => {
      const doc: unknown = parse(readFileSync(join(root, 'examples', file), 'utf8'));
      expect(validateManifest(doc).problems).toEqual([]);
      expect(schemaAccepts(doc)).toBe(true);
    },
  );

  it('gives the same verdict as the DTOs on a corruption anywhere', () => {
    const corrupted = validManifest.chain((m) =>
      fc.tuple(fc.constant(m), fc.constantFrom(...slots(m)), fc.constantFrom(...HOSTILE), fc.boolean()),
    );
    fc.assert(
      fc.property(corrupted, ([m, path, value, addUnknown]) => {
        const target = path.reduce<unknown>((at, step) => (at as Record<string | number, unknown>)[step], m);
        const isObject = typeof target === 'object' && target !== null && !Array.isArray(target);
        const doc =
          addUnknown && isObject && value !== DELETE ? setAt(m, [...path, 'colour'], value) : setAt(m, path, value);
        expect({ path, value: String(value), schema: schemaAccepts(doc) }).toEqual({
          path,
          value: String(value),
          schema: dtoAccepts(doc),
        });
      }),
      { numRuns: 1500 },
    );
  });
});
