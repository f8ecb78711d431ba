import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { LANGUAGES as CLIENT_LANGUAGES } from '../../client/src/preferences/messages';
import { aManifest } from '../../test/factories/manifest.factory';
import { normalizeManifest } from '../data-map/manifest/manifest.diff';
import { parseManifestText, validateManifest } from '../data-map/manifest/manifest.validation';
import type { NoticeFact, PageNotice } from './notice.types';
import { choosePageLanguage, PAGE_LANGUAGES, PAGE_MESSAGES, type PageLanguage, type PageMessages } from './page-messages';
import { renderAtom } from './render-atom';
import { renderPageHtml, renderPageMarkdown } from './render-page';
import { buildSubprocessorPage, type SubprocessorPage } from './subprocessor-page';

const caplena = () => {
  const { manifest } = validateManifest(parseManifestText(readFileSync('examples/caplena.yaml', 'utf8')).document);
  return normalizeManifest(manifest!);
};

const NOTICE: PageNotice = {
  id: 7,
  kinds: ['added-subprocessor'],
  changes: ['Vendor New is added as a subprocessor.'],
  noticeDate: '2026-11-01T00:00:00.000Z',
  effectiveDate: '2026-12-01T00:00:00.000Z',
  mapVersion: 4,
  override: { reason: 'needed for the outage', at: '2026-11-02T00:00:00.000Z' },
  objection: 'To object, contact privacy@caplena.example before 2026-12-01.',
};

const pageIn = (language: PageLanguage): SubprocessorPage =>
  buildSubprocessorPage(caplena(), { mapVersion: 3, updatedAt: new Date('2026-11-01T00:00:00Z'), notices: [NOTICE], language });

/** Every fixed English text of the page's catalog (labels, group names, notes as rendered). */
function englishWording(): string[] {
  const en = PAGE_MESSAGES.en;
  const out = Object.values(en).filter((v): v is string => typeof v === 'string' && v.length > 4);
  for (const groups of Object.values(en.groups)) for (const g of Object.values(groups)) out.push(g.title, g.description);
  out.push(...Object.values(en.transfer), ...Object.values(en.basis), en.notStatedBy('Caplena'), en.noteOptOut('X').slice(0, 20), en.noteOptIn('X').slice(0, 12));
  // A trade name is the same in every language.
  return out.filter((s) => s !== en.transfer.dpf);
}

