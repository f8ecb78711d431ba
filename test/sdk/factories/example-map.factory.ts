import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { StoredMap } from '../../../src/data-map/data-map.store';
import { flowKeyOf } from '@flowgate/core';
import { normalizeManifest } from '../../../src/data-map/manifest/manifest.diff';
import { sentFields } from '../../../src/data-map/manifest/manifest.types';
import { validateManifest } from '../../../src/data-map/manifest/manifest.validation';
import { toPolicyMap } from '../../../src/policy/policy-map';
import type { PolicyMap } from '@flowgate/sdk';

export type ExampleName = 'caplena' | 'miso' | 'qase' | 'numberz';

/**
 * One of examples/*.yaml as the engine's PolicyMap, built the way the server builds it
 * (`toPolicyMap` of the stored map) for a freshly imported map: map version 1, every flow
 * at version 1, every sent field `since` 1.
 */
export function exampleMap(name: ExampleName): PolicyMap {
  const document: unknown = parse(readFileSync(join(process.cwd(), 'examples', `${name}.yaml`), 'utf8'));
  const { manifest, problems } = validateManifest(document);
  if (!manifest) throw new Error(`examples/${name}.yaml: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  const normalized = normalizeManifest(manifest);
  const stored: StoredMap = {
    version: 1,
    updatedAt: null,
    manifest: normalized,
    ids: { fields: new Map(), purposes: new Map(), subprocessors: new Map() },
    flows: new Map(
      normalized.flows.map((f, id) => {
        const key = flowKeyOf(f.subprocessor, f.purpose);
        return [key, { id, key, version: 1, updatedAt: new Date(0), since: new Map(sentFields(f).map((field) => [field, 1])) }];
      }),
    ),
  };
  return toPolicyMap(stored);
}
