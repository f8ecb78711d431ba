import { launchChromium, watchErrors } from './support/browser';
import { serveApp } from './support/served-app';
import { ADMIN_TOKEN } from '../support/test-app';
(async () => {
  const t = await serveApp();
  const browser = await launchChromium();
  try {
    for (const layout of (process.env.LAYOUTS ?? 'dagre,fcose').split(',')) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors = watchErrors(page);
      await page.goto(`${t.url}/graph${process.env.Q ?? ''}`);
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Open the graph' }).click();
      await page.waitForSelector('#cy[data-render-ms]');
      if (layout !== 'dagre') {
        await page.selectOption('#graph-layout', layout);
        await page.waitForFunction((l) => document.querySelector('#cy')?.getAttribute('data-layout') === l, layout);
        await page.waitForTimeout(300);
      }
      console.log(layout, await page.$eval('#cy', (e) => ({ ...(e as HTMLElement).dataset })));
      await page.screenshot({ path: `/tmp/shot-${layout}.png` });
      console.log(errors);
      await page.close();
    }
  } finally {
    await browser.close();
    await t.close();
  }
})();
