import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli/cli-command';
import { withApp } from '../cli/cli-command';
import { renderPageHtml, renderPageMarkdown } from './render-page';
import { TransparencyService } from './transparency.service';

export const publishCommand: CliCommand = {
  name: ['publish'],
  usage: 'publish [--format md|html|json] [--out FILE]',
  summary: 'write the public subprocessor page from the stored map, for a docs site (stdout unless --out)',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { format: { type: 'string', default: 'md' }, out: { type: 'string' } },
    });
    const format = values.format;
    if (format !== 'md' && format !== 'html' && format !== 'json') {
      io.err(`--format must be md, html or json, got "${format}"`);
      return 2;
    }
    return withApp(io, async (app) => {
      const page = await app.get(TransparencyService).page();
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
