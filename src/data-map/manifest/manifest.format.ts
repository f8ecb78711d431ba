import { stringify } from 'yaml';
import type { Manifest } from './manifest.types';
import { DEFAULT_LANGUAGE } from './manifest.validation';

export type ManifestFormat = 'yaml' | 'json';

/** Writes a (canonical) manifest as YAML or JSON text, translations inline as the file has them. */
export function formatManifest(manifest: Manifest, format: ManifestFormat): string {
  const file = unfoldTranslations(manifest);
  if (format === 'json') return `${JSON.stringify(file, null, 2)}\n`;
  return stringify(file, { lineWidth: 0 });
}

/** `description` + `descriptions` back to `description: { en: …, de: … }` (see foldTranslations). */
function unfoldTranslations(manifest: Manifest): unknown {
  const unfold = <T extends { description?: string; descriptions?: Record<string, string> }>(entry: T) => {
    if (!entry.descriptions || Object.keys(entry.descriptions).length === 0) return entry;
    const { descriptions, ...rest } = entry;
    return { ...rest, description: { ...(entry.description ? { [DEFAULT_LANGUAGE]: entry.description } : {}), ...descriptions } };
  };
  return { ...manifest, purposes: manifest.purposes.map(unfold), flows: manifest.flows.map(unfold) };
}
