import { stringify } from 'yaml';
import type { Manifest } from './manifest.types';

export type ManifestFormat = 'yaml' | 'json';

/** Writes a (canonical) manifest as YAML or JSON text. */
export function formatManifest(manifest: Manifest, format: ManifestFormat): string {
  if (format === 'json') return `${JSON.stringify(manifest, null, 2)}\n`;
  return stringify(manifest, { lineWidth: 0 });
}
