import fc from 'fast-check';
import {
  CONSENT_MODES,
  LEGAL_BASES,
  SENSITIVITIES,
  SUBPROCESSOR_CATEGORIES,
  TRANSFER_MECHANISMS,
  type ConsentMode,
  type LegalBasis,
} from '@flowgate/core';
import type { Manifest, ManifestFlow } from '../../src/data-map/manifest/manifest.types';

const segment = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4})?$/);
const dottedKey = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
const slug = segment;
const path = fc
  .array(fc.tuple(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/), fc.boolean()), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([name, each]) => (each ? `${name}[*]` : name)).join('.'));
const text = (max: number) => fc.string({ minLength: 1, maxLength: max });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const legalBasisFor = (mode: ConsentMode): fc.Arbitrary<LegalBasis> =>
  mode === 'opt-in'
    ? fc.constant('consent')
    : mode === 'required'
      ? fc.constantFrom(...LEGAL_BASES.filter((b) => b !== 'consent'))
      : fc.constantFrom(...LEGAL_BASES);

/** Random data maps that satisfy every invariant (structural and between entries). */
export const validManifest: fc.Arbitrary<Manifest> = fc
  .record({
    fieldKeys: fc.uniqueArray(dottedKey, { minLength: 1, maxLength: 8 }),
    purposeKeys: fc.uniqueArray(dottedKey, { minLength: 1, maxLength: 4 }),
    subprocessorKeys: fc.uniqueArray(slug, { minLength: 1, maxLength: 5 }),
    organization: optional(text(40)),
  })
  .chain(({ fieldKeys, purposeKeys, subprocessorKeys, organization }) => {
    const pairs = subprocessorKeys.flatMap((s) => purposeKeys.map((p) => [s, p] as const));
    const flow = (s: string, p: string): fc.Arbitrary<ManifestFlow> =>
      fc.constantFrom(...CONSENT_MODES).chain((mode) =>
        fc
          .record({
            legalBasis: legalBasisFor(mode),
            split: fc.array(fc.constantFrom('sent', 'excluded', 'none'), {
              minLength: fieldKeys.length,
              maxLength: fieldKeys.length,
            }),
            description: optional(text(60)),
          })
          .map(({ legalBasis, split, description }) => ({
            subprocessor: s,
            purpose: p,
            mode,
            legalBasis,
            fields: fieldKeys.filter((_, i) => split[i] === 'sent'),
            excludedFields: fieldKeys.filter((_, i) => split[i] === 'excluded'),
            ...(description ? { description } : {}),
          })),
      );
    return fc.record({
      version: fc.constant(1 as const),
      organization: fc.constant(organization),
      fields: fc.tuple(
        ...fieldKeys.map((key) =>
          fc.record({
            key: fc.constant(key),
            name: text(40),
            sensitivity: fc.constantFrom(...SENSITIVITIES),
            paths: fc.uniqueArray(path, { minLength: 1, maxLength: 3 }),
            description: optional(text(80)),
          }),
        ),
      ),
      purposes: fc.tuple(
        ...purposeKeys.map((key) => fc.record({ key: fc.constant(key), name: text(40), description: optional(text(80)) })),
      ),
      subprocessors: fc.tuple(
        ...subprocessorKeys.map((key) =>
          fc.record({
            key: fc.constant(key),
            name: text(40),
            url: optional(fc.constantFrom('https://vendor-a.example', 'https://vendor-b.example/dpa')),
            legalEntity: optional(text(40)),
            address: optional(text(80)),
            locations: fc.uniqueArray(fc.constantFrom('DE', 'FR', 'IE', 'NL', 'US', 'IN', 'EU', 'CH'), { maxLength: 3 }),
            category: fc.constantFrom(...SUBPROCESSOR_CATEGORIES),
            transferMechanism: optional(fc.constantFrom(...TRANSFER_MECHANISMS)),
            description: optional(text(80)),
          }),
        ),
      ),
      flows: fc
        .subarray(pairs, { maxLength: Math.min(8, pairs.length) })
        .chain((chosen) => (chosen.length === 0 ? fc.constant<ManifestFlow[]>([]) : fc.tuple(...chosen.map(([s, p]) => flow(s, p))))),
    });
  })
  .map((m) => stripUndefined(m) as Manifest);

function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, stripUndefined(v)]),
    );
  }
  return value;
}