/** `words` in `text` as whole words ("Consent" is not in "Consentement"). */
function containsWords(text: string, words: string): boolean {
  return new RegExp(`(?<![\\p{L}])${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u').test(text);
}

describe(choosePageLanguage.name, () => {
  it.each([
    ['de', undefined, 'de'],
    ['fr-CA', 'de', 'fr'],
    [undefined, 'de-CH,de;q=0.9,en;q=0.5', 'de'],
    [undefined, 'es, fr;q=0.3', 'fr'],
    [undefined, 'en-GB;q=0.1, de;q=0.2', 'de'],
    [undefined, 'es, pt-BR', 'en'],
    [undefined, '*', 'en'],
    [undefined, '', 'en'],
    [undefined, undefined, 'en'],
  ] as const)('lang %p, Accept-Language %p → %p', (lang, accept, expected) => {
    expect(choosePageLanguage(lang, accept)).toBe(expected);
  });

  it('answers a catalog language for any header, and the one supported language a header names', () => {
    const tag = fc.stringMatching(/^[a-z]{2}(-[A-Z]{2})?$/);
    fc.assert(
      fc.property(fc.string(), (header) => {
        expect(PAGE_LANGUAGES).toContain(choosePageLanguage(undefined, header));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...PAGE_LANGUAGES),
        fc.array(tag.filter((t) => !(PAGE_LANGUAGES as readonly string[]).includes(t.slice(0, 2))), { maxLength: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(4),
        (wanted, others, q, at) => {
          const parts = others.map((o) => `${o};q=0.${q}`);
          parts.splice(Math.min(at, parts.length), 0, `${wanted};q=0.${q}`);
          expect(choosePageLanguage(undefined, parts.join(', '))).toBe(wanted);
        },
      ),
    );
  });
});

const SAMPLE_ARGS: Record<string, unknown[]> = {
  roles: ['Caplena', ['a', 'b']],
  roleFor: ['processor', 'customers'],
  feedMore: [2],
  change: [{ kind: 'fields-added', vendor: 'Vendor A', purpose: 'Support', fields: ['Phone number'] }],
};

describe('PAGE_MESSAGES', () => {
  it('has the languages of the preference centre', () => {
    expect([...PAGE_LANGUAGES].sort()).toEqual([...CLIENT_LANGUAGES].sort());
  });

  it.each(['de', 'fr'] as const)('%s translates every text (none left as the English one)', (language) => {
    const same: string[] = [];
    const walk = (en: unknown, other: unknown, path: string) => {
      if (typeof en === 'string') {
        if (en === other && en.length > 3) same.push(path);
      } else if (typeof en === 'function') {
        const key = path.split('.').pop()!;
        const args = SAMPLE_ARGS[key] ?? ['Caplena', '2026-12-01'];
        if ((en as (...a: unknown[]) => string)(...args) === (other as (...a: unknown[]) => string)(...args)) same.push(path);
      } else if (en && typeof en === 'object') {
        for (const key of Object.keys(en)) walk((en as Record<string, unknown>)[key], (other as Record<string, unknown>)[key], `${path}.${key}`);
      }
    };
    walk(PAGE_MESSAGES.en, PAGE_MESSAGES[language] as PageMessages, language);
    // A trade name stays as it is.
    expect(same).toEqual([`${language}.transfer.dpf`]);
  });
});

describe('the subprocessor page in each language', () => {
  const en = pageIn('en');

  it.each(['de', 'fr'] as const)('%s: the wording is translated, the vendor facts are as stated', (language) => {
    const page = pageIn(language);
    const html = renderPageHtml(page);
    const t = PAGE_MESSAGES[language];
    expect(html).toMatch(new RegExp(`^<!doctype html>\\n<html lang="${language}">`));
    expect(html).toContain(`<h1>${t.title('Caplena')}</h1>`);
    expect(html).toContain(`href="/subprocessors.atom?lang=${language}"`);
    const text = html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    // No English wording is left (the stored change sentence is marked lang="en").
    const left = englishWording().filter((s) => containsWords(text, s));
    expect(left).toEqual([]);
    expect(html).toContain('<li lang="en">Vendor New is added as a subprocessor.</li>');
    // What the vendors state is unchanged: names, entities, addresses, the data they get.
    expect(page.subprocessors.map((s) => [s.key, s.name, s.legalEntity, s.address, s.dataShared])).toEqual(
      en.subprocessors.map((s) => [s.key, s.name, s.legalEntity, s.address, s.dataShared]),
    );
    for (const s of en.subprocessors) {
      if (s.legalEntity) expect(text).toContain(s.legalEntity);
      if (s.address) expect(text).toContain(s.address);
    }
    // Country names in the page's language; the groups in its words.
    expect(page.groups.map((g) => g.title)).toEqual(en.groups.map((g) => t.groups.access[g.key].title));
    expect(page.notices[0].objection).toBe(t.objection(page.organization.objectionContact ?? 'Caplena', '2026-12-01'));
    const md = renderPageMarkdown(page);
    expect(md.startsWith(`# ${t.title('Caplena')}`)).toBe(true);
    expect(englishWording().filter((s) => containsWords(md.replace(/\\(.)/g, '$1'), s))).toEqual([]);
    const atom = renderAtom(page, { updated: new Date('2026-11-01T00:00:00Z'), baseUrl: 'https://privacy.example.com' });
    expect(atom).toContain(`xml:lang="${language}"`);
    expect(atom).toContain(`href="https://privacy.example.com/subprocessors?lang=${language}"`);
  });

  it('names countries in the page language', () => {
    const m = aManifest();
    m.subprocessors[0].locations = ['DE', 'US', 'worldwide'];
    const where = (language: PageLanguage) =>
      buildSubprocessorPage(normalizeManifest(m), { mapVersion: 1, updatedAt: null, language }).subprocessors.find((s) => s.key === m.subprocessors[0].key)!
        .locationText;
    expect(where('en')).toBe('Germany, United States, worldwide');
    expect(where('de')).toBe('Deutschland, Vereinigte Staaten, weltweit');
    expect(where('fr')).toBe('Allemagne, États-Unis, monde entier');
  });

  it('shows a purpose description in the page language when the map translates it, else as stated', () => {
    const m = aManifest();
    m.purposes[0].description = 'Sends email';
    m.purposes[0].descriptions = { de: 'Versendet E-Mails' };
    const flow = m.flows.find((f) => f.purpose === m.purposes[0].key)!;
    delete flow.description;
    const described = (language: PageLanguage) =>
      buildSubprocessorPage(normalizeManifest(m), { mapVersion: 1, updatedAt: null, language })
        .subprocessors.flatMap((s) => s.purposes)
        .find((p) => p.key === `${flow.subprocessor}.${flow.purpose}`)!.description;
    expect(described('en')).toBe('Sends email');
    expect(described('de')).toBe('Versendet E-Mails');
    expect(described('fr')).toBe('Sends email');
  });
});

