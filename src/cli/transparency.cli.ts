import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliCommand } from './cli-command';
import { withApp } from './cli-command';
import { DataMapError } from '../data-map/data-map.errors';

export const publishCommand: CliCommand = {
  name: ['publish'],
  usage: 'publish [--format md|html|json] [--lang en|de|fr] [--out FILE]',
  summary: 'write the public subprocessor page from the stored map, for a docs site (stdout unless --out)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { format: { type: 'string', default: 'md' }, lang: { type: 'string', default: 'en' }, out: { type: 'string' } },
    });
    const format = values.format;
    if (format !== 'md' && format !== 'html' && format !== 'json') {
      io.err(`--format must be md, html or json, got "${format}"`);
      return 2;
    }
    const language = values.lang;
    if (language !== 'en' && language !== 'de' && language !== 'fr') {
      io.err(`--lang must be en, de or fr, got "${language}"`);
      return 2;
    }
    return withApp(io, async (app) => {
      // Loaded here, not at the top: every command file is imported by `flowgate validate`.
      const [{ TransparencyService }, { renderPageHtml, renderPageMarkdown }] = await Promise.all([
        import('../transparency/transparency.service.js'),
        import('../transparency/render-page.js'),
      ]);
      const page = await app.get(TransparencyService).page(language);
      const text =
        format === 'md'
          ? renderPageMarkdown(page)
          : format === 'html'
            ? renderPageHtml(page, { standalone: true })
            : `${JSON.stringify(page, null, 2)}\n`;
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

export const impactCommand: CliCommand = {
  name: ['impact'],
  usage: 'impact FILE [--days N] [--prune] [--format text|json]',
  summary: 'dry-run import: per changed flow, users who would gain or lose it and recently blocked calls it would let through',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { days: { type: 'string', default: '7' }, prune: { type: 'boolean' }, format: { type: 'string', default: 'text' } },
    });
    if (positionals.length !== 1) {
      io.err('expected one FILE');
      return 2;
    }
    const days = Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      io.err(`--days must be an integer from 1 to 365, got "${values.days}"`);
      return 2;
    }
    if (values.format !== 'text' && values.format !== 'json') {
      io.err(`--format must be text or json, got "${values.format}"`);
      return 2;
    }
    const text = await readFile(positionals[0], 'utf8');
    return withApp(io, async (app) => {
      const { ImpactService } = await import('../transparency/impact.service.js');
      try {
        const report = await app.get(ImpactService).impact(text, { days, prune: values.prune });
        if (values.format === 'json') {
          io.out(JSON.stringify(report, null, 2));
          return 0;
        }
        io.out(`Impact of ${positionals[0]} over ${report.knownUsers} known users and the last ${days} days of audit reports (nothing written):`);
        for (const f of report.flows) {
          io.out(
            `  ${f.change.padEnd(8)} ${f.flow}: ${f.users.lose} users lose it, ${f.users.gain} gain it` +
              `${f.users.reconsent > 0 ? `, ${f.users.reconsent} must consent again` : ''}; ` +
              `${f.calls.unblocked} blocked calls would go (${f.calls.perDay.toFixed(1)}/day)`,
          );
        }
        io.out(report.note);
        return 0;
      } catch (error) {
        if (error instanceof DataMapError && Array.isArray(error.details)) {
          io.err(`${positionals[0]}: ${error.message}`);
          return 1;
        }
        throw error;
      }
    });
  },
};

export const ropaCommand: CliCommand = {
  name: ['ropa'],
  usage: 'ropa [--format csv|html|json] [--out FILE]',
  summary: 'write the record of processing activities (GDPR Art. 30) from the stored map',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { format: { type: 'string', default: 'csv' }, out: { type: 'string' } } });
    const format = values.format;
    if (format !== 'csv' && format !== 'html' && format !== 'json') {
      io.err(`--format must be csv, html or json, got "${format}"`);
      return 2;
    }
    return withApp(io, async (app) => {
      const [{ DataMapService }, { buildRopa, ropaCsv, ropaHtml }] = await Promise.all([
        import('../data-map/data-map.service.js'),
        import('../transparency/ropa.js'),
      ]);
      const map = await app.get(DataMapService).current();
      const ropa = buildRopa(map.manifest, map.version);
      const text = format === 'csv' ? ropaCsv(ropa) : format === 'html' ? ropaHtml(ropa, { standalone: true }) : `${JSON.stringify(ropa, null, 2)}\n`;
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
