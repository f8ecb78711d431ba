import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { en as elementEn } from '../../client/src/preferences/messages';
import { en as pageEn } from '../../client/src/settings/settings-messages';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { focusOutline, isFocused, tabTo, waitForRender } from './support/pages';
import { serveApp, type ServedApp } from './support/served-app';

jest.setTimeout(60_000);

/** The end user's preference centre, in Debian chromium, against the real app (demo mode). */
describe('Preference centre (/settings)', () => {
  let app: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let puts: string[];

  beforeAll(async () => {
    [app, browser] = await Promise.all([serveApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    errors = watchErrors(page);
    puts = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT') puts.push(new URL(r.url()).pathname);
    });
  });
  afterEach(async () => {
    await context.close();
    expect(errors).toEqual([]);
  });

  const switchFor = (vendor: string, purpose: string): Locator =>
    page.getByRole('switch', { name: `${vendor} for ${purpose}` });
  const logrocket = () => switchFor('LogRocket', 'Session replay');

  async function signIn(userId: string): Promise<void> {
    await page.goto(`${app.url}/settings`);
    await page.getByLabel('User id').fill(userId);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator(`[data-user="${userId}"]`).waitFor();
  }

  async function decision(userId: string, subprocessor: string, purpose: string, fields: string[]) {
    const res = await app
      .http()
      .post('/api/v1/decisions')
      .set('Authorization', app.admin)
      .send({ userId, subprocessor, purpose, fields })
      .expect(200);
    return res.body as { allow: boolean; reason: string | null };
  }

  async function saved(text: string): Promise<void> {
    await page.locator('.toast').filter({ hasText: text }).waitFor();
  }

  it('lists every vendor by purpose with what it gets, does not get, where and why', async () => {
    await signIn('ada@example.com');
    const purposes = await page.locator('section.purpose h3').allTextContents();
    expect(purposes).toContain('Session replay');
    expect(purposes).toContain('Translation');
    const card = page.locator('[data-flow="logrocket.session-replay"]');
    const text = (await card.textContent()) ?? '';
    for (const expected of [
      'LogRocket',
      'Opt-out',
      // No place stated: said as such, not counted as a known third country.
      'Location not stated',
      'Receives',
      'Session recording',
      'Does not get',
      'Email address',
      'location not stated by the company',
      'legal basis: not stated by the company',
    ]) {
      expect(text).toContain(expected);
    }
    expect(await page.locator('[data-flow="deepl.translation"]').textContent()).toContain(
      'EU/EEA: Finland',
    );
    expect(await logrocket().getAttribute('aria-checked')).toBe('true');
    expect(await switchFor('DeepL', 'Translation').getAttribute('aria-checked')).toBe('false');
  });

  it('turns LogRocket off at once, keeps it off after a reload, and the decision API then denies it', async () => {
    const user = 'grace@example.com';
    expect((await decision(user, 'logrocket', 'session-replay', ['usage.page-views'])).allow).toBe(
      true,
    );
    await signIn(user);
    await logrocket().click();
    await saved('Saved: LogRocket (Session replay) is now off.');
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    expect(puts).toEqual(['/api/v1/me/preferences/logrocket.session-replay']);

    await page.reload();
    await page.locator('[data-user]').waitFor();
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    expect(
      await page.locator('[data-flow="logrocket.session-replay"] .flow-state').textContent(),
    ).toBe('Off: you switched it off.');
    expect(await decision(user, 'logrocket', 'session-replay', ['usage.page-views'])).toMatchObject(
      { allow: false, reason: 'opted-out' },
    );
  });

  it('undoes a change', async () => {
    const user = 'alan@example.com';
    await signIn(user);
    await logrocket().click();
    await saved('is now off');
    await page.getByRole('button', { name: 'Undo' }).click();
    await saved('Undone: LogRocket (Session replay) is on again.');
    expect(await logrocket().getAttribute('aria-checked')).toBe('true');
    expect((await decision(user, 'logrocket', 'session-replay', ['usage.page-views'])).allow).toBe(
      true,
    );
  });

  it('shows required flows locked with the reason, and their switch cannot be toggled', async () => {
    await signIn('ada@example.com');
    const required = switchFor('Google Cloud', 'Hosting');
    expect(await required.getAttribute('aria-checked')).toBe('true');
    expect(await required.getAttribute('aria-disabled')).toBe('true');
    expect(await page.locator('[data-flow="google-cloud.hosting"] .flow-state').textContent()).toBe(
      'Always on: the company says it needs this to provide the service, and has not stated its legal basis.',
    );
    // A mouse click (forced: the switch is aria-disabled, which playwright would wait out).
    await required.click({ force: true });
    await required.focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    expect(await required.getAttribute('aria-checked')).toBe('true');
    expect(puts).toEqual([]);
    expect(
      (await decision('ada@example.com', 'google-cloud', 'hosting', ['user.contact.email'])).allow,
    ).toBe(true);
  });

  it('works with the keyboard only: sign in, switch, undo, with a visible focus', async () => {
    await page.goto(`${app.url}/settings`);
    // The user id field has the focus on arrival.
    const userId = page.getByLabel('User id');
    await userId.waitFor();
    expect(await userId.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('kbd@example.com');
    await page.keyboard.press('Enter');
    await page.locator('[data-user="kbd@example.com"]').waitFor();
    await tabTo(page, logrocket(), 120);
    expect((await focusOutline(page)).style).not.toBe('none');
    await page.keyboard.press('Space');
    await saved('is now off');
    // The focus stays on the switch that was changed.
    expect(await isFocused(logrocket())).toBe(true);
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('Enter');
    await saved('is now on');
    expect(await logrocket().getAttribute('aria-checked')).toBe('true');
  });

  it('shows my data flows, my history and my consent receipt', async () => {
    const user = 'linus@example.com';
    await signIn(user);
    await waitForRender(page, 0, '.my-cy');
    await logrocket().click();
    await saved('is now off');
    await waitForRender(page, 1, '.my-cy');
    expect(await page.locator('.my-cy').getAttribute('aria-label')).toMatch(
      /^My data flows: \d+ of \d+ lines of data go to vendors now, \d+ are blocked/,
    );
    await page.locator('#my-data-flows summary').click();
    const rows = await page
      .locator('#my-data-flows tbody tr')
      .filter({ hasText: 'LogRocket' })
      .allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes('Blocked') && r.includes('you switched it off'))).toBe(
      true,
    );

    await page
      .locator('#my-history tbody tr')
      .filter({ hasText: 'LogRocket · Session replay' })
      .waitFor();
    expect(await page.locator('#my-history tbody tr').first().textContent()).toContain(
      'Switched off',
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my consent receipt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`consent-receipt-${user}.json`);
    const receipt = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
      piiPrincipalId: string;
      services: { serviceKey: string; purposes: { choice: string | null }[] }[];
    };
    expect(receipt.piiPrincipalId).toBe(user);
    expect(receipt.services.find((s) => s.serviceKey === 'logrocket')?.purposes[0].choice).toBe(
      'denied',
    );

    const [signed] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download a signed copy' }).click(),
    ]);
    expect(signed.suggestedFilename()).toBe(`consent-receipt-${user}.jwt`);
    const [, claims] = readFileSync((await signed.path())!, 'utf8').split('.');
    const signedReceipt = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as typeof receipt & { sub: string };
    expect(signedReceipt.sub).toBe(user);
    expect(signedReceipt.services).toEqual(receipt.services);
  });

  it('marks a flow that needs consent again after it starts sending more, until the user agrees', async () => {
    const user = 'margaret@example.com';
    await signIn(user);
    await switchFor('DeepL', 'Translation').click();
    await saved('is now on');
    await app
      .http()
      .patch('/api/v1/flows/deepl.translation')
      .set('Authorization', app.admin)
      .send({
        fields: ['content.text-columns', 'translation.settings', 'user.billing.subscription'],
      })
      .expect(200);
    await page.reload();
    const card = page.locator('[data-flow="deepl.translation"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('Changed: needs your consent again');
    expect(await card.textContent()).toContain('DeepL now also receives Subscription.');
    await page.getByRole('button', { name: 'Agree to the new version for DeepL' }).click();
    await saved('is now on');
    expect(await card.textContent()).not.toContain('needs your consent again');
  });

  it('finds LogRocket by search on a 390 × 844 phone and switches it within one screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn('phone@example.com');
    const search = page.getByLabel('Find a vendor or purpose');
    await search.fill('LogRocket');
    await page.getByText('1 of 13 vendors match “LogRocket”.').waitFor();
    const from = (await search.boundingBox())!;
    const to = (await logrocket().boundingBox())!;
    // From the search box to the bottom of the switch: less than one screen.
    expect(to.y + to.height - from.y).toBeLessThan(844);
    const scrolled = await page.evaluate(() => window.scrollY);
    await logrocket().click();
    await saved('is now off');
    expect(Math.abs((await page.evaluate(() => window.scrollY)) - scrolled)).toBeLessThan(844);
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    // Only LogRocket's card is shown, nothing else to scroll past.
    expect(await page.locator('article.flow-card:visible').count()).toBe(1);
  });

  it('jumps to a vendor from the index, with the focus on its switch', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn('index@example.com');
    await page.getByText('All vendors (13)').click();
    await page.getByRole('navigation', { name: 'Vendors, A to Z' }).getByRole('button', { name: 'LogRocket' }).click();
    expect(await isFocused(logrocket())).toBe(true);
    const box = (await logrocket().boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    await page.keyboard.press('Space');
    await saved('is now off');
  });

  it('offers "Turn off all optional" and "Allow all" with equal weight, and both work', async () => {
    const user = 'bulk@example.com';
    await signIn(user);
    const off = page.getByRole('button', { name: 'Turn off all optional' });
    const on = page.getByRole('button', { name: 'Allow all' });
    const look = (l: Locator) =>
      l.evaluate((el) => {
        const c = getComputedStyle(el);
        return [c.fontSize, c.fontWeight, c.backgroundColor, c.color, c.borderTopWidth, c.borderTopColor, c.paddingTop, c.paddingLeft].join(' ');
      });
    expect(await look(off)).toBe(await look(on));
    const [a, b] = [(await off.boundingBox())!, (await on.boundingBox())!];
    expect(Math.round(a.width)).toBe(Math.round(b.width));
    expect(Math.round(a.height)).toBe(Math.round(b.height));
    expect(await isFocused(off)).toBe(false);
    expect(await isFocused(on)).toBe(false);

    await off.click();
    await saved('optional flows are off');
    const optional = page.locator('[role="switch"]:not([aria-disabled="true"])');
    expect(new Set(await optional.evaluateAll((els) => els.map((e) => e.getAttribute('aria-checked'))))).toEqual(new Set(['false']));
    expect(await decision(user, 'logrocket', 'session-replay', ['usage.page-views'])).toMatchObject({ allow: false, reason: 'opted-out' });
    // Required flows are untouched.
    expect((await decision(user, 'google-cloud', 'hosting', ['user.contact.email'])).allow).toBe(true);

    await on.click();
    await saved('optional flows are on');
    expect(new Set(await optional.evaluateAll((els) => els.map((e) => e.getAttribute('aria-checked'))))).toEqual(new Set(['true']));
    expect((await decision(user, 'deepl', 'translation', ['translation.settings'])).allow).toBe(true);
  });

  it('switches a whole purpose at once', async () => {
    const user = 'purpose@example.com';
    await signIn(user);
    const translation = page.getByRole('switch', { name: 'All of Translation' });
    expect(await translation.getAttribute('aria-checked')).toBe('false');
    await translation.click();
    await saved('Saved: Translation is now on for every vendor.');
    expect(await page.getByRole('switch', { name: 'All of Translation' }).getAttribute('aria-checked')).toBe('true');
    expect(await switchFor('DeepL', 'Translation').getAttribute('aria-checked')).toBe('true');
    expect(await switchFor('Google Translate', 'Translation').getAttribute('aria-checked')).toBe('true');
    expect(puts).toEqual(['/api/v1/me/preferences']);
    expect((await decision(user, 'google-translate', 'translation', ['translation.settings'])).allow).toBe(true);
  });

  it.each([
    ['de', 'Benutzer-ID', 'Anmelden', 'LogRocket für Session replay'],
    ['fr', 'Identifiant utilisateur', 'Se connecter', 'LogRocket pour Session replay'],
  ] as const)('speaks %s on the whole page, with no untranslated key and no English left', async (lang, userLabel, signInText, switchName) => {
    // German from the browser's languages; French from ?lang= (what a host framing the page passes).
    const localized = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'de' ? 'de-DE' : 'en-US' });
    const p = await localized.newPage();
    const pageErrors = watchErrors(p);
    await p.goto(`${app.url}/settings${lang === 'fr' ? '?lang=fr' : ''}`);
    await p.getByLabel(userLabel).fill(`speaks-${lang}@example.com`);
    await p.getByRole('button', { name: signInText, exact: true }).click();
    await p.locator('[data-user]').waitFor();
    await waitForRender(p, 0, '.my-cy');
    await p.getByRole('switch', { name: switchName }).click();
    await p.locator('.toast').waitFor();
    await p.locator('#my-history tbody tr').first().waitFor();
    await p.locator('#my-data-flows summary').click();
    const text = await p.evaluate(() => {
      const parts = [document.body.innerText, document.title];
      for (const el of document.querySelectorAll('*')) if (el.shadowRoot) parts.push((el.shadowRoot as unknown as HTMLElement).textContent ?? '');
      for (const el of document.querySelectorAll('[aria-label]')) parts.push(el.getAttribute('aria-label') ?? '');
      return parts.join('\n');
    });
    expect(text).not.toMatch(/⟦[^⟧]+⟧/);
    const english = [...Object.entries(pageEn), ...Object.entries(elementEn)]
      .map(([, v]) => v.split(/\{\w+\}/)[0].trim())
      // Phrases, not single words: the map's own names are English ("Pseudonymous user id").
      .filter((v) => v.length >= 12 && v.includes(' '));
    expect(english.filter((v) => text.includes(v))).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.lang)).toBe(lang);
    expect(pageErrors).toEqual([]);
    await localized.close();
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    await page.goto(`${app.url}/settings`);
    expect(serious(await axeViolations(page))).toEqual([]);
    await page.getByLabel('User id').fill('axe@example.com');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForRender(page, 0, '.my-cy');
    await logrocket().click();
    await saved('is now off');
    expect(serious(await axeViolations(page))).toEqual([]);
  });
});
