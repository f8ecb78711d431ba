import { jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../support/test-app';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { waitForRender } from './support/pages';
import { serveApp, type ServedApp } from './support/served-app';

jest.setTimeout(60_000);

/** The graph page's "Who changed the map" panel: named admin keys, the time, what changed. */
describe('Graph page: who changed the map', () => {
  let app: ServedApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [app, browser] = await Promise.all([serveApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  afterEach(async () => {
    await context.close();
    expect(errors).toEqual([]);
  });

  it('names the admin key that changed the map, with the time and what changed, and passes axe', async () => {
    const created = await app.http().post('/api/v1/admin-keys').set('Authorization', app.admin).send({ name: 'grace.hopper@example.com', role: 'editor' }).expect(201);
    const grace = `Bearer ${created.body.key as string}`;
    const before = Date.now();
    await app.http().patch('/api/v1/subprocessors/google-cloud').set('Authorization', grace).send({ locations: ['DE', 'IE'] }).expect(200);
    const history = (await app.http().get('/api/v1/map/history?limit=1').set('Authorization', app.admin).expect(200)).body as {
      items: { version: number; actor: string; changedAt: string }[];
    };
    expect(history.items[0]).toMatchObject({ actor: 'admin:grace.hopper@example.com' });
    expect(Date.parse(history.items[0].changedAt)).toBeGreaterThanOrEqual(before - 1000);

    // Opened as someone else (the bootstrap token): the page says who did it.
    await page.addInitScript((token) => sessionStorage.setItem('flowgate.admin-token', token), ADMIN_TOKEN);
    await page.goto(`${app.url}/graph`);
    await waitForRender(page, 0);
    await page.getByText('Who changed the map').click();
    const newest = page.locator('table.map-history tbody tr').first();
    await newest.waitFor();
    expect(await newest.getAttribute('data-version')).toBe(String(history.items[0].version));
    const cells = await newest.locator('td').allTextContents();
    expect(cells[1]).toBe('grace.hopper@example.com');
    expect(cells[2]).toBe(`v${history.items[0].version}: Changed subprocessor google-cloud (locations)`);
    const shownTime = await newest.locator('time').getAttribute('datetime');
    expect(shownTime).toBe(history.items[0].changedAt);
    expect(cells[0]).toMatch(/\d{4}, \d{2}:\d{2}$/); // "1 Dec 2026, 12:34"
    // The seeded map's import at start is the oldest row, by another actor.
    const actors = await page.locator('table.map-history td.actor').allTextContents();
    expect(actors.length).toBeGreaterThanOrEqual(2);
    expect(actors.at(-1)).not.toBe('grace.hopper@example.com');
    expect(await page.getByRole('table', { name: 'Changes to the data map, newest first' }).count()).toBe(1);

    expect(serious(await axeViolations(page))).toEqual([]);
  });
});
