import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { LineCounter, parseDocument, visit, YAMLParseError } from 'yaml';
import { DEFAULT_JSON_LIMITS, limitProblem, scanJson } from '../../common/json-scan';
import type { Problem } from '../../common/domain-error';
import { shapeProblems, toProblems } from '../../common/validation';
import { checkManifest, type KnownKeys } from '../data-map.rules';
import { ManifestDto } from '../dto/manifest.dto';
import { translationsProblem } from '../dto/translations';
import { notStatedWarnings } from './manifest.completeness';
import type { Manifest } from './manifest.types';

export interface ManifestValidation {
  /** The manifest when there are no problems. */
  manifest: Manifest | null;
  problems: Problem[];
  /** What the valid manifest explicitly leaves not stated (never a reason to reject it). */
  warnings: Problem[];
}

/**
 * Most entries (lines plus commas, an upper bound of the nodes) a YAML manifest may have:
 * the YAML parser takes about 10 µs and 1 KB per node, so this bounds it to about 2 s and
 * 200 MB. A 10,000-flow map is well within it; JSON has no such limit (it is read natively).
 */
export const MAX_YAML_ENTRIES = 200_000;

/** The line at which the text passes `MAX_YAML_ENTRIES`, or null. One pass, no allocation. */
function crowdedAt(text: string): number | null {
  let entries = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    if (c === 0x0a || c === 0x2c) {
      entries++;
      if (entries > MAX_YAML_ENTRIES) return line;
    }
  }
  return null;
}

/** Most aliases (`*name`) one manifest may use: each is expanded into a copy. */
export const MAX_YAML_ALIASES = 100;

/**
 * Parses manifest text, YAML or JSON (JSON is YAML). Syntax errors, duplicate keys and too
 * many aliases are problems naming the line; so is nesting deeper than the JSON limit.
 * Never throws on any text.
 */
export function parseManifestText(text: string): { document: unknown; problems: Problem[] } {
  // JSON (what scripts and the API write) is read natively, with the same limits as a JSON body.
  if (/^\s*[{[]/.test(text)) {
    const problem = scanJson(text);
    if (problem) return { document: null, problems: [problem] };
    try {
      const document: unknown = JSON.parse(text);
      const limit = limitProblem(document);
      return limit ? { document: null, problems: [limit] } : { document, problems: [] };
    } catch {
      // Not JSON after all (YAML flow style): the YAML parser says what is wrong.
    }
  }
  const crowded = crowdedAt(text);
  if (crowded !== null) {
    return {
      document: null,
      problems: [
        {
          path: '',
          message: `line ${crowded}: more than ${MAX_YAML_ENTRIES} entries; a manifest this large must be sent as JSON (application/json)`,
        },
      ],
    };
  }
  const lines = new LineCounter();
  const fail = (message: string, offset?: number) => {
    const at = offset === undefined ? null : lines.linePos(offset);
    return { document: null, problems: [{ path: '', message: at ? `line ${at.line}, column ${at.col}: ${message}` : message }] };
  };
  try {
    const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines, prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      return {
        document: null,
        problems: [{ path: '', message: `not valid YAML or JSON at line ${at.line}, column ${at.col}: ${error.message.split('\n')[0]}` }],
      };
    }
    const aliases: number[] = [];
    visit(doc, {
      Alias(_, node) {
        aliases.push(node.range?.[0] ?? 0);
        if (aliases.length > MAX_YAML_ALIASES) return visit.BREAK;
      },
    });
    if (aliases.length > MAX_YAML_ALIASES) {
      return fail(
        `more than ${MAX_YAML_ALIASES} aliases (*name): write the values out instead ` +
          '(a script using the yaml package: stringify(value, { aliasDuplicateObjects: false }))',
        aliases[MAX_YAML_ALIASES],
      );
    }
    let document: unknown;
    try {
      document = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      if (e instanceof ReferenceError) return fail('aliases expand to too much data', aliases[0]);
      throw e;
    }
    const problem = limitProblem(document);
    return problem ? { document: null, problems: [problem] } : { document, problems: [] };
  } catch (error) {
    if (error instanceof RangeError) return fail(`nested more than ${DEFAULT_JSON_LIMITS.maxDepth} levels deep`);
    if (error instanceof YAMLParseError) return fail(error.message.split('\n')[0], error.pos[0]);
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
      warnings: [],
    };
  }
  const limit = limitProblem(document);
  if (limit !== null) return { manifest: null, problems: [limit], warnings: [] };
  const folded = foldTranslations(document as Record<string, unknown>);
  const shape = shapeProblems(ManifestDto, folded.document);
  if (shape.length > 0) return { manifest: null, problems: [...folded.problems, ...shape], warnings: [] };
  const dto = plainToInstance(ManifestDto, folded.document);
  const structural = toProblems(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false }),
  );
  const semantic = checkManifest(dto as Manifest, existing);
  const problems = [...folded.problems, ...structural, ...semantic];
  const manifest = problems.length === 0 ? (dto as Manifest) : null;
  return { manifest, problems, warnings: manifest ? notStatedWarnings(manifest) : [] };
}