describe('change notices in each language', () => {
  const FACTS: NoticeFact[] = [
    { kind: 'subprocessor-added', vendor: 'Vendor New' },
    { kind: 'subprocessor-replaced', vendor: 'Vendor New', replaces: ['Vendor Old', 'Vendor Older'] },
    { kind: 'flow-added', vendor: 'Vendor New', purpose: 'Translation', fields: ['Uploaded text', 'Email address'] },
    { kind: 'flow-added', vendor: 'Vendor New', purpose: 'Status page', fields: [] },
    { kind: 'fields-added', vendor: 'Vendor A', purpose: 'Support', fields: ['Phone number'] },
    { kind: 'location-changed', vendor: 'Vendor C', locations: ['US'], before: ['IE', 'FR'] },
    { kind: 'location-changed', vendor: 'Vendor D', locations: [], before: ['DE'] },
  ];
  const stored = { ...NOTICE, changes: FACTS.map((f) => PAGE_MESSAGES.en.change(f)), facts: FACTS };
  const pageWith = (language: PageLanguage, notice: PageNotice & { facts?: NoticeFact[] | null }) =>
    buildSubprocessorPage(caplena(), { mapVersion: 3, updatedAt: new Date('2026-11-01T00:00:00Z'), notices: [notice], language });

  it('writes the English sentences the notices were always published with', () => {
    expect(stored.changes).toEqual([
      'Vendor New is added as a subprocessor.',
      'Vendor New replaces Vendor Old, Vendor Older as a subprocessor.',
      'Vendor New receives Uploaded text, Email address for Translation.',
      'Vendor New receives no personal data for Status page.',
      'Vendor A now also receives Phone number for Support.',
      'Vendor C now processes data in US (before: IE, FR).',
      'Vendor D now processes data in a location not stated (before: DE).',
    ]);
  });

  it.each(['de', 'fr'] as const)('%s: a notice with facts is written in the page language, not marked English', (language) => {
    const page = pageWith(language, stored);
    expect(page.notices[0].changes).toEqual(FACTS.map((f) => PAGE_MESSAGES[language].change(f)));
    expect(page.notices[0]).not.toHaveProperty('changesLanguage');
    expect(page.notices[0]).not.toHaveProperty('facts');
    const html = renderPageHtml(page);
    expect(html).not.toContain('lang="en"');
    for (const sentence of stored.changes) expect(html).not.toContain(sentence);
    expect(html).toContain(`<li>${PAGE_MESSAGES[language].change(FACTS[0])}</li>`);
    expect(renderAtom(page, { updated: new Date('2026-11-01T00:00:00Z'), baseUrl: 'https://privacy.example.com' })).toContain(
      PAGE_MESSAGES[language].change(FACTS[0]),
    );
  });

  it.each(['de', 'fr'] as const)('%s: a notice stored before facts keeps its English sentences, marked lang="en"', (language) => {
    const page = pageWith(language, { ...stored, facts: null });
    expect(page.notices[0]).toMatchObject({ changes: stored.changes, changesLanguage: 'en' });
    expect(renderPageHtml(page)).toContain('<li lang="en">Vendor New is added as a subprocessor.</li>');
  });

  it('English pages show the stored sentences, without a language mark', () => {
    const page = pageWith('en', stored);
    expect(page.notices[0].changes).toEqual(stored.changes);
    expect(page.notices[0]).not.toHaveProperty('changesLanguage');
    expect(page.notices[0]).not.toHaveProperty('facts');
  });

  it('every language names every vendor, field and purpose of a fact as stated', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((x) => x.trim() === x && x.length > 0);
    const fact: fc.Arbitrary<NoticeFact> = fc.oneof(
      fc.record({ kind: fc.constant('subprocessor-added' as const), vendor: name }),
      fc.record({ kind: fc.constant('subprocessor-replaced' as const), vendor: name, replaces: fc.array(name, { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constantFrom('flow-added' as const, 'fields-added' as const), vendor: name, purpose: name, fields: fc.array(name, { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('location-changed' as const), vendor: name, locations: fc.array(fc.constantFrom('US', 'DE', 'EU'), { maxLength: 3 }), before: fc.array(fc.constantFrom('IE', 'FR'), { maxLength: 2 }) }),
    );
    fc.assert(
      fc.property(fact, fc.constantFrom(...PAGE_LANGUAGES), (f, language) => {
        const sentence = PAGE_MESSAGES[language].change(f);
        const names = [f.vendor, ...('replaces' in f ? f.replaces : []), ...('fields' in f ? [...f.fields, f.purpose] : []), ...('locations' in f ? [...f.locations, ...f.before] : [])];
        for (const n of names) expect(sentence).toContain(n);
        expect(sentence).toMatch(/\.$/);
      }),
    );
  });
});
