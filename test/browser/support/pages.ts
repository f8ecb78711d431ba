import type { Locator, Page } from 'playwright-core';

/** How many times the graph in `selector` has been drawn (GraphView counts in data-renders). */
export async function renders(page: Page, selector = '#cy'): Promise<number> {
  const value = await page.locator(selector).getAttribute('data-renders');
  return Number(value ?? 0);
}

/** Waits until the graph in `selector` has been drawn more than `after` times and is idle. */
export async function waitForRender(page: Page, after: number, selector = '#cy', timeoutMs = 40_000): Promise<void> {
  try {
    await page.waitForFunction(
      ({ selector, after }) => {
        const el = document.querySelector<HTMLElement>(selector);
        return !!el && Number(el.dataset.renders ?? 0) > after && !el.hasAttribute('aria-busy');
      },
      { selector, after },
      { timeout: timeoutMs },
    );
  } catch (error) {
    // Say what the page shows instead of only "timed out": the notices, and where the graph stands.
    const state = await page
      .evaluate((selector) => {
        const el = document.querySelector<HTMLElement>(selector);
        const notices = [...document.querySelectorAll('.notice, [role=alert], [role=status]')].map((n) => n.textContent?.trim());
        return { renders: el?.dataset.renders ?? null, busy: el?.getAttribute('aria-busy') ?? null, notices };
      }, selector)
      .catch(() => 'page unreadable');
    throw new Error(`no render after #${after} within ${timeoutMs} ms; page: ${JSON.stringify(state)}`, { cause: error });
  }
}

/** Whether `target` has the focus, looking into shadow roots (the preference centre renders in one). */
export async function isFocused(target: Locator): Promise<boolean> {
  return target
    .evaluate((el) => {
      let active = document.activeElement;
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      return el === active;
    })
    .catch(() => false);
}

/** Presses Tab until `target` has the focus (at most `limit` times); keyboard only. */
export async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return;
  }
  throw new Error(`${String(target)} not reached within ${limit} presses of Tab`);
}

/** The focused element's outline, to check that focus is visible. */
export async function focusOutline(page: Page): Promise<{ style: string; width: number }> {
  return page.evaluate(() => {
    let el = document.activeElement as HTMLElement;
    while (el.shadowRoot?.activeElement) el = el.shadowRoot.activeElement as HTMLElement;
    const css = getComputedStyle(el);
    return { style: css.outlineStyle, width: parseFloat(css.outlineWidth) };
  });
}
