/**
 * `npm run screenshots`: the pictures in docs/img, taken in Debian chromium from the real
 * app with the Caplena map (the same setup as the browser tests). Build the client first
 * (`npm run build:client`).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../support/test-app';
import { launchChromium } from './support/browser';
import { waitForRender } from './support/pages';
import { startHostApp } from './support/host-app';
import { serveApp } from './support/served-app';

const OUT = 'docs/img';

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  let flowgateUrl = '';
  const secret = 'screenshots-host-secret-0123456789abcdef';
  const host = await startHostApp({ flowgateUrl: () => flowgateUrl, secret });
  const app = await serveApp({ FLOWGATE_ALLOWED_ORIGINS: host.url, FLOWGATE_USER_TOKEN_SECRET: secret });
  flowgateUrl = app.url;
  const browser = await launchChromium();
  const shot = async (page: Page, name: string, fullPage = false) => {
    await page.screenshot({ path: `${OUT}/${name}.png`, fullPage });
    console.log(`${OUT}/${name}.png`);
  };
  try {
    // A user with a few choices, so the per-user views have both colours.
    await app
      .http()
      .put('/api/v1/users/ada@example.com/preferences')
      .set('Authorization', app.admin)
      .send({
        changes: [
          { flowKey: 'logrocket.session-replay', granted: false },
          { flowKey: 'deepl.translation', granted: true },
        ],
      })
      .expect(200);

    const admin = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await admin.addInitScript(
      (token) => sessionStorage.setItem('flowgate.admin-token', token),
      ADMIN_TOKEN,
    );
    await admin.goto(`${app.url}/graph`);
    await waitForRender(admin, 0);
    await shot(admin, 'graph');
    // The same map with the other layout, for docs/client.md's comparison.
    await admin.selectOption('#graph-layout', 'fcose');
    await waitForRender(admin, 1);
    await shot(admin, 'graph-fcose');

    await admin.goto(`${app.url}/graph?field=user.contact.email&excluded=true`);
    await waitForRender(admin, 0);
    await admin.locator('details.flow-list summary').click();
    await admin.getByRole('button', { name: 'Email address: details' }).first().click();
    await admin.locator('.details h3').waitFor();
    await admin.locator('.canvas-area').evaluate((el) => el.scrollTo(0, 0));
    await shot(admin, 'graph-email');

    await admin.goto(`${app.url}/graph?region=third-country&user=ada%40example.com`);
    await waitForRender(admin, 0);
    await shot(admin, 'graph-user');

    const user = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await user.goto(`${app.url}/settings`);
    await user.getByLabel('User id').fill('ada@example.com');
    await user.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForRender(user, 0, '.my-cy');
    await user
      .getByRole('switch', { name: 'Userpilot for Tutorials and feature highlights' })
      .click();
    await user.locator('.toast').waitFor();
    await user.evaluate(() => window.scrollTo(0, 0));
    await shot(user, 'settings');
    // A switched-off vendor and required ones, further down.
    await user
      .locator('[data-flow="logrocket.session-replay"]')
      .evaluate((el) => el.scrollIntoView());
    await user.evaluate(() => window.scrollBy(0, -60));
    await shot(user, 'settings-logrocket');
    await user.locator('[data-flow="google-cloud.hosting"]').evaluate((el) => el.scrollIntoView());
    await user.evaluate(() => window.scrollBy(0, -110));
    await shot(user, 'settings-required');
    await user.locator('#my-data-flows').scrollIntoViewIfNeeded();
    await waitForRender(user, 1, '.my-cy');
    await user.locator('#my-data-flows').evaluate((el) => el.scrollIntoView());
    await shot(user, 'settings-flows');

    // A phone: the search finds LogRocket, its switch within the first screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${app.url}/settings`);
    await phone.getByLabel('User id').fill('ada@example.com');
    await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phone.getByLabel('Find a vendor or purpose').fill('LogRocket');
    await phone.getByRole('switch', { name: 'LogRocket for Session replay' }).waitFor();
    await shot(phone, 'settings-phone-search');

    // The embed on a host application's own page, in German, themed by the host.
    const embed = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await embed.goto(`${host.url}/account?user=ada@example.com&lang=de`);
    await embed.getByRole('switch', { name: 'LogRocket für Session replay' }).waitFor();
    await shot(embed, 'embed-host-de');

    // The graph on a phone: the list first.
    const graphPhone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await graphPhone.addInitScript((token) => sessionStorage.setItem('flowgate.admin-token', token), ADMIN_TOKEN);
    await graphPhone.goto(`${app.url}/graph`);
    await waitForRender(graphPhone, 0);
    await shot(graphPhone, 'graph-phone');
  } finally {
    await browser.close();
    await app.close();
    await host.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
