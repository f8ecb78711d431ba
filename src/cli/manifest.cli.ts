import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from './cli-command';
import { EXIT, printJson, UsageError, withApp } from './cli-command';
import { count } from './progress';
import { DataMapError } from '../data-map/data-map.errors';
import type { ImportStep } from '../data-map/data-map.service';
import type { KindDiff, ManifestDiff } from '../data-map/manifest/manifest.diff';
import { formatManifest } from '../data-map/manifest/manifest.format';
import { parseManifestText, validateManifest } from '../data-map/manifest/manifest.validation';
import type { Problem } from '../common/domain-error';
import { completenessReport, type CompletenessReport } from '../data-map/manifest/manifest.completeness';

export const importCommand: CliCommand = {
  name: ['import'],
  usage: 'import FILE [--dry-run] [--prune] [--json]',
  summary: 'import a manifest (YAML or JSON) into the database in one transaction',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    const file = single(positionals, 'FILE');
    const text = await readFile(file, 'utf8');
    const dryRun = values['dry-run'] ?? false;
    return withApp(io, async (app) => {
      const { DataMapService } = await import('../data-map/data-map.service.js');
      const started = Date.now();
      try {
        const result = await app.get(DataMapService).importManifestDocument(text, {
          dryRun,
          prune: values.prune,
          onStep: values.json ? undefined : importProgress(io, file, text.length),
        });
        if (values.json) {
          printJson(io, { file, valid: true, dryRun, applied: result.applied, version: result.version, diff: result.diff });
          return EXIT.ok;
        }
        io.out(describeDiff(result.diff));
        io.out(
          result.applied
            ? `Imported ${file}: data map is now version ${result.version}.`
            : dryRun
              ? 'Dry run: nothing was changed.'
              : `Nothing to change: the database already matches ${file}.`,
        );
        if (text.length >= LARGE_FILE) io.err(`… done in ${Date.now() - started} ms`);
        return EXIT.ok;
      } catch (error) {
        if (error instanceof DataMapError && Array.isArray(error.details)) {
          if (values.json) printJson(io, { file, valid: false, problems: error.details });
          else reportProblems(io, file, error.details);
          return EXIT.problems;
        }
        throw error;
      }
    });
  },
};

/** From this size (bytes) an import reports its phases on stderr. */
const LARGE_FILE = 512 * 1024;

function importProgress(io: CliIo, file: string, bytes: number): ((step: ImportStep) => void) | undefined {
  if (bytes < LARGE_FILE) return undefined;
  return (step) => {
    switch (step.step) {
      case 'parsing':
        return io.err(`… reading ${file} (${(bytes / 1024 / 1024).toFixed(1)} MB)`);
      case 'validating':
        return io.err('… checking every field, purpose, subprocessor and flow');
      case 'writing': {
        const d = step.diff;
        const rows = [d.fields, d.purposes, d.subprocessors, d.flows].reduce(
          (n, k) => n + k.added.length + k.changed.length + k.removed.length,
          0,
        );
        return io.err(`… writing ${count(rows)} changes in one transaction`);
      }
    }
  };
}

export const exportCommand: CliCommand = {
  name: ['export'],
  usage: 'export [--format yaml|json | --json] [--out FILE]',
  summary: 'write the stored data map as a manifest (stdout unless --out; --json is --format json)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { format: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' } },
    });
    const format = values.format ?? (values.json ? 'json' : 'yaml');
    if (format !== 'yaml' && format !== 'json') {
      io.err(`--format must be yaml or json, got "${format}"`);
      return EXIT.usage;
    }
    if (values.json && format !== 'json') {
      io.err('--json and --format yaml contradict each other');
      return EXIT.usage;
    }
    return withApp(io, async (app) => {
      const { DataMapService } = await import('../data-map/data-map.service.js');
      const manifest = await app.get(DataMapService).exportManifest();
      const flows = manifest.flows.length;
      if (flows >= LARGE_MAP) io.err(`… formatting ${count(flows)} flows as ${format}`);
      const text = formatManifest(manifest, format);
      if (values.out) {
        await writeFile(values.out, text);
        io.err(`Wrote ${values.out} (${count(flows)} flows)`);
      } else {
        io.out(text.trimEnd());
      }
      return EXIT.ok;
    });
  },
};

/** From this many flows an export says what it is doing on stderr. */
const LARGE_MAP = 2000;

export const validateCommand: CliCommand = {
  name: ['validate'],
  usage: 'validate FILE [--json]',
  summary: 'check a manifest on its own (every reference must resolve inside it); exit 1 listing the problems',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const file = single(positionals, 'FILE');
    const parsed = parseManifestText(await readFile(file, 'utf8'));
    const validation = parsed.problems.length > 0 ? null : validateManifest(parsed.document);
    const problems = validation?.problems ?? parsed.problems;
    const warnings = validation?.warnings ?? [];
    if (values.json) {
      printJson(io, { file, valid: problems.length === 0, problems, warnings });
      return problems.length > 0 ? EXIT.problems : EXIT.ok;
    }
    if (problems.length > 0) {
      reportProblems(io, file, problems);
      return EXIT.problems;
    }
    for (const w of warnings) io.err(`  warning: ${w.path}: ${w.message}`);
    io.out(`${file}: valid${warnings.length > 0 ? `, ${warnings.length} not stated (see \`completeness ${file}\`)` : ''}`);
    return EXIT.ok;
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
      report = await withApp(io, async (app) => {
        const { DataMapService } = await import('../data-map/data-map.service.js');
        return app.get(DataMapService).completeness();
      });
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
