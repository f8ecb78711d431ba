import fc from 'fast-check';
import { validManifest } from '../../../test/factories/manifest.arbitrary';
import { aManifest } from '../../../test/factories/manifest.factory';
import type { Manifest } from './manifest.types';
import { parseManifestText, validateManifest } from './manifest.validation';

describe(validateManifest.name, () => {
  it('accepts every random valid map', () => {
    fc.assert(
      fc.property(validManifest, (m) => {
        expect(validateManifest(m).problems).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  /** One wrong value, placed anywhere: the answer names exactly that place. */
  const wrong = <T>(value: unknown) => value as T;
  const corruptions: Array<{ name: string; apply: (m: Manifest) => string }> = [
    { name: 'bad sensitivity', apply: (m) => ((m.fields[0].sensitivity = wrong('secret')), 'fields[0].sensitivity') },
    { name: 'key with capitals', apply: (m) => ((m.purposes[0].key = 'Billing'), 'purposes[0].key') },
    { name: 'name too long', apply: (m) => ((m.fields[0].name = 'x'.repeat(201)), 'fields[0].name') },
    { name: 'number for a name', apply: (m) => ((m.subprocessors[0].name = wrong(42)), 'subprocessors[0].name') },
    {
      name: 'unknown property',
      apply: (m) => ((wrong<Record<string, unknown>>(m.fields[0]).colour = 'red'), 'fields[0].colour'),
    },
    { name: 'lower-case location', apply: (m) => ((m.subprocessors[0].locations = ['de']), 'subprocessors[0].locations[0]') },
    { name: 'bad category', apply: (m) => ((m.subprocessors[0].category = wrong('cloud')), 'subprocessors[0].category') },
    { name: 'paths not an array', apply: (m) => ((m.fields[0].paths = wrong('email')), 'fields[0].paths') },
    { name: 'empty paths', apply: (m) => ((m.fields[0].paths = []), 'fields[0].paths') },
    { name: 'bad version', apply: (m) => ((m.version = wrong(3)), 'version') },
    { name: 'missing purposes', apply: (m) => (delete wrong<Partial<Manifest>>(m).purposes, 'purposes') },
  ];

  it.each(corruptions)('names the path of a $name', ({ apply }) => {
    fc.assert(
      fc.property(validManifest, (m) => {
        const doc = structuredClone(m);
        const path = apply(doc);
        const { manifest, problems } = validateManifest(doc);
        expect(manifest).toBeNull();
        expect(problems.map((p) => p.path)).toContain(path);
      }),
      { numRuns: 50 },
    );
  });

  it('reports structural and reference problems together', () => {
    const doc = structuredClone(aManifest());
    doc.fields[0].sensitivity = wrong('secret');
    (doc.flows[1].fields as string[]).push('user.phone');
    doc.flows[0].mode = wrong('sometimes');
    const { problems } = validateManifest(doc);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'fields[0].sensitivity', message: 'must be one of personal, special, pseudonymous, none' },
        { path: 'flows[0].mode', message: 'must be one of required, opt-out, opt-in' },
        { path: 'flows[1].fields[1]', message: 'unknown field "user.phone"' },
      ]),
    );
  });

  it('rejects a document that is not an object', () => {
    expect(validateManifest([1, 2]).problems[0].message).toMatch(/must be an object/);
    expect(validateManifest('version: 1').problems).toHaveLength(1);
  });
});

describe(parseManifestText.name, () => {
  it('parses YAML and JSON alike', () => {
    expect(parseManifestText('version: 1\nfields: []').document).toEqual({ version: 1, fields: [] });
    expect(parseManifestText('{"version": 1}').document).toEqual({ version: 1 });
  });

  it('gives the line and column of a syntax error', () => {
    const { problems } = parseManifestText('version: 1\nfields:\n  - key: [unclosed\n');
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^not valid YAML or JSON at line \d+, column \d+/);
  });

  it('rejects duplicate keys instead of keeping the last one', () => {
    expect(parseManifestText('version: 1\nversion: 2\n').problems).toHaveLength(1);
  });
});
