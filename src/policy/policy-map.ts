import type { StoredMap } from '../data-map/data-map.store';
import { flowKeyOf, type PolicyMap } from '@flowgate/core';
import { sentFields } from '../data-map/manifest/manifest.types';

/**
 * The stored data map as the engine's `PolicyMap`: flow versions and each sent field's
 * `since` come from the store; the map version is the policy version.
 */
export function toPolicyMap(stored: StoredMap): PolicyMap {
  const { manifest } = stored;
  return {
    version: stored.version,
    fields: manifest.fields.map((f) => ({ key: f.key, paths: f.paths, sensitivity: f.sensitivity })),
    subprocessors: manifest.subprocessors.map((s) => (s.endpoints === undefined ? { key: s.key } : { key: s.key, endpoints: s.endpoints })),
    purposes: manifest.purposes.map((p) => ({ key: p.key })),
    flows: manifest.flows.map((f) => {
      const key = flowKeyOf(f.subprocessor, f.purpose);
      const storedFlow = stored.flows.get(key);
      const version = storedFlow?.version ?? 1;
      return {
        key,
        subprocessor: f.subprocessor,
        purpose: f.purpose,
        mode: f.mode,
        legalBasis: f.legalBasis,
        version,
        fields: sentFields(f).map((field) => {
          const since = storedFlow?.since.get(field) ?? version;
          const from = storedFlow?.fieldEffectiveFrom?.get(field);
          return from === undefined ? { key: field, since } : { key: field, since, effectiveFrom: from };
        }),
        excludedFields: f.excludedFields ?? [],
        ...(storedFlow?.effectiveFrom ? { effectiveFrom: storedFlow.effectiveFrom } : {}),
      };
    }),
  };
}
