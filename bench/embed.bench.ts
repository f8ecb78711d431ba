/**
 * The embeddable preference centre (<flowgate-preferences>, /embed/preferences.js): the
 * size of the one ES module a host page loads (target ≤ 40 KB gzipped), and the time from
 * the user token being available to the first interactive render of the Caplena map's
 * choices (target < 300 ms), in headless Debian chromium, on a host page served from a
 * second loopback origin, as in production.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { launchChromium } from '../test/browser/support/browser';
import { startHostApp } from '../test/browser/support/host-app';
import { serveApp } from '../test/browser/support/served-app';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';

const SIZE_TARGET = 40 * 1024;
const READY_TARGET_MS = 300;
const SECRET = 'bench-host-shared-secret-0123456789abcdef';
const ROOT = join(__dirname, '..');

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))];
}

function build(): void {
  for (const config of ['client/vite.config.mts', 'client/vite.embed.config.mts']) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', config, '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
}

interface Sample {
  /** token set → choices drawn and a frame painted (the element's own figure), ms */
  ready: number;
  /** navigation start → the same moment, ms (script download and parse included) */
  total: number;
  switches: number;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const runs = options.quick ? 3 : 21;
  console.log(`\n## embed: /embed/preferences.js size, and ${runs} first renders in chromium`);
  build();
  const code = readFileSync(join(ROOT, 'client/dist/embed/preferences.js'));
  const size = { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length };

  let flowgateUrl = '';
  const host = await startHostApp({ flowgateUrl: () => flowgateUrl, secret: SECRET });
  const app = await serveApp({ FLOWGATE_ALLOWED_ORIGINS: host.url, FLOWGATE_USER_TOKEN_SECRET: SECRET });
  flowgateUrl = app.url;
  const browser = await launchChromium();
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // A fresh context each time: the script is fetched and compiled anew (a first visit).
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${host.url}/account?inline-token&user=bench-${i}@example.com`);
      const ready = await page.waitForFunction(
        () => {
          const events = (window as unknown as { flowgateEvents?: { type: string; detail: { ms: number } }[] }).flowgateEvents ?? [];
          const e = events.find((x) => x.type === 'flowgate-ready');
          return e ? { ms: e.detail.ms, at: performance.now() } : null;
        },
        undefined,
        { timeout: 30_000, polling: 'raf' },
      );
      const figure = (await ready.jsonValue()) as { ms: number; at: number };
      const switches = await page.locator('flowgate-preferences').evaluate((el) => el.shadowRoot!.querySelectorAll('[role="switch"]').length);
      samples.push({ ready: figure.ms, total: figure.at, switches });
      await context.close();
    }
  } finally {
    await browser.close();
    await app.close();
    await host.close();
  }
  const ready = samples.map((s) => s.ready);
  const total = samples.map((s) => s.total);
  const median = percentile(ready, 0.5);
  const rows = [
    `| script | bytes | target | |`,
    '| --- | ---: | ---: | --- |',
    `| /embed/preferences.js, as built | ${int(size.raw)} | | |`,
    `| gzip -9 | ${int(size.gzip)} | ≤ ${int(SIZE_TARGET)} | ${size.gzip <= SIZE_TARGET ? 'met' : 'MISSED'} |`,
    `| brotli | ${int(size.brotli)} | | |`,
    '',
    `| first render on a host page (${runs} fresh contexts) | median ms | p95 ms | max ms | target | |`,
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| token set → ${samples[0]?.switches ?? 0} switches drawn and painted | ${int(median)} | ${int(percentile(ready, 0.95))} | ${int(Math.max(...ready))} | < ${READY_TARGET_MS} | ${median < READY_TARGET_MS ? 'met' : 'MISSED'} |`,
    `| navigation → the same (script fetched, compiled) | ${int(percentile(total, 0.5))} | ${int(percentile(total, 0.95))} | ${int(Math.max(...total))} | | |`,
  ];
  console.log(rows.join('\n'));
  const markdown = [
    '## Embedded preference centre',
    '',
    ...rows,
    '',
    '**What is measured.** The one ES module a host page loads (`client/vite.embed.config.mts`: the',
    'element, its styles, the three message catalogs; no cytoscape), compressed as a CDN would.',
    'Then a host page on a second loopback origin (`test/browser/support/host-app.ts`, listed in',
    '`FLOWGATE_ALLOWED_ORIGINS`) loads it from Flowgate and sets a token its server minted for the',
    'Caplena map; the element reports `flowgate-ready` with the time from the token being set to',
    'the first frame painted with every switch in place: one `GET /api/v1/me/preferences` across',
    'origins (a CORS preflight first: the request carries `Authorization`), building the DOM in its',
    'shadow root, and one animation frame. Each run is a fresh browser context, so no cache helps.',
    '',
    `**Machine.** ${machineNote()}.`,
    '',
    '**Reproduce.** `npm run bench -- embed` (`--write-docs` rewrites this section).',
  ].join('\n');
  const failures = size.gzip <= SIZE_TARGET ? 0 : 1;
  return { name: 'embed', markdown, failures };
}
