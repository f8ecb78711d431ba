import { jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { en } from '../../client/src/preferences/messages';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { startHostApp, type HostApp } from './support/host-app';
import { serveApp, type ServedApp } from './support/served-app';

jest.setTimeout(60_000);

const SECRET = 'host-app-shared-secret-0123456789abcdef';

/**
 * <flowgate-preferences> on a host application's own page, on a second loopback origin,
 * with a token the host's server minted; and the origin rules around it.
 */
describe('<flowgate-preferences> embedded in a host application', () => {
  let flowgate: ServedApp;
  let host: HostApp;
  let stranger: HostApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    let flowgateUrl = '';
    [host, stranger, browser] = await Promise.all([
      startHostApp({ flowgateUrl: () => flowgateUrl, secret: SECRET }),
      startHostApp({ flowgateUrl: () => flowgateUrl, secret: SECRET }),
      launchChromium(),
    ]);
    flowgate = await serveApp({ FLOWGATE_ALLOWED_ORIGINS: host.url, FLOWGATE_USER_TOKEN_SECRET: SECRET });
    flowgateUrl = flowgate.url;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([flowgate?.close(), host?.close(), stranger?.close()]);
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  afterEach(async () => {
    await context.close();
  });

  async function decision(userId: string) {
    const res = await flowgate
      .http()
      .post('/api/v1/decisions')
      .set('Authorization', flowgate.admin)
      .send({ userId, subprocessor: 'logrocket', purpose: 'session-replay', fields: ['usage.page-views'] })
      .expect(200);
    return res.body as { allow: boolean; reason: string | null };
  }

  const logrocket = () => page.getByRole('switch', { name: 'LogRocket for Session replay' });
  const ready = () => page.waitForFunction(() => (window as unknown as { flowgateEvents: { type: string }[] }).flowgateEvents.some((e) => e.type === 'flowgate-ready'));
  const events = () => page.evaluate(() => (window as unknown as { flowgateEvents: { type: string; detail: unknown }[] }).flowgateEvents);

  it('lets the user switch LogRocket off on the host page; Flowgate then denies it, and a reload keeps it off', async () => {
    const user = 'embed-grace@example.com';
    expect((await decision(user)).allow).toBe(true);
    await page.goto(`${host.url}/account?user=${encodeURIComponent(user)}`);
    await ready();
    expect(host.minted()).toBe(1);
    // The host's theme reaches into the shadow root through a custom property and ::part.
    const accent = await page.locator('flowgate-preferences').evaluate((el) => {
      const link = el.shadowRoot!.querySelector<HTMLElement>('.index-list .button.link, .button.link');
      return getComputedStyle(el.shadowRoot!.querySelector('.fg')!).getPropertyValue('--accent').trim() || link?.style.color;
    });
    expect(accent).toBe('#7c2d12');
    expect(await page.locator('[data-flow="logrocket.session-replay"]').evaluate((el) => getComputedStyle(el).borderTopColor)).toBe('rgb(168, 162, 158)');

    await page.getByLabel('Find a vendor or purpose').fill('logrocket');
    await logrocket().click();
    await page.locator('.toast').filter({ hasText: 'Saved: LogRocket (Session replay) is now off.' }).waitFor();
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    const change = (await events()).find((e) => e.type === 'flowgate-change');
    expect(change?.detail).toMatchObject({ changes: [{ flowKey: 'logrocket.session-replay', subprocessor: 'logrocket', purpose: 'session-replay', granted: false }] });
    expect(await decision(user)).toMatchObject({ allow: false, reason: 'opted-out' });

    await page.reload();
    await ready();
    expect(await logrocket().getAttribute('aria-checked')).toBe('false');
    expect(await page.locator('[data-flow="logrocket.session-replay"] .flow-state').textContent()).toBe('Off: you switched it off.');
    expect(serious(await axeViolations(page))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('serves the embed as one module, with a content-hashed copy cached for good and its SRI hash', async () => {
    const latest = await flowgate.http().get('/embed/preferences.js').set('Origin', host.url).expect(200);
    expect(latest.headers['content-type']).toMatch(/javascript/);
    expect(latest.headers['cache-control']).toBe('no-cache');
    expect(latest.headers['access-control-allow-origin']).toBe(host.url);
    const index = (await flowgate.http().get('/embed/embed.json').expect(200)).body as { script: string; integrity: string };
    expect(index.script).toMatch(/^\/embed\/preferences\.[0-9a-f]{12}\.js$/);
    const pinned = await flowgate.http().get(index.script).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pinned.status).toBe(200);
    expect(pinned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const body = pinned.body as Buffer;
    expect(body.toString('utf8')).toBe(latest.text);
    const { createHash } = await import('node:crypto');
    expect(index.integrity).toBe(`sha384-${createHash('sha384').update(body).digest('base64')}`);
    // Not for other origins.
    const other = await flowgate.http().get('/embed/preferences.js').set('Origin', stranger.url).expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('asks the host for a new token when Flowgate refuses the one it has', async () => {
    await page.goto(`${host.url}/account?user=refresh@example.com`);
    await ready();
    const before = host.minted();
    await page.locator('flowgate-preferences').evaluate((el) => {
      (el as unknown as { token: string }).token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad';
    });
    await page.waitForFunction(() => (window as unknown as { flowgateEvents: { type: string }[] }).flowgateEvents.filter((e) => e.type === 'flowgate-ready').length >= 2);
    expect(host.minted()).toBe(before + 1);
    expect(await logrocket().getAttribute('aria-checked')).toBe('true');
  });

  it('gives a host that is not listed no data: the script and the API are refused by the browser', async () => {
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    await page.goto(`${stranger.url}/account`);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => customElements.get('flowgate-preferences') === undefined)).toBe(true);
    const outcome = await page.evaluate(async (base) => {
      const token = await (await fetch('/token')).text();
      try {
        const res = await fetch(`${base}/api/v1/me/preferences`, { headers: { Authorization: `Bearer ${token}` } });
        return `read ${res.status}`;
      } catch (error) {
        return `refused: ${(error as Error).name}`;
      }
    }, flowgate.url);
    expect(outcome).toBe('refused: TypeError');
    expect(refused.some((text) => /CORS/.test(text))).toBe(true);
  });

  it('refuses to be framed by a host that is not listed, and works in the listed host’s iframe', async () => {
    await page.goto(`${stranger.url}/framed?user=frame@example.com`);
    const strangerFrame = page.frames().find((f) => f !== page.mainFrame());
    await page.waitForTimeout(300);
    expect(await strangerFrame?.locator('[data-user]').count().catch(() => 0)).toBe(0);
    expect(await strangerFrame?.evaluate(() => document.body?.textContent ?? '').catch(() => 'unreadable')).not.toContain('Your privacy choices');

    await page.goto(`${host.url}/framed?user=frame@example.com`);
    const frame = page.frameLocator('iframe');
    await frame.locator('[data-user="frame@example.com"]').waitFor();
    await frame.getByRole('switch', { name: 'LogRocket for Session replay' }).waitFor();
  });

  it.each(['de', 'fr'] as const)('speaks %s completely: no untranslated key, no English left', async (lang) => {
    // The map's own text in German only: French falls back to the default (English) text.
    await flowgate
      .http()
      .patch('/api/v1/flows/logrocket.session-replay')
      .set('Authorization', flowgate.admin)
      .send({ descriptions: { de: 'Detaillierte Nutzung der App, um Fehler zu finden.' } })
      .expect(200);
    await page.goto(`${host.url}/account?user=lang-${lang}@example.com&lang=${lang}`);
    await ready();
    // Show everything the element can say: a change (the toast) and a search with no result.
    await page.locator('[data-flow="logrocket.session-replay"] [role="switch"]').click();
    await page.locator('.toast').waitFor();
    const text = await page.locator('flowgate-preferences').evaluate((el) => el.shadowRoot!.textContent ?? '');
    expect(text).not.toMatch(/⟦[^⟧]+⟧/);
    // Every English sentence of the catalog long enough to be unmistakable (vendor and field names stay as they are).
    const english = Object.values(en)
      .map((s) => s.split(/\{\w+\}/)[0].trim())
      .filter((s) => s.length >= 12);
    expect(english.filter((s) => text.includes(s))).toEqual([]);
    const html = await page.locator('flowgate-preferences').evaluate((el) => el.shadowRoot!.querySelector('.fg')!.getAttribute('lang'));
    expect(html).toBe(lang);
    // Dates in the user's language: the choice just made, "1 décembre 2026" / "1. Dezember 2026".
    const when = await page.locator('[data-flow="logrocket.session-replay"] .flow-when').textContent();
    const month = new Intl.DateTimeFormat(lang, { month: 'long' }).format(new Date());
    expect(when).toContain(month);
    const why = await page.locator('[data-flow="logrocket.session-replay"] .facts').textContent();
    if (lang === 'de') expect(why).toContain('Detaillierte Nutzung der App, um Fehler zu finden.');
    else expect(why).toContain('Detailed app usage.');
    expect(errors).toEqual([]);
  });

  it('takes the language from the browser when there is no lang attribute', async () => {
    const german = await browser.newContext({ locale: 'de-DE' });
    const p = await german.newPage();
    await p.goto(`${host.url}/account?user=browser-de@example.com`);
    await p.waitForFunction(() => (window as unknown as { flowgateEvents: { type: string }[] }).flowgateEvents.some((e) => e.type === 'flowgate-ready'));
    expect(await p.getByRole('button', { name: 'Alle optionalen ausschalten' }).count()).toBe(1);
    await german.close();
  });
});
