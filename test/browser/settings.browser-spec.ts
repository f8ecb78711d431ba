import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { focusOutline, tabTo, waitForRender } from './support/pages';
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
      'Outside the EU/EEA',
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
    expect(await logrocket().evaluate((el) => el === document.activeElement)).toBe(true);
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
