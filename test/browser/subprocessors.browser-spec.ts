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

  it('has no serious accessibility violation, with one h1 and a landmark per group', async () => {
    await page.goto(`${app.url}/subprocessors`);
    await page.getByRole('heading', { level: 1, name: 'Subprocessors of Caplena' }).waitFor();
    expect(serious(await axeViolations(page))).toEqual([]);
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      'Changes to this list',
      'Services with (partial) access to personal data',
      'Services without access to personal data',
    ]);
    expect(await page.locator('article.subprocessor').count()).toBe(14);
    expect(await page.locator('article.notice').textContent()).toContain('Vendor New is added as a subprocessor.');
    // The stylesheet loads under the strict Content-Security-Policy.
    const border = await page.locator('article.subprocessor').first().evaluate((el) => getComputedStyle(el).borderTopStyle);
    expect(border).toBe('solid');
  });

  it('prints without the navigation, spelling out where links go', async () => {
    await page.goto(`${app.url}/subprocessors`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').evaluate((el) => getComputedStyle(el).display)).toBe('none');
    const after = await page.locator('#sp-deepl h3 a').evaluate((el) => getComputedStyle(el, '::after').content);
    expect(after).toContain('https://www.deepl.com');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
  });
});
