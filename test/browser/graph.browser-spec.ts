import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GraphResponse } from '@flowgate/core';
import { syntheticWorld } from '../../bench/synthetic-map';
import { manifestOfPolicyMap } from '../factories/synthetic-manifest.factory';
import { ADMIN_TOKEN } from '../support/test-app';
import { axeViolations, serious } from './support/axe';
import { launchChromium, watchErrors } from './support/browser';
import { focusOutline, renders, tabTo, waitForRender } from './support/pages';
import { serveApp, type ServedApp } from './support/served-app';

jest.setTimeout(60_000);

/** The privacy team's page, in Debian chromium, against the real app with the Caplena map. */
describe('Graph page (/graph)', () => {
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
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  afterEach(async () => {
    await context.close();
    expect(errors).toEqual([]);
  });

  const api = async <T>(path: string): Promise<T> =>
    (await app.http().get(path).set('Authorization', app.admin).expect(200)).body as T;
  const graphData = () =>
    page.locator('#cy').evaluate((el) => ({ ...(el as HTMLElement).dataset }));

  /** Opens /graph with the admin token already in the tab's session. */
  async function openGraph(query = ''): Promise<void> {
    await page.addInitScript(
      (token) => sessionStorage.setItem('flowgate.admin-token', token),
      ADMIN_TOKEN,
    );
    await page.goto(`${app.url}/graph${query}`);
    await waitForRender(page, 0);
  }

  async function tableRows(): Promise<string[][]> {
    const list = page.locator('details.flow-list');
    if ((await list.getAttribute('open')) === null) await list.locator('summary').click();
    return list
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
      );
  }

  it('asks for the admin token once, refuses a wrong one, and keeps it for the tab session', async () => {
    await page.goto(`${app.url}/graph`);
    await page.getByLabel('Admin token').fill('not-the-admin-token-at-all');
    await page.getByRole('button', { name: 'Open the graph' }).click();
    await expectText(page.getByRole('alert'), 'That admin token was not accepted');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Open the graph' }).click();
    await waitForRender(page, 0);
    await page.reload();
    await waitForRender(page, 0);
    expect(await page.getByLabel('Admin token').count()).toBe(0);
  });

  it('renders the Caplena map with the node and edge counts of the API', async () => {
    await openGraph();
    const api_ = await api<GraphResponse>('/api/v1/graph');
    const flows = await api<{ total: number; items: { fields: string[] }[] }>(
      '/api/v1/flows?limit=1000',
    );
    const drawn = await graphData();
    expect(Number(drawn.nodes)).toBe(api_.nodes.length);
    expect(Number(drawn.edges)).toBe(api_.edges.length);
    expect(Number(drawn.edges)).toBe(flows.items.reduce((n, f) => n + f.fields.length, 0));
    // Segment's onward transfer to Customer.io, drawn between the two subprocessors.
    expect(drawn.transfers).toBe('1');
    expect(drawn.layout).toBe('dagre');
    expect(await page.locator('.summary').textContent()).toBe(
      `${api_.edges.length} lines of data from 25 fields to 13 subprocessors, 8 of them outside the EU/EEA (1 in a stated third country, 7 with no location stated).`,
    );
    expect(await tableRows()).toHaveLength(api_.edges.length);
  });

  it('shows exactly the flows of a field after "Where does email address go?"', async () => {
    await openGraph();
    const before = await renders(page);
    await page.getByRole('button', { name: 'Where does email address go?' }).click();
    await waitForRender(page, before);
    expect(new URL(page.url()).searchParams.get('field')).toBe('user.contact.email');
    const senders = await api<{ items: { key: string; subprocessor: string }[] }>(
      '/api/v1/flows?field=user.contact.email&limit=1000',
    );
    expect(Number((await graphData()).edges)).toBe(senders.items.length);
    const shown = await api<GraphResponse>('/api/v1/graph?field=user.contact.email');
    const buckets = shown.nodes.filter((n) => n.kind === 'region').length;
    expect(buckets).toBe(3);
    expect(Number((await graphData()).nodes)).toBe(
      1 + new Set(senders.items.map((f) => f.subprocessor)).size + buckets,
    );
    const rows = await tableRows();
    expect(rows.map((r) => r[0])).toEqual(senders.items.map(() => 'Email address Personal'));
    const vendors = await api<{ items: { key: string; name: string }[] }>(
      '/api/v1/subprocessors?limit=1000',
    );
    const names = new Map(vendors.items.map((s) => [s.key, s.name]));
    expect(rows.map((r) => r[1]).sort()).toEqual(
      senders.items.map((f) => names.get(f.subprocessor)).sort(),
    );
    expect(
      await page
        .getByRole('button', { name: 'Where does email address go?' })
        .getAttribute('aria-pressed'),
    ).toBe('true');
  });

  it('answers "everything leaving the EU" and "all opt-in flows" in one click each', async () => {
    await openGraph();
    let before = await renders(page);
    await page.getByRole('button', { name: 'Everything leaving the EU/EEA' }).click();
    await waitForRender(page, before);
    const outside = await api<GraphResponse>('/api/v1/graph?region=third-country');
    expect(Number((await graphData()).edges)).toBe(outside.edges.length);
    const where = (await tableRows()).map((r) => r[2]);
    expect(where.every((w) => w.startsWith('Third country (stated)') || w === 'Location not stated')).toBe(true);
    expect(where).toContain('Third country (stated): US');
    expect(where).toContain('Location not stated');

    before = await renders(page);
    await page.getByRole('button', { name: 'All opt-in flows' }).click();
    await waitForRender(page, before);
    const optIn = await api<GraphResponse>('/api/v1/graph?mode=opt-in');
    expect(Number((await graphData()).edges)).toBe(optIn.edges.length);
    expect((await tableRows()).every((r) => r[4] === 'Opt-in')).toBe(true);
  });

  it('filters by text search and shows excluded fields on demand', async () => {
    await openGraph('?subprocessor=stripe');
    const stripe = await api<GraphResponse>('/api/v1/graph?subprocessor=stripe&excluded=true');
    let before = await renders(page);
    await page.getByLabel('Show what vendors explicitly do not get').check();
    await waitForRender(page, before);
    expect(Number((await graphData()).edges)).toBe(stripe.edges.length);
    expect((await tableRows()).filter((r) => r[1].startsWith('not sent to'))).toHaveLength(
      stripe.edges.filter((e) => e.kind === 'excluded').length,
    );

    await page.goto(`${app.url}/graph`);
    await waitForRender(page, 0);
    before = await renders(page);
    await page.getByLabel('Search').fill('logrocket');
    await waitForRender(page, before);
    const rows = await tableRows();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[1] === 'LogRocket')).toBe(true);
  });

  it('opens a side panel with purpose, legal basis, locations, fields and flow version', async () => {
    await openGraph('?field=user.contact.email');
    await tableRows();
    await page.getByRole('button', { name: 'Details of Email address to Intercom' }).click();
    const panel = page.locator('.details');
    await expectText(panel.locator('h3'), 'Email address → Intercom');
    const text = (await panel.textContent()) ?? '';
    for (const expected of [
      'Customer support',
      'Required',
      'Not stated by the company',
      'Third country (stated): US',
      'Messages with the team',
      'Does not get',
      'Uploaded text columns',
      'Flow version',
      'Last change',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('shows each line allowed or blocked for one user, and changes after that user opts out', async () => {
    const user = 'grace@example.com';
    await openGraph('?subprocessor=logrocket');
    let before = await renders(page);
    await page.getByRole('textbox', { name: 'User id' }).fill(user);
    await page.getByRole('button', { name: 'Show for this user' }).click();
    await waitForRender(page, before);
    let rows = await tableRows();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[5] === 'Allowed')).toBe(true);

    await app
      .http()
      .put(`/api/v1/users/${encodeURIComponent(user)}/preferences`)
      .set('Authorization', app.admin)
      .send({ changes: [{ flowKey: 'logrocket.session-replay', granted: false }] })
      .expect(200);
    before = await renders(page);
    await page.getByRole('button', { name: 'Show for this user' }).click();
    await waitForRender(page, before);
    rows = await tableRows();
    expect(rows.every((r) => r[5] === 'Blocked the user opted out')).toBe(true);
    await expectText(
      page.locator('.user-form [role="status"]'),
      `Showing ${user}’s consents now: 0 of ${rows.length} lines allowed`,
    );
  });

  it('exports the current view as PNG and the map as YAML', async () => {
    await openGraph();
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'This view as PNG' }).click(),
    ]);
    expect(png.suggestedFilename()).toBe('flowgate-graph-v1.png');
    const pngBytes = readFileSync((await png.path())!);
    expect(pngBytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(pngBytes.length).toBeGreaterThan(20_000);

    const [yaml] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'The map as YAML' }).click(),
    ]);
    expect(yaml.suggestedFilename()).toBe('flowgate-map-v1.yaml');
    const text = readFileSync((await yaml.path())!, 'utf8');
    expect(text).toContain('organization:\n  name: Caplena');
    expect(text).toContain('subprocessor: logrocket');
  });

  it('works with the keyboard only, with a visible focus', async () => {
    await openGraph();
    const question = page.getByRole('button', { name: 'Where does email address go?' });
    await tabTo(page, question);
    expect((await focusOutline(page)).style).not.toBe('none');
    expect((await focusOutline(page)).width).toBeGreaterThanOrEqual(2);
    const before = await renders(page);
    await page.keyboard.press('Enter');
    await waitForRender(page, before);
    expect(new URL(page.url()).searchParams.get('field')).toBe('user.contact.email');

    await tabTo(page, page.getByLabel('What does this subprocessor get?'));
    // Typing on a focused select picks the option by its name, as a keyboard user does.
    await page.keyboard.type('Intercom');
    await page.waitForURL(/subprocessor=intercom/);
    const both = await api<GraphResponse>(
      '/api/v1/graph?field=user.contact.email&subprocessor=intercom',
    );
    expect(both.edges).toHaveLength(1);
    await page.waitForFunction(
      (n) => document.querySelector<HTMLElement>('#cy')?.dataset.edges === String(n),
      both.edges.length,
    );

    await tabTo(page, page.locator('details.flow-list summary'));
    await page.keyboard.press('Enter');
    await tabTo(page, page.getByRole('button', { name: 'Details of Email address to Intercom' }));
    await page.keyboard.press('Enter');
    await expectText(page.locator('.details h3'), 'Email address → Intercom');
  });

  it('draws blocked-call counts and drift from the audit API when guards have reported', async () => {
    await openGraph('?subprocessor=logrocket');
    // The audit reports load after the graph: wait for them before reading the status.
    await expectText(page.locator('.audit-status'), 'reported in the last 30 days');
    expect(await page.locator('.audit-status').textContent()).toBe(
      'No blocked calls and no drift reported in the last 30 days.',
    );
    const token = (
      await app
        .http()
        .post('/api/v1/service-tokens')
        .set('Authorization', app.admin)
        .send({ name: 'checkout' })
        .expect(201)
    ).body.token as string;
    const at = new Date().toISOString();
    const event = { mode: 'enforce', policyVersion: 1, firstAt: at, lastAt: at };
    await app
      .http()
      .post('/api/v1/audit/events')
      .set('Authorization', `Bearer ${token}`)
      .send({
        service: 'checkout',
        events: [
          {
            ...event,
            kind: 'blocked',
            subprocessor: 'logrocket',
            purpose: 'session-replay',
            field: 'usage.page-views',
            reason: 'opted-out',
            count: 7,
          },
          {
            ...event,
            kind: 'drift',
            subprocessor: 'logrocket',
            purpose: 'session-replay',
            field: 'user.phone',
            reason: 'key-name',
            count: 3,
          },
        ],
      })
      .expect(202);
    await page.reload();
    await page.locator('.audit-status [data-audit="ready"]').waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector<HTMLElement>('#cy')?.dataset.renders) >= 1,
    );
    const declared = await api<GraphResponse>('/api/v1/graph?subprocessor=logrocket');
    // One more line (the drift) and one more node (its undeclared source).
    await page.waitForFunction(
      (n) => document.querySelector<HTMLElement>('#cy')?.dataset.edges === String(n),
      declared.edges.length + 1,
    );
    expect(Number((await graphData()).nodes)).toBe(declared.nodes.length + 1);
    const rows = await tableRows();
    expect(rows.find((r) => r[0].startsWith('Pages visited in the app'))?.[5]).toBe('7');
    expect(await page.locator('.audit-status').textContent()).toContain('7 blocked calls');
  });

  it('shows a huge map first without its lines, draws them all on request, and lays out a filtered view', async () => {
    const big = await serveApp({ FLOWGATE_SEED_MANIFEST: '' });
    try {
      const world = syntheticWorld({
        subprocessors: 80,
        fields: 60,
        flows: 800,
        purposes: 12,
        users: 0,
      });
      await big
        .http()
        .post('/api/v1/manifest')
        .set('Authorization', big.admin)
        .send(manifestOfPolicyMap(world.map))
        .expect(201);
      const whole = (
        await big.http().get('/api/v1/graph').set('Authorization', big.admin).expect(200)
      ).body as GraphResponse;
      expect(whole.edges.length).toBeGreaterThan(5000);
      const lines = whole.edges.length.toLocaleString('en-US');
      await page.addInitScript(
        (token) => sessionStorage.setItem('flowgate.admin-token', token),
        ADMIN_TOKEN,
      );
      await page.goto(`${big.url}/graph`);
      await waitForRender(page, 0);
      // First look: every node, no lines, in columns, and a way to draw them.
      let drawn = await graphData();
      expect(drawn.layout).toBe('columns');
      expect(Number(drawn.nodes)).toBe(whole.nodes.length);
      expect(Number(drawn.edges)).toBe(0);
      await expectText(
        page.locator('.canvas-area .notice'),
        `This map has ${lines} lines, too many to read at once`,
      );

      let before = await renders(page);
      await page.getByRole('button', { name: `draw all ${lines} lines` }).click();
      await waitForRender(page, before);
      drawn = await graphData();
      expect(drawn.layout).toBe('columns');
      expect(Number(drawn.nodes)).toBe(whole.nodes.length);
      expect(Number(drawn.edges)).toBe(whole.edges.length);
      await expectText(
        page.locator('.canvas-area .notice'),
        `A big graph: ${lines} lines, drawn plainly in columns`,
      );

      before = await renders(page);
      await page
        .getByLabel('Where does this field go?')
        .selectOption(whole.nodes.find((n) => n.kind === 'field')!.id.slice('field:'.length));
      await waitForRender(page, before);
      // Readable again: dagre, or columns by purpose when the selection is still dense.
      drawn = await graphData();
      expect(drawn.layout).toBe(Number(drawn.nodes) > 63 ? 'purposes' : 'dagre');
      expect(await page.locator('.canvas-area .notice').count()).toBe(0);
    } finally {
      await big.close();
    }
  });

  it('keeps every label at 11 px or more when the Caplena map is fitted at 1440 × 900, growing the canvas', async () => {
    await openGraph();
    const drawn = await graphData();
    expect(Number(drawn.minLabelPx)).toBeGreaterThanOrEqual(11);
    // Measured independently of the page's own figure: each label's font size on the canvas.
    const measured = await page.locator('#cy').evaluate((el) => {
      const zoom = Number((el as HTMLElement).dataset.zoom);
      const canvas = el.querySelector('canvas')!;
      return { zoom, canvasWidth: canvas.getBoundingClientRect().width, scrollerWidth: el.parentElement!.clientWidth };
    });
    expect(measured.zoom * 12).toBeGreaterThanOrEqual(11);
    // The graph did not fit at that size: the canvas grew and the scroller scrolls.
    const scroller = await page.locator('.cy-scroll').evaluate((el) => ({ sw: el.scrollWidth, sh: el.scrollHeight, cw: el.clientWidth, ch: el.clientHeight }));
    expect(scroller.sh > scroller.ch || scroller.sw > scroller.cw).toBe(true);
    // "Fit" keeps it so.
    await page.getByRole('button', { name: 'Zoom out' }).click();
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    expect(Number((await graphData()).minLabelPx)).toBeGreaterThanOrEqual(11);
  });

  it('puts each vendor in the right region bucket: EU/EEA, third country (stated), location not stated', async () => {
    await openGraph('?region=third-country');
    const api_ = await api<GraphResponse>('/api/v1/graph');
    const bucket = (b: string) =>
      api_.nodes
        .filter((n) => n.kind === 'subprocessor' && n.parent === `region:${b}`)
        .map((n) => (n as { key: string }).key)
        .sort();
    expect(bucket('eea')).toEqual(['customer-io', 'datadog', 'deepl', 'google-cloud', 'segment']);
    expect(bucket('third-country')).toEqual(['intercom']);
    expect(bucket('not-stated')).toEqual(['close', 'google-analytics', 'google-translate', 'linkedin', 'logrocket', 'stripe', 'userpilot']);
    // "Everything leaving the EU/EEA" says both answers apart, in the summary and in the boxes.
    expect(await page.locator('.summary').textContent()).toContain('8 of them outside the EU/EEA (1 in a stated third country, 7 with no location stated)');
    const legend = (await page.locator('.legend').textContent()) ?? '';
    expect(legend).toContain('location not stated');
  });

  it('exports the flows shown as CSV', async () => {
    await openGraph('?field=user.contact.email');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'The flows shown as CSV' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^flowgate-flows-v\d+\.csv$/);
    const [head, ...rows] = readFileSync((await file.path())!, 'utf8').trimEnd().split('\r\n');
    expect(head.split(',').slice(0, 7)).toEqual(['field', 'field_name', 'sensitivity', 'line', 'subprocessor', 'subprocessor_name', 'where']);
    const shown = await api<GraphResponse>('/api/v1/graph?field=user.contact.email');
    expect(rows).toHaveLength(shown.edges.length);
    expect(rows.every((r) => r.startsWith('user.contact.email,Email address,personal,sent,'))).toBe(true);
    expect(rows.some((r) => r.includes(',intercom,Intercom,Third country (stated),US,'))).toBe(true);
  });

  it('draws a dense map in columns by purpose on request, with bundled lines', async () => {
    await openGraph();
    const before = await renders(page);
    await page.getByLabel('Layout').selectOption('purposes');
    await waitForRender(page, before);
    const drawn = await graphData();
    expect(drawn.layout).toBe('purposes');
    const api_ = await api<GraphResponse>('/api/v1/graph');
    const purposes = new Set(Object.values(api_.flows).map((f) => f.purpose)).size;
    // Every node plus one per purpose; one line per (field, purpose) and one per flow.
    expect(Number(drawn.nodes)).toBe(api_.nodes.length + purposes);
    const bundles = new Set(api_.edges.map((e) => `${e.source}|${api_.flows[e.flow].purpose}`)).size + Object.keys(api_.flows).length;
    expect(Number(drawn.edges)).toBe(bundles);
    expect(Number(drawn.minLabelPx)).toBeGreaterThanOrEqual(11);
  });

  it('shows the list of flows first on a 390 × 844 phone, with the toolbar in reach', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openGraph();
    const list = page.locator('details.flow-list');
    expect(await list.getAttribute('open')).not.toBeNull();
    const listTop = (await list.boundingBox())!.y;
    const canvasTop = (await page.locator('.cy-scroll').boundingBox())!.y;
    const filtersTop = (await page.locator('aside.filters').boundingBox())!.y;
    expect(listTop).toBeLessThan(canvasTop);
    expect(listTop).toBeLessThan(filtersTop);
    expect(listTop).toBeLessThan(844);
    const fit = (await page.getByRole('button', { name: 'Fit', exact: true }).boundingBox())!;
    expect(fit.x + fit.width).toBeLessThanOrEqual(390);
    expect(await list.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(serious(await axeViolations(page))).toEqual([]);
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    await page.goto(`${app.url}/graph`);
    expect(serious(await axeViolations(page))).toEqual([]);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Open the graph' }).click();
    await waitForRender(page, 0);
    await page.getByRole('textbox', { name: 'User id' }).fill('ada@example.com');
    const before = await renders(page);
    await page.getByRole('button', { name: 'Show for this user' }).click();
    await waitForRender(page, before);
    await tableRows();
    await page.getByRole('button', { name: /^Details of Name to Google Cloud/ }).click();
    await expectText(page.locator('.details h3'), 'Name → Google Cloud');
    expect(serious(await axeViolations(page))).toEqual([]);
  });

  it('shows the impact of a changed manifest without importing it', async () => {
    await openGraph();
    await tableRows();
    const changed = readFileSync('examples/caplena.yaml', 'utf8').replace(
      /(subprocessor: logrocket\n\s+purpose: session-replay\n\s+mode: )opt-out\n(\s+)legalBasis: not-stated/,
      '$1opt-in\n$2legalBasis: consent',
    );
    expect(changed).toContain('mode: opt-in');
    // A guard created with reportCalls reported its calls: 5 by users without a choice (sent
    // under opt-out, blocked under opt-in) and 2 by users who said no (blocked under both).
    const now = new Date().toISOString();
    const call = (reason: string, count: number) => ({
      kind: 'call', subprocessor: 'logrocket', purpose: 'session-replay', field: 'usage.actions,usage.page-views',
      reason, mode: 'enforce', policyVersion: 1, count, firstAt: now, lastAt: now,
    });
    const { token } = (await app.http().post('/api/v1/service-tokens').set('Authorization', app.admin).send({ name: 'web' }).expect(201)).body as { token: string };
    await app
      .http()
      .post('/api/v1/audit/events')
      .set('Authorization', `Bearer ${token}`)
      .send({ service: 'web', events: [call('none', 5), call('denied', 2)], dropped: 0 })
      .expect(202);
    await page.locator('summary', { hasText: 'Impact of a change' }).click();
    await page.getByLabel('Manifest file (YAML or JSON)').setInputFiles({ name: 'caplena.yaml', mimeType: 'application/yaml', buffer: Buffer.from(changed) });
    await page.getByRole('button', { name: 'Show the impact' }).click();
    const row = page.locator('.impact-table tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const headers = await page.locator('.impact-table thead th').allTextContents();
    const cells = Object.fromEntries(
      (await row.first().locator('th, td').allTextContents()).map((text, i) => [headers[i], text]),
    );
    expect(cells).toMatchObject({
      Flow: 'logrocket.session-replay',
      Change: 'changed',
      'Calls reported': '7',
      'Would send less': '5',
      'Would send more': '0',
    });
    await expectText(page.locator('.impact .hint'), '7 calls reported by guards in this window');
    expect(serious(await axeViolations(page))).toEqual([]);
    const map = await api<{ mode: string }>('/api/v1/flows/logrocket.session-replay');
    expect(map).toMatchObject({ mode: 'opt-out' });
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  await locator
    .page()
    .waitForFunction(({ el, text }) => (el?.textContent ?? '').includes(text), {
      el: await locator.first().elementHandle(),
      text,
    });
}
