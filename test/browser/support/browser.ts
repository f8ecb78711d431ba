import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it with apt-get when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags a sandboxed root in a container needs, and nothing that phones home.
 * playwright-core's `launch()` adds a fresh `--user-data-dir` (a new temp profile, removed
 * on close) by itself; passing our own would be refused.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Collects uncaught page errors, console errors, 5xx answers and requests that failed on the
 * network, so a broken page cannot
 * pass. 4xx answers the page expects (the optional audit API, a refused token) are left
 * to the tests; Chromium logs each as "Failed to load resource", which is ignored here.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 500)
      errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  // A request that got no answer at all (reset, refused); ones the page aborted itself are its business.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown';
    if (reason !== 'net::ERR_ABORTED') errors.push(`failed ${request.method()} ${request.url()}: ${reason}`);
  });
  return errors;
}
