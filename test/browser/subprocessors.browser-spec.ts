import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { serveApp, type ServedApp } from './support/served-app';

jest.setTimeout(60_000);

/** The public subprocessor page, in Debian chromium: accessible, styled under the strict CSP, printable. */
describe('Public subprocessor page (/subprocessors)', () => {
  let app: ServedApp;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [app, browser] = await Promise.all([serveApp({ FLOWGATE_NOTICE_WINDOW_DAYS: '30' }), launchChromium()]);
    // A change, so the page also shows a notice.
    await app.http().post('/api/v1/subprocessors').set('Authorization', app.admin)
      .send({ key: 'vendor-new', name: 'Vendor New', url: 'https://vendor-new.example', locations: ['worldwide'], category: 'ai' }).expect(201);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = watchErrors(page);
  });
  afterEach(async () => {
    await page.close();
    expect(errors).toEqual([]);
  });

  const LANGUAGES = [
    {
      lang: 'en',
      h1: 'Subprocessors of Caplena',
      h2: ['Changes to this list', 'Services with (partial) access to personal data', 'Services without access to personal data'],
      print: 'Has access to',
      notice: 'Vendor New is added as a subprocessor.',
    },
    {
      lang: 'de',
      h1: 'Unterauftragsverarbeiter von Caplena',
      h2: ['Änderungen dieser Liste', 'Dienste mit (teilweisem) Zugriff auf personenbezogene Daten', 'Dienste ohne Zugriff auf personenbezogene Daten'],
      print: 'Hat Zugriff auf',
      notice: 'Vendor New kommt als Unterauftragsverarbeiter hinzu.',
    },
    {
      lang: 'fr',
      h1: 'Sous-traitants ultérieurs de Caplena',
      h2: ['Modifications de cette liste', 'Services ayant un accès (partiel) aux données personnelles', 'Services sans accès aux données personnelles'],
      print: 'A accès à',
      notice: 'Vendor New est ajouté comme sous-traitant ultérieur.',
    },
  ];

  it.each(LANGUAGES)('$lang: no serious accessibility violation, one h1 and a landmark per group', async ({ lang, h1, h2, notice }) => {
    // English from the browser's language, the others by ?lang=.
    await page.goto(`${app.url}/subprocessors${lang === 'en' ? '' : `?lang=${lang}`}`);
    await page.getByRole('heading', { level: 1, name: h1 }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    expect(serious(await axeViolations(page))).toEqual([]);
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(h2);
    expect(await page.locator('article.subprocessor').count()).toBe(14);
    // The notice's sentence in the page's language, not marked as another one.
    expect(await page.locator('article.notice').textContent()).toContain(notice);
    expect(await page.locator('article.notice [lang]').count()).toBe(0);
    // The stylesheet loads under the strict Content-Security-Policy.
    const border = await page.locator('article.subprocessor').first().evaluate((el) => getComputedStyle(el).borderTopStyle);
    expect(border).toBe('solid');
  });

  it('follows the browser language (Accept-Language) without ?lang=', async () => {
    const german = await browser.newPage({ locale: 'de-DE' });
    try {
      await german.goto(`${app.url}/subprocessors`);
      expect(await german.locator('html').getAttribute('lang')).toBe('de');
      await german.getByRole('heading', { level: 1, name: 'Unterauftragsverarbeiter von Caplena' }).waitFor();
    } finally {
      await german.close();
    }
  });

  it.each(LANGUAGES)('$lang: prints without the navigation, spelling out where links go', async ({ lang, print }) => {
    await page.goto(`${app.url}/subprocessors?lang=${lang}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').evaluate((el) => getComputedStyle(el).display)).toBe('none');
    const after = await page.locator('#sp-deepl h3 a').evaluate((el) => getComputedStyle(el, '::after').content);
    expect(after).toContain('https://www.deepl.com');
    expect(await page.locator('#sp-deepl dt').allTextContents()).toContain(print);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
  });
});
