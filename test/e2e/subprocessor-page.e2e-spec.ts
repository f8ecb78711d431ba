import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { checkAtom } from '../support/atom';
import { startTestApp, type TestApp } from '../support/test-app';

/** The public subprocessor page, its JSON and Atom feed, served from the map without a token. */
describe('GET /subprocessors (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml', FLOWGATE_PUBLIC_URL: 'https://privacy.example.com' });
  });
  afterAll(() => t.close());

  it('serves the page as HTML to anyone, with its stylesheet and feeds linked', async () => {
    const res = await t.http().get('/subprocessors').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.text).toContain('<h1>Subprocessors of Caplena</h1>');
    expect(res.text).toContain('href="/subprocessors.atom"');
    const css = await t.http().get('/subprocessors.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('@media print');
  });

  it('serves JSON that the published schema accepts', async () => {
    const res = await t.http().get('/subprocessors.json').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync('docs/subprocessors.schema.json', 'utf8')) as object);
    expect(validate(res.body) ? [] : validate.errors).toEqual([]);
    expect(res.body.subprocessors).toHaveLength(13);
  });

  it('serves a valid Atom feed', async () => {
    const res = await t.http().get('/subprocessors.atom').expect(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(checkAtom(res.text).problems).toEqual([]);
    expect(res.text).toContain('<link rel="alternate" type="text/html" href="https://privacy.example.com/subprocessors"/>');
  });

  it('chooses the language by ?lang=, then Accept-Language, then English, and says so', async () => {
    const cases: Array<[string, Record<string, string>, string, string | undefined]> = [
      ['/subprocessors', {}, 'en', 'Accept-Language'],
      ['/subprocessors', { 'Accept-Language': 'fr-CH, de;q=0.8' }, 'fr', 'Accept-Language'],
      ['/subprocessors', { 'Accept-Language': 'es, de;q=0.2' }, 'de', 'Accept-Language'],
      ['/subprocessors?lang=de', { 'Accept-Language': 'fr' }, 'de', undefined],
      ['/subprocessors?lang=en-GB', { 'Accept-Language': 'fr' }, 'en', undefined],
    ];
    const titles = { en: 'Subprocessors of Caplena', de: 'Unterauftragsverarbeiter von Caplena', fr: 'Sous-traitants ultérieurs de Caplena' };
    for (const [path, headers, language, vary] of cases) {
      const res = await t.http().get(path).set(headers).expect(200);
      expect({ path, headers, lang: /<html lang="(\w+)">/.exec(res.text)?.[1], contentLanguage: res.headers['content-language'] }).toEqual({
        path,
        headers,
        lang: language,
        contentLanguage: language,
      });
      expect(res.text).toContain(`<h1>${titles[language as keyof typeof titles]}</h1>`);
      expect(String(res.headers.vary ?? '').includes('Accept-Language')).toBe(vary !== undefined);
    }
  });

  it('keeps the JSON and the feed in English unless ?lang= asks, whatever Accept-Language says', async () => {
    const plain = await t.http().get('/subprocessors.json').set('Accept-Language', 'de').expect(200);
    expect([plain.body.language, plain.headers['content-language']]).toEqual(['en', 'en']);
    expect(String(plain.headers.vary ?? '')).not.toContain('Accept-Language');
    const german = await t.http().get('/subprocessors.json?lang=de').expect(200);
    expect([german.body.language, german.headers['content-language']]).toEqual(['de', 'de']);
    // Keys, codes and what the map states are the same; the words differ.
    const facts = (b: { subprocessors: Array<Record<string, unknown>> }) =>
      b.subprocessors.map((s) => [s.key, s.name, s.legalEntity, s.address, s.region, s.locations, s.dataShared]);
    expect(facts(german.body)).toEqual(facts(plain.body));
    expect(german.body.groups[0].title).toBe('Dienste mit (teilweisem) Zugriff auf personenbezogene Daten');
    const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync('docs/subprocessors.schema.json', 'utf8')) as object);
    expect(validate(german.body) ? [] : validate.errors).toEqual([]);
    const atom = await t.http().get('/subprocessors.atom?lang=fr').expect(200);
    expect(atom.headers['content-language']).toBe('fr');
    expect(atom.text).toContain('<title>Sous-traitants ultérieurs de Caplena : modifications</title>');
    expect(checkAtom(atom.text).problems).toEqual([]);
  });

  it('refuses a language it does not have, naming lang', async () => {
    for (const path of ['/subprocessors?lang=es', '/subprocessors.json?lang=%3Cscript%3E', '/subprocessors.atom?lang=' + 'd'.repeat(50)]) {
      const res = await t.http().get(path).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'lang' }] });
    }
  });

  it('gives each language its own ETag, and 304 per language', async () => {
    const en = await t.http().get('/subprocessors?lang=en').expect(200);
    const de = await t.http().get('/subprocessors?lang=de').expect(200);
    expect(de.headers.etag).not.toBe(en.headers.etag);
    const notModified = await t.http().get('/subprocessors').set('Accept-Language', 'de').set('If-None-Match', de.headers.etag as string).expect(304);
    expect(notModified.headers['content-language']).toBe('de');
    await t.http().get('/subprocessors').set('Accept-Language', 'fr').set('If-None-Match', de.headers.etag as string).expect(200);
  });

  it('answers 304 to a matching ETag, and a new ETag and page after a map change', async () => {
    const first = await t.http().get('/subprocessors').expect(200);
    const etag = first.headers.etag as string;
    await t.http().get('/subprocessors').set('If-None-Match', etag).expect(304);
    await t.http().patch('/api/v1/subprocessors/close').set('Authorization', t.admin).send({ name: 'Close CRM' }).expect(200);
    const after = await t.http().get('/subprocessors').set('If-None-Match', etag).expect(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.text).toContain('Close CRM');
  });
});
