/**
 * The public subprocessor page: building the page model from a synthetic map of 1,000
 * subprocessors, 300 fields and 10,000 flows, and rendering it as HTML, JSON, Markdown and
 * the Atom feed (with 50 change notices). Target: page + feed under 100 ms. The server
 * caches each rendering by map (and notices) version, so this is paid once per change.
 */
import { normalizeManifest } from '../src/data-map/manifest/manifest.diff';
import type { Manifest } from '../src/data-map/manifest/manifest.types';
import type { PageNotice } from '../src/transparency/notice.types';
import { renderAtom } from '../src/transparency/render-atom';
import { renderPageHtml, renderPageMarkdown } from '../src/transparency/render-page';
import { buildSubprocessorPage } from '../src/transparency/subprocessor-page';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { syntheticWorld } from './synthetic-map';

const TARGET_MS = 100;
const FULL = { subprocessors: 1000, fields: 300, flows: 10_000, purposes: 20, notices: 50 };
const QUICK = { subprocessors: 100, fields: 60, flows: 1000, purposes: 20, notices: 5 };

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] };
}

function ms(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function notices(n: number): PageNotice[] {
  return Array.from({ length: n }, (_, i) => ({
    id: n - i,
    kinds: ['added-subprocessor'],
    changes: [`Vendor ${i} added for Support, receiving Email address, Name.`],
    noticeDate: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    effectiveDate: new Date(Date.UTC(2026, 0, 31 + i)).toISOString(),
    mapVersion: i + 1,
    objection: 'Write to privacy@example.com before the effective date.',
  }));
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? QUICK : FULL;
  const runs = options.quick ? 5 : 30;
  const world = syntheticWorld({ ...size, users: 0, seed: 2026 });
  const manifest: Manifest = normalizeManifest(manifestOfPolicyMap(world.map));
  const input = { mapVersion: 1, updatedAt: new Date('2026-11-01T00:00:00Z'), notices: notices(size.notices) };

  const rows: Record<string, number[]> = { model: [], html: [], atom: [], 'page + feed': [], json: [], markdown: [] };
  let bytes = { html: 0, atom: 0, json: 0 };
  for (let i = 0; i < runs + 2; i++) {
    let page = buildSubprocessorPage(manifest, input);
    const model = ms(() => (page = buildSubprocessorPage(manifest, input)));
    let html = '';
    let atom = '';
    const h = ms(() => (html = renderPageHtml(page)));
    const a = ms(() => (atom = renderAtom(page, { updated: input.updatedAt, baseUrl: 'https://privacy.example.com' })));
    let json = '';
    const j = ms(() => (json = JSON.stringify(page)));
    const m = ms(() => renderPageMarkdown(page));
    if (i < 2) continue; // warm-up
    rows.model.push(model);
    rows.html.push(h);
    rows.atom.push(a);
    rows['page + feed'].push(model + h + a);
    rows.json.push(j);
    rows.markdown.push(m);
    bytes = { html: html.length, atom: atom.length, json: json.length };
  }
  const table = Object.entries(rows).map(([step, samples]) => ({ step, ...stats(samples) }));
  console.log(machineNote());
  console.table(table.map((r) => ({ step: r.step, 'median ms': fmt(r.median), 'p95 ms': fmt(r.p95) })));
  const total = table.find((r) => r.step === 'page + feed')!;
  const markdown = [
    '## Public subprocessor page',
    '',
    `\`npm run bench -- transparency\` (\`bench/transparency.bench.ts\`): the page model, HTML and Atom feed for a synthetic map of ${size.subprocessors.toLocaleString('en-US')} subprocessors, ${size.fields} fields and ${size.flows.toLocaleString('en-US')} flows, with ${size.notices} change notices; ${runs} runs after 2 warm-ups. The server renders each format once per map (and notices) version and serves it from memory until the next change, with an ETag.`,
    '',
    `Machine: ${machineNote()}.`,
    '',
    '| step | median ms | p95 ms |',
    '| --- | ---: | ---: |',
    ...table.map((r) => `| ${r.step} | ${fmt(r.median)} | ${fmt(r.p95)} |`),
    '',
    `Sizes: HTML ${(bytes.html / 1024).toFixed(0)} KiB, Atom ${(bytes.atom / 1024).toFixed(0)} KiB, JSON ${(bytes.json / 1024).toFixed(0)} KiB. Target for page + feed: under ${TARGET_MS} ms; measured median ${fmt(total.median)} ms (${total.median < TARGET_MS ? 'met' : 'NOT met'}).`,
  ].join('\n');
  return { name: 'transparency', markdown, failures: 0 };
}
