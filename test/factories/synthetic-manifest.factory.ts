import type { PolicyMap } from '@flowgate/core';
import type { Manifest } from '../../src/data-map/manifest/manifest.types';

const LOCATIONS = [['DE'], ['IE', 'FR'], ['US'], ['US', 'DE'], ['NL']];

/**
 * The benchmarks' synthetic `PolicyMap` (bench/synthetic-map.ts) as a manifest a server can
 * import. Flow versions start at 1 on import (every `since` is 1), so stale grants of the
 * synthetic world do not carry over; the shape (40 vendors, 60 fields, 300 flows) does.
 */
export function manifestOfPolicyMap(map: PolicyMap): Manifest {
  return {
    version: 1,
    organization: 'Example Org',
    fields: map.fields.map((f) => ({ key: f.key, name: `Field ${f.key}`, sensitivity: f.sensitivity, paths: [...f.paths] })),
    purposes: map.purposes.map((p) => ({ key: p.key, name: `Purpose ${p.key}` })),
    subprocessors: map.subprocessors.map((s, i) => ({
      key: s.key,
      name: `Vendor ${i}`,
      url: `https://${s.key}.example`,
      locations: LOCATIONS[i % LOCATIONS.length],
      category: 'other',
    })),
    flows: map.flows.map((f) => ({
      subprocessor: f.subprocessor,
      purpose: f.purpose,
      mode: f.mode,
      legalBasis: f.legalBasis,
      fields: f.fields.map((x) => x.key),
      excludedFields: [...f.excludedFields],
    })),
  };
}
