import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse, YAMLParseError } from 'yaml';
import type { Problem } from '../../common/domain-error';
import { toProblems } from '../../common/validation';
import { checkManifest, type KnownKeys } from '../data-map.rules';
import { ManifestDto } from '../dto/manifest.dto';
import { translationsProblem } from '../dto/translations';
import type { Manifest } from './manifest.types';

export interface ManifestValidation {
  /** The manifest when there are no problems. */
  manifest: Manifest | null;
  problems: Problem[];
}

/** Parses manifest text, YAML or JSON (JSON is YAML); syntax errors give line and column. */
export function parseManifestText(text: string): { document: unknown; problems: Problem[] } {
  try {
    const document: unknown = parse(text, { uniqueKeys: true, maxAliasCount: 100 });
    return { document, problems: [] };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      return {
        document: null,
        problems: [
          {
            path: '',
            message: `not valid YAML or JSON${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${error.message.split('\n')[0]}`,
          },
        ],
      };
    }
    throw error;
  }
}

/** The language whose text is `description` itself when a manifest gives it translated. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * A purpose's or flow's `description: { en: …, de: … }` in a file becomes `description`
 * (the `en` text, else the first) plus `descriptions` (the others), the shape stored and
 * exchanged everywhere else. Other entries are left as they are.
 */
function foldTranslations(document: Record<string, unknown>): { document: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const out: Record<string, unknown> = { ...document };
  for (const kind of ['purposes', 'flows'] as const) {
    const list = document[kind];
    if (!Array.isArray(list)) continue;
    out[kind] = list.map((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null) return entry;
      const { description } = entry as { description?: unknown };
      if (typeof description !== 'object' || description === null) return entry;
      const problem = translationsProblem(description);
      if (problem !== null || Object.keys(description).length === 0) {
        problems.push({ path: `${kind}[${i}].description`, message: problem ?? 'must have at least one language' });
        return { ...entry, description: undefined };
      }
      const texts = description as Record<string, string>;
      const main = DEFAULT_LANGUAGE in texts ? DEFAULT_LANGUAGE : Object.keys(texts)[0];
      const others = Object.fromEntries(Object.entries(texts).filter(([lang]) => lang !== main));
      return { ...entry, description: texts[main], ...(Object.keys(others).length > 0 ? { descriptions: others } : {}) };
    });
  }
  return { document: out, problems };
}

/**
 * Every problem in a manifest document, structural (the REST DTOs' rules) and between
 * entries (the data map's invariants), each with its path in the file.
 * `existing`: keys already stored that the manifest may reference without listing.
 */
export function validateManifest(document: unknown, existing?: KnownKeys): ManifestValidation {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return {
      manifest: null,
      problems: [{ path: '', message: 'a manifest must be an object with version, fields, purposes, subprocessors and flows' }],
    };
  }
  const folded = foldTranslations(document as Record<string, unknown>);
  const dto = plainToInstance(ManifestDto, folded.document);
  const structural = toProblems(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false }),
  );
  const semantic = checkManifest(dto as Manifest, existing);
  const problems = [...folded.problems, ...structural, ...semantic];
  return { manifest: problems.length === 0 ? (dto as Manifest) : null, problems };
}
