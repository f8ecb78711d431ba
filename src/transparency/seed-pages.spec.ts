import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEED_PAGES, type SeedVendor } from '../../test/factories/seed-facts';
import { normalizeManifest } from '../data-map/manifest/manifest.diff';
import { parseManifestText, validateManifest } from '../data-map/manifest/manifest.validation';
import { renderPageHtml, renderPageMarkdown } from './render-page';
import { buildSubprocessorPage, type PageSubprocessor, type SubprocessorPage } from './subprocessor-page';

/**
 * Each seed page regenerated from its example map: every hand-written fact of the seed
 * is found in the generated HTML (in that vendor's entry) and JSON, and nothing is
 * invented: no other vendor, and no location, legal entity or address the seed does not give.
 */
/** The four published pages the examples are modelled on, kept in the repository (examples/seeds). */
const SEEDS = join(process.cwd(), 'examples', 'seeds');
const seedText = (file: string) => readFileSync(join(SEEDS, file), 'utf8');

function pageOf(example: string): SubprocessorPage {
  const { document } = parseManifestText(readFileSync(join('examples', example), 'utf8'));
  const { manifest } = validateManifest(document);
  return buildSubprocessorPage(normalizeManifest(manifest!), { mapVersion: 1, updatedAt: new Date('2026-11-01T00:00:00Z') });
}

/** The visible text of each vendor's `<article>`, by key. */
function articles(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<article class="subprocessor" id="sp-([a-z0-9-]+)"[^>]*>([\s\S]*?)<\/article>/g)) {
    out.set(m[1], decode(m[2].replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' '));
  }
  return out;
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

const factsOf = (v: SeedVendor) => [v.name, v.location, ...(v.entity ? [v.entity] : []), ...(v.address ? [v.address] : []), ...v.has, ...v.hasNot, ...v.facts];

describe.each(SEED_PAGES)('the page generated from examples/$example', (seed) => {
  const page = pageOf(seed.example);
  const html = renderPageHtml(page);
  const json = JSON.stringify(page);
  const byHtml = articles(html);
  const byJson = new Map<string, PageSubprocessor>(page.subprocessors.map((s) => [s.key, s]));

  it('quotes the seed correctly in the fact list itself', () => {
    const text = seedText(seed.seed);
    const missing = seed.vendors.flatMap((v) => v.seed.filter((q) => !text.includes(q)).map((q) => `${v.key}: ${q}`));
    expect(missing).toEqual([]);
  });

  it('has every fact of the seed: 0 missing, in the HTML entry and the JSON entry of its vendor', () => {
    const missing: string[] = [];
    const page_ = decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
    for (const fact of [...seed.organization, ...seed.groups]) {
      if (!page_.toLowerCase().includes(fact.toLowerCase())) missing.push(`html page: ${fact}`);
      if (!json.toLowerCase().includes(JSON.stringify(fact).slice(1, -1).toLowerCase())) missing.push(`json page: ${fact}`);
    }
    for (const v of seed.vendors) {
      const inHtml = byHtml.get(v.key) ?? '';
      const inJson = JSON.stringify(byJson.get(v.key) ?? {});
      for (const fact of factsOf(v)) {
        if (!inHtml.toLowerCase().includes(fact.toLowerCase())) missing.push(`html ${v.key}: ${fact}`);
        if (!inJson.toLowerCase().includes(JSON.stringify(fact).slice(1, -1).toLowerCase())) missing.push(`json ${v.key}: ${fact}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('invents nothing: the same vendors, in the seed’s groups, with no location, entity or address the seed does not give', () => {
    const keys = seed.vendors.map((v) => v.key).sort();
    expect([...byHtml.keys()].sort()).toEqual(keys);
    expect([...byJson.keys()].sort()).toEqual(keys);
    const invented: string[] = [];
    for (const v of seed.vendors) {
      const s = byJson.get(v.key)!;
      if (s.locationText !== v.location) invented.push(`${v.key} location: ${s.locationText}`);
      if (s.legalEntity !== v.entity) invented.push(`${v.key} legal entity: ${s.legalEntity}`);
      if (s.address !== v.address) invented.push(`${v.key} address: ${s.address}`);
      const group = page.groups.find((g) => g.subprocessors.includes(v.key))?.key;
      if (group !== v.group) invented.push(`${v.key} group: ${group}`);
      const text = byHtml.get(v.key)!;
      if (!v.address && /Legal address/.test(text)) invented.push(`${v.key}: shows a legal address`);
      if (!v.entity && /Legal entity/.test(text)) invented.push(`${v.key}: shows a legal entity`);
      // "Data Shared: None" is a fact, distinct from not stated.
      if (Boolean(v.noneShared) !== (s.dataShared !== 'not-stated' && s.dataShared.length === 0)) invented.push(`${v.key} data shared: ${JSON.stringify(s.dataShared)}`);
      if (v.noneShared && !text.includes('Data shared None')) invented.push(`${v.key}: does not say "Data shared: None"`);
    }
    expect(invented).toEqual([]);
    expect(page.groups.map((g) => g.title)).toEqual(seed.groups);
  });

  it('says the same facts in Markdown', () => {
    const text = renderPageMarkdown(page).replace(/\\(.)/g, '$1').toLowerCase();
    const missing = seed.vendors.flatMap((v) => factsOf(v).filter((f) => !text.includes(f.toLowerCase())).map((f) => `${v.key}: ${f}`));
    expect(missing).toEqual([]);
  });
});
