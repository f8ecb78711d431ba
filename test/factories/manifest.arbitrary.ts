import fc from 'fast-check';
import {
  AUDIENCES,
  CONSENT_MODES,
  DATA_ROLES,
  LEGAL_BASES,
  SENSITIVITIES,
  SUBPROCESSOR_CATEGORIES,
  NOT_STATED,
  TRANSFER_MECHANISMS,
  type ConsentMode,
  type LegalBasis,
} from '@flowgate/core';
import { PAGE_GROUPINGS, type Manifest, type ManifestFlow } from '../../src/data-map/manifest/manifest.types';

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
            byFeature: mode === 'opt-in' ? fc.boolean() : fc.constant(false),
            featureName: text(30),
            anyBasis: fc.constantFrom(...LEGAL_BASES),
            legalBasis: legalBasisFor(mode),
            notStated: fc.boolean(),
            audiences: optional(fc.subarray([...AUDIENCES], { minLength: 1 })),
            split: fc.array(fc.constantFrom('sent', 'excluded', 'none'), {
              minLength: fieldKeys.length,
              maxLength: fieldKeys.length,
            }),
            description: optional(text(60)),
          })
          .map(({ byFeature, featureName, anyBasis, legalBasis, notStated, audiences, split, description }) => ({
            subprocessor: s,
            purpose: p,
            mode,
            legalBasis: byFeature ? anyBasis : legalBasis,
            fields: notStated && split[0] === 'none' ? NOT_STATED : fieldKeys.filter((_, i) => split[i] === 'sent'),
            excludedFields: fieldKeys.filter((_, i) => split[i] === 'excluded'),
            audiences,
            ...(byFeature ? { activation: 'feature' as const, feature: featureName } : {}),
            ...(description ? { description } : {}),
          })),
      );
    return fc.record({
      version: fc.constantFrom(1 as const, 2 as const),
      organization: fc.oneof(
        fc.constant(organization),
        fc.record({
          name: text(40),
          legalName: optional(text(40)),
          address: optional(text(80)),
          privacyPolicyUrl: optional(fc.constant('https://example.com/privacy')),
          dpaUrl: optional(fc.constant('https://example.com/dpa')),
          objectionContact: optional(fc.constant('privacy@example.com')),
          roles: optional(fc.record({ customers: fc.constantFrom(...DATA_ROLES) })),
          page: optional(
            fc.record({
              date: optional(fc.constantFrom('2026-11-01', '2024-02-29')),
              grouping: optional(fc.constantFrom(...PAGE_GROUPINGS)),
            }),
          ),
        }),
      ),
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
            parent: optional(text(40)),
            locations: fc.oneof(
              fc.uniqueArray(fc.constantFrom('DE', 'FR', 'IE', 'NL', 'US', 'IN', 'EU', 'CH', 'EEA', 'worldwide', 'asia-pacific'), { maxLength: 3 }),
              fc.constant(NOT_STATED),
            ),
            transfers: optional(
              fc
                .subarray(subprocessorKeys.filter((other) => other !== key))
                .map((keys) => keys.map((to) => ({ to }))),
            ),
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
