import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse, YAMLParseError } from 'yaml';
import type { Problem } from '../../common/domain-error';
import { toProblems } from '../../common/validation';
import { checkManifest, type KnownKeys } from '../data-map.rules';
import { ManifestDto } from '../dto/manifest.dto';
import { notStatedWarnings } from './manifest.completeness';
import type { Manifest } from './manifest.types';

export interface ManifestValidation {
  /** The manifest when there are no problems. */
  manifest: Manifest | null;
  problems: Problem[];
  /** What the valid manifest explicitly leaves not stated (never a reason to reject it). */
  warnings: Problem[];
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
  const dto = plainToInstance(ManifestDto, document);
  const structural = toProblems(
    validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false }),
  );
  const semantic = checkManifest(dto as Manifest, existing);
  const problems = [...structural, ...semantic];
  const manifest = problems.length === 0 ? (dto as Manifest) : null;
  return { manifest, problems, warnings: manifest ? notStatedWarnings(manifest) : [] };
}
