import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from '../cli/cli-command';
import { withApp } from '../cli/cli-command';
import { DataMapError } from './data-map.errors';
import { DataMapService } from './data-map.service';
import type { KindDiff, ManifestDiff } from './manifest/manifest.diff';
import { formatManifest, type ManifestFormat } from './manifest/manifest.format';
import { parseManifestText, validateManifest } from './manifest/manifest.validation';
import type { Problem } from '../common/domain-error';
import { completenessReport, type CompletenessReport } from './manifest/manifest.completeness';

export const importCommand: CliCommand = {
  name: ['import'],
  usage: 'import FILE [--dry-run] [--prune]',
  summary: 'import a manifest (YAML or JSON) into the database in one transaction',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' } },
    });
    const file = single(positionals, 'FILE');
    const text = await readFile(file, 'utf8');
    return withApp(io, async (app) => {
      try {
        const result = await app
          .get(DataMapService)
          .importManifestDocument(text, { dryRun: values['dry-run'], prune: values.prune });
        io.out(describeDiff(result.diff));
        io.out(
          result.applied
            ? `Imported ${file}: data map is now version ${result.version}.`
            : values['dry-run']
              ? 'Dry run: nothing was changed.'
              : `Nothing to change: the database already matches ${file}.`,
        );
        return 0;
      } catch (error) {
        if (error instanceof DataMapError && Array.isArray(error.details)) {
          reportProblems(io, file, error.details);
          return 1;
        }
        throw error;
      }
    });
  },
};

export const exportCommand: CliCommand = {
  name: ['export'],
  usage: 'export [--format yaml|json] [--out FILE]',
  summary: 'write the stored data map as a manifest (stdout unless --out)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { format: { type: 'string', default: 'yaml' }, out: { type: 'string' } },
    });
    if (values.format !== 'yaml' && values.format !== 'json') {
      io.err(`--format must be yaml or json, got "${values.format}"`);
      return 2;
    }
    const format: ManifestFormat = values.format;
    return withApp(io, async (app) => {
      const text = formatManifest(await app.get(DataMapService).exportManifest(), format);
      if (values.out) {
        await writeFile(values.out, text);
        io.err(`Wrote ${values.out}`);
      } else {
        io.out(text.trimEnd());
      }
      return 0;
    });
  },
};

export const validateCommand: CliCommand = {
  name: ['validate'],
  usage: 'validate FILE',
  summary: 'check a manifest on its own (every reference must resolve inside it); exit 1 listing the problems',
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true });
    const file = single(positionals, 'FILE');
    const parsed = parseManifestText(await readFile(file, 'utf8'));
    const validation = parsed.problems.length > 0 ? null : validateManifest(parsed.document);
    const problems = validation?.problems ?? parsed.problems;
    if (problems.length > 0) {
      reportProblems(io, file, problems);
      return 1;
    }
    const warnings = validation?.warnings ?? [];
    for (const w of warnings) io.err(`  warning: ${w.path}: ${w.message}`);
    io.out(`${file}: valid${warnings.length > 0 ? `, ${warnings.length} not stated (see \`completeness ${file}\`)` : ''}`);
    return 0;
  },
};

export const completenessCommand: CliCommand = {
  name: ['completeness'],
  usage: 'completeness [FILE] [--format text|json]',
  summary: 'list what the map does not state (the file, or the stored map without FILE)',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'text' } },
    });
    if (values.format !== 'text' && values.format !== 'json') {
      io.err(`--format must be text or json, got "${values.format}"`);
      return 2;
    }
    let report: CompletenessReport;
    if (positionals.length > 0) {
      const file = single(positionals, 'FILE');
      const parsed = parseManifestText(await readFile(file, 'utf8'));
      const validation = parsed.problems.length > 0 ? null : validateManifest(parsed.document);
      if (!validation?.manifest) {
        reportProblems(io, file, validation?.problems ?? parsed.problems);
        return 1;
      }
      report = completenessReport(validation.manifest);
    } else {
      report = await withApp(io, (app) => app.get(DataMapService).completeness());
    }
    if (values.format === 'json') {
      io.out(JSON.stringify(report, null, 2));
      return 0;
    }
    io.out(`${report.stated} of ${report.checked} facts stated; ${report.gaps.length} not stated:`);
    for (const g of report.gaps) io.out(`  ${g.kind.padEnd(10)} ${g.path}: ${g.message}`);
    return 0;
  },
};

function single(positionals: string[], name: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${name}, got ${positionals.length}`);
  return positionals[0];
}

export class UsageError extends Error {}

function reportProblems(io: CliIo, file: string, problems: Problem[]): void {
  io.err(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  for (const p of problems) io.err(`  ${p.path ? `${p.path}: ` : ''}${p.message}`);
}

export function describeDiff(diff: ManifestDiff): string {
  const line = (kind: string, d: KindDiff) =>
    `${kind.padEnd(14)} +${d.added.length} added  ~${d.changed.length} changed  -${d.removed.length} removed`;
  const details = (kind: string, d: KindDiff) => [
    ...d.added.map((k) => `  + ${kind} ${k}`),
    ...d.changed.map((c) => `  ~ ${kind} ${c.key} (${c.properties.join(', ')})`),
    ...d.removed.map((k) => `  - ${kind} ${k}`),
  ];
  return [
    line('fields', diff.fields),
    line('purposes', diff.purposes),
    line('subprocessors', diff.subprocessors),
    line('flows', diff.flows),
    ...details('field', diff.fields),
    ...details('purpose', diff.purposes),
    ...details('subprocessor', diff.subprocessors),
    ...details('flow', diff.flows),
  ].join('\n');
}
