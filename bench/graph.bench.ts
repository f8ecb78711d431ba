/**
 * The graph: the server-side projection (GET /api/v1/graph) on a synthetic map of 1,000
 * subprocessors, 300 fields and 10,000 flows (target: under 200 ms), then the first render
 * of the same map in headless Debian chromium, against the real app.
 *
 * Three layers are timed apart, so a regression shows where it is: `projectGraph` alone
 * (pure, on the stored map in memory), the HTTP request (projection + JSON + loopback),
 * and the page (fetching, parsing, building the cytoscape elements, laying out, painting).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { flowKeyOf, type Region } from '@flowgate/core';
import type { StoredMap } from '../src/data-map/data-map.store';
import { normalizeManifest } from '../src/data-map/manifest/manifest.diff';
import { type Manifest, sentFields } from '../src/data-map/manifest/manifest.types';
import { compileConsents, compilePolicy, decide } from '@flowgate/core';
import { toPolicyMap } from '../src/policy/policy-map';
import { projectGraph } from '../src/graph/graph.projection';
import { verdictOf } from '../src/graph/graph.service';
import type { GraphQuery, GraphResponse } from '@flowgate/core';
import { launchChromium } from '../test/browser/support/browser';
import { manifestOfPolicyMap } from '../test/factories/synthetic-manifest.factory';
import { startTestApp, ADMIN_TOKEN } from '../test/support/test-app';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';
import { syntheticWorld } from './synthetic-map';

const TARGET_MS = 200;
/** As `OVERVIEW_LINES` in client/src/graph/graph-page.ts. */
const OVERVIEW_LINES = 5000;

export interface Size {
  subprocessors: number;
  fields: number;
  flows: number;
  purposes: number;
}
export const FULL: Size = { subprocessors: 1000, fields: 300, flows: 10_000, purposes: 20 };
export const QUICK: Size = { subprocessors: 100, fields: 60, flows: 1000, purposes: 20 };

const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';

function stats(samples: number[]): { median: number; p95: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)],
    p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)],
    min: s[0],
  };
}

function time<T>(fn: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - t0) / 1e6];
}

/** The synthetic map (bench/synthetic-map.ts, shared with the engine benches) as a manifest. */
export function syntheticManifest(size: Size): Manifest {
  const world = syntheticWorld({ ...size, users: 0, seed: 2026 });
  return normalizeManifest(manifestOfPolicyMap(world.map));
}

/** The map as the store holds it after one import (every flow at version 1). */
export function storedOf(manifest: Manifest): StoredMap {
  const at = new Date();
  const ids = <T extends { key: string }>(items: T[]) =>
    new Map(items.map((e, i) => [e.key, i + 1]));
  return {
    version: 1,
    updatedAt: at,
    manifest,
    ids: {
      fields: ids(manifest.fields),
      purposes: ids(manifest.purposes),
      subprocessors: ids(manifest.subprocessors),
    },
    flows: new Map(
      manifest.flows.map((f, i) => {
        const key = flowKeyOf(f.subprocessor, f.purpose);
        return [
          key,
          {
            id: i + 1,
            key,
            version: 1,
            updatedAt: at,
            since: new Map(sentFields(f).map((k) => [k, 1])),
          },
        ];
      }),
    ),
  };
}

interface Row {
  label: string;
  edges: number;
  nodes: number;
  median: number;
  p95: number;
  json?: number;
  /** CPU time this process spent per run (process.cpuUsage): steadier than wall time on a shared machine. */
  cpu?: { median: number; p95: number };
}

function projectionRows(stored: StoredMap, runs: number): Row[] {
  const m = stored.manifest;
  const busiestField = m.fields
    .map((f) => ({ key: f.key, n: m.flows.filter((x) => sentFields(x).includes(f.key)).length }))
    .sort((a, b) => b.n - a.n)[0].key;
  const base: GraphQuery = { excluded: false, purposes: false };
  const queries: Array<[string, GraphQuery]> = [
    ['whole map', base],
    ['whole map, excluded fields and purposes drawn', { ...base, excluded: true, purposes: true }],
    [`one field (${busiestField}, the most sent)`, { ...base, field: busiestField }],
    ['one subprocessor (vendor-0)', { ...base, subprocessor: 'vendor-0' }],
    ['leaving the EU/EEA (region=third-country)', { ...base, region: 'third-country' as Region }],
    ['opt-in flows', { ...base, mode: 'opt-in' }],
    ['text search "vendor-1"', { ...base, q: 'vendor-1' }],
  ];
  const rows: Row[] = [];
  for (const [label, query] of queries) {
    for (let i = 0; i < 3; i++) projectGraph(stored, query); // warm-up
    const samples: number[] = [];
    let last: GraphResponse | null = null;
    // The target is on the whole map's p95: enough runs that it is a percentile, not the second-worst of 25.
    const n = query === base ? runs * 4 : runs;
    const cpuSamples: number[] = [];
    for (let i = 0; i < n; i++) {
      const cpu0 = process.cpuUsage();
      const [g, ms] = time(() => projectGraph(stored, query));
      const cpu = process.cpuUsage(cpu0);
      cpuSamples.push((cpu.user + cpu.system) / 1000);
      samples.push(ms);
      last = g;
    }
    const [, json] = time(() => JSON.stringify(last));
    const s = stats(samples);
    rows.push({
      label,
      edges: last!.edges.length,
      nodes: last!.nodes.length,
      median: s.median,
      p95: s.p95,
      json,
      cpu: stats(cpuSamples),
    });
  }

  // Per-user view: every flow judged by the engine for one user with a few choices.
  const policy = compilePolicy(toPolicyMap(stored));
  const consents = compileConsents(
    policy,
    m.flows
      .slice(0, 40)
      .map(
        (f, i) =>
          [flowKeyOf(f.subprocessor, f.purpose), { granted: i % 2 === 0, version: 1 }] as const,
      ),
  );
  const judge = (flow: (typeof m.flows)[number]) =>
    verdictOf(
      decide(policy, consents, {
        subprocessor: flow.subprocessor,
        purpose: flow.purpose,
        fields: sentFields(flow),
      }),
      sentFields(flow),
    );
  const user = { id: 'ada@example.com', policyVersion: 1, gpc: false };
  const samples: number[] = [];
  let last: GraphResponse | null = null;
  for (let i = 0; i < runs; i++) {
    const [g, ms] = time(() => projectGraph(stored, base, { judge, user }));
    samples.push(ms);
    last = g;
  }
  const s = stats(samples);
  rows.push({
    label: 'per-user view of the whole map (engine per flow)',
    edges: last!.edges.length,
    nodes: last!.nodes.length,
    median: s.median,
    p95: s.p95,
  });
  return rows;
}

interface HttpRow {
  label: string;
  median: number;
  p95: number;
  /** The JSON answer, decompressed. */
  bytes: number;
  /** What crossed the wire (brotli). */
  wire: number;
}

interface PageRow {
  label: string;
  nodes: number;
  edges: number;
  layout: string;
  /** navigation start → graph painted, ms */
  total: number;
  /** data received → graph painted (elements, layout, first frame), ms */
  render: number;
  /** the GET /api/v1/graph request as the page saw it, ms */
  fetch: number;
  bytes: number;
  /** the page's own split of `render`: building elements, adding them, layout, first paint */
  phases: string;
}

async function pageRows(url: string, runs: number, caplenaUrl: string | null): Promise<PageRow[]> {
  const browser = await launchChromium();
  const rows: PageRow[] = [];
  try {
    /** The page's own figures after its `n`th render (resource timing of its latest graph request). */
    const figures = (page: import('playwright-core').Page) =>
      page.evaluate(() => {
        const cy = document.querySelector<HTMLElement>('#cy')!.dataset;
        const marks = performance.getEntriesByName('flowgate:graph-rendered');
        const requests = performance
          .getEntriesByType('resource')
          .filter((e) => /\/api\/v1\/graph(\?|$)/.test(e.name)) as PerformanceResourceTiming[];
        const request = requests[requests.length - 1];
        return {
          nodes: Number(cy.nodes),
          edges: Number(cy.edges),
          layout: cy.layout ?? '',
          render: Number(cy.renderMs),
          total: marks.length > 0 ? marks[marks.length - 1].startTime : NaN,
          fetch: request ? request.duration : NaN,
          bytes: request ? request.encodedBodySize : NaN,
          phases: Object.entries(JSON.parse(cy.phases ?? '{}') as Record<string, number>)
            .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
            .join(', '),
        };
      });
    const waitRenders = (page: import('playwright-core').Page, n: number) =>
      page.waitForFunction(
        (n) => Number(document.querySelector<HTMLElement>('#cy')?.dataset.renders ?? 0) >= n,
        n,
        { timeout: 600_000 },
      );
    const median = (rows: PageRow[]): PageRow => {
      const pick = (k: 'total' | 'render' | 'fetch') => stats(rows.map((r) => r[k])).median;
      return { ...rows[0], total: pick('total'), render: pick('render'), fetch: pick('fetch') };
    };
    const measure = async (base: string, label: string, allLabel?: string): Promise<PageRow[]> => {
      const first: PageRow[] = [];
      const all: PageRow[] = [];
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
        const page = await context.newPage();
        await page.addInitScript(
          (token) => sessionStorage.setItem('flowgate.admin-token', token),
          ADMIN_TOKEN,
        );
        await page.goto(`${base}/graph`);
        await waitRenders(page, 1);
        first.push({ label, ...(await figures(page)) });
        if (allLabel) {
          await page.getByRole('button', { name: /^draw all .* lines$/ }).click();
          await waitRenders(page, 2);
          all.push({ label: allLabel, ...(await figures(page)), total: NaN });
        }
        await context.close();
      }
      return allLabel ? [median(first), median(all)] : [median(first)];
    };
    rows.push(
      ...(await measure(
        url,
        'synthetic map: first render (fields and vendors; lines on request)',
        'synthetic map: "draw all lines"',
      )),
    );
    if (caplenaUrl) rows.push(...(await measure(caplenaUrl, 'Caplena map, for comparison')));
  } finally {
    await browser.close();
  }
  return rows;
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const size = options.quick ? QUICK : FULL;
  const runs = options.quick ? 5 : 25;
  console.log(
    `\n## graph: ${size.subprocessors} subprocessors, ${size.fields} fields, ${size.flows} flows`,
  );

  const [manifest, buildMs] = time(() => syntheticManifest(size));
  const stored = storedOf(manifest);
  const sent = manifest.flows.reduce((n, f) => n + sentFields(f).length, 0);
  console.log(
    `synthetic manifest built in ${int(buildMs)} ms: ${int(sent)} sent (flow, field) pairs`,
  );

  const projection = projectionRows(stored, runs);
  console.table(
    projection.map((r) => ({
      query: r.label,
      nodes: r.nodes,
      edges: r.edges,
      'median ms': fmt(r.median),
      'p95 ms': fmt(r.p95),
      'JSON ms': r.json === undefined ? '' : fmt(r.json),
    })),
  );

  // The real app on a temp SQLite file, the synthetic map imported through the API.
  console.log('building the client (vite)…');
  execFileSync(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--config',
      'client/vite.config.mts',
      '--logLevel',
      'warn',
    ],
    { stdio: 'inherit' },
  );
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-graph-bench-'));
  const app = await startTestApp({ LOG_LEVEL: 'error' }, dir);
  const caplenaDir = mkdtempSync(join(tmpdir(), 'flowgate-graph-bench-caplena-'));
  const caplena = await startTestApp(
    { LOG_LEVEL: 'error', FLOWGATE_SEED_MANIFEST: 'examples/caplena.yaml' },
    caplenaDir,
  );
  try {
    const [, importMs] = await timeAsync(() =>
      app
        .http()
        .post('/api/v1/manifest')
        .set('Authorization', app.admin)
        .send(manifest)
        .expect(201)
        .then(() => undefined),
    );
    await app.app.listen(0, '127.0.0.1');
    await caplena.app.listen(0, '127.0.0.1');
    const url = (await app.app.getUrl()).replace('[::1]', '127.0.0.1');
    const caplenaUrl = (await caplena.app.getUrl()).replace('[::1]', '127.0.0.1');

    const http: HttpRow[] = [];
    /** As a browser asks (brotli accepted); timed to the decompressed answer. */
    const get = (path: string) =>
      new Promise<{ bytes: number; wire: number }>((resolve, reject) => {
        httpGet(`${url}${path}`, { headers: { authorization: app.admin, 'accept-encoding': 'br' } }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`${path}: ${res.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const wire = Buffer.concat(chunks);
            const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(wire) : wire;
            resolve({ bytes: body.byteLength, wire: wire.byteLength });
          });
        }).on('error', reject);
      });
    const [cold, coldMs] = await timeAsync(() => get('/api/v1/graph'));
    http.push({
      label: 'GET /api/v1/graph, first after import (loads the map from SQLite)',
      median: coldMs,
      p95: coldMs,
      ...cold,
    });
    for (const [label, path] of [
      ['GET /api/v1/graph (whole map)', '/api/v1/graph'],
      ['GET /api/v1/graph?region=third-country', '/api/v1/graph?region=third-country'],
      [
        'GET /api/v1/graph?field=<one field>',
        `/api/v1/graph?field=${encodeURIComponent(manifest.fields[0].key)}`,
      ],
      [
        'GET /api/v1/graph?user=ada@example.com (per-user view)',
        '/api/v1/graph?user=ada%40example.com',
      ],
      ['GET /api/v1/graph/catalog', '/api/v1/graph/catalog'],
    ] as const) {
      const samples: number[] = [];
      let size = { bytes: 0, wire: 0 };
      for (let i = 0; i < Math.min(runs, 10); i++) {
        const [answer, ms] = await timeAsync(() => get(path));
        samples.push(ms);
        size = answer;
      }
      const s = stats(samples);
      http.push({ label, median: s.median, p95: s.p95, ...size });
    }
    console.log(`manifest import through the API: ${int(importMs)} ms`);
    console.table(
      http.map((r) => ({
        request: r.label,
        'median ms': fmt(r.median),
        'p95 ms': fmt(r.p95),
        'JSON bytes': int(r.bytes),
        'bytes sent (brotli)': int(r.wire),
      })),
    );

    const pages = await pageRows(url, options.quick ? 1 : 3, caplenaUrl);
    console.table(
      pages.map((p) => ({
        page: p.label,
        nodes: p.nodes,
        edges: p.edges,
        layout: p.layout,
        'navigation → painted ms': int(p.total),
        'data → painted ms': int(p.render),
        'fetch ms': int(p.fetch),
        bytes: int(p.bytes),
        phases: p.phases,
      })),
    );

    const whole = projection[0];
    const verdict = whole.p95 < TARGET_MS ? 'met' : 'not met';
    const wholeCpu = whole.cpu ?? { median: Number.NaN, p95: Number.NaN };
    console.log(`projectGraph, whole map: p50 ${fmt(whole.median)} ms, p95 ${fmt(whole.p95)} ms (${runs * 4} runs; CPU time p50 ${fmt(wholeCpu.median)} ms, p95 ${fmt(wholeCpu.p95)} ms); target p95 < ${TARGET_MS} ms: ${verdict}`);
    const markdown = [
      '## Graph projection and first render',
      '',
      `\`bench/graph.bench.ts\`, ${machineNote()}.`,
      '',
      `Synthetic map from \`bench/synthetic-map.ts\` (seed 2026): ${int(size.subprocessors)} subprocessors, ${int(size.fields)} fields, ${int(size.flows)} flows over ${size.purposes} purposes, ${int(sent)} sent (flow, field) pairs — each one an edge of the graph.`,
      `Target (issue 16): \`projectGraph\` of the whole map at p95 < ${TARGET_MS} ms. Measured: p50 **${fmt(whole.median)} ms**, p95 **${fmt(whole.p95)} ms** over ${runs * 4} runs: **${verdict}**. CPU time this process got per run (\`process.cpuUsage\`, what the projection costs whatever else runs on the machine): p50 ${fmt(wholeCpu.median)} ms, p95 ${fmt(wholeCpu.p95)} ms.`,
      '',
      `### \`projectGraph\` alone (median and p95 of ${runs} runs after warm-up; the whole map ${runs * 4})`,
      '',
      '| query | nodes | edges | median ms | p95 ms | JSON.stringify ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...projection.map(
        (r) =>
          `| ${r.label} | ${int(r.nodes)} | ${int(r.edges)} | ${fmt(r.median)} | ${fmt(r.p95)} | ${r.json === undefined ? '' : fmt(r.json)} |`,
      ),
      '',
      `### Over HTTP (real app, SQLite file, loopback; import of the map: ${fmt(importMs / 1000)} s)`,
      '',
      '| request | median ms | p95 ms | JSON bytes | bytes sent (brotli) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...http.map((r) => `| ${r.label} | ${fmt(r.median)} | ${fmt(r.p95)} | ${int(r.bytes)} | ${int(r.wire)} |`),
      '',
      'The whole map over HTTP is some 20 MB of JSON when the graph is this size: its time goes on',
      'serialising and sending that (the JSON.stringify column above), not on projecting; filtered',
      'answers are small. The first request after an import also loads the map from SQLite.',
      'Requests ask for brotli, as browsers do, and are timed to the decompressed answer: answers',
      'over 1 KB are compressed (brotli quality 4, gzip level 1), which puts the whole map on the',
      'wire in a fifteenth of its size for about 110 ms of server CPU. The page rows below give the',
      "bytes chromium received (the resource timing's encoded body size).",
      '',
      `### First render of /graph in headless Debian chromium (median of ${options.quick ? 1 : 3} fresh contexts)`,
      '',
      '| map | nodes | edges | layout | navigation → painted ms | data → painted ms | of which (ms, first sample) | GET /api/v1/graph ms | bytes |',
      '| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |',
      ...pages.map(
        (p) =>
          `| ${p.label} | ${int(p.nodes)} | ${int(p.edges)} | ${p.layout} | ${int(p.total)} | ${int(p.render)} | ${p.phases} | ${int(p.fetch)} | ${int(p.bytes)} |`,
      ),
      '',
      `An unfiltered map of more than ${OVERVIEW_LINES.toLocaleString('en-US')} lines first shows its fields and subprocessors only`,
      '(`GET /api/v1/graph?edges=false`), with a notice offering to draw every line; the second row',
      'is that click (its "navigation → painted" is not meaningful, so left out).',
      '',
      'Above 2,500 elements the page runs no layout algorithm: fields, subprocessors (in a grid per',
      'region) and purposes go in precomputed columns, regions are plain boxes rather than compound',
      'nodes, and edges are straight, unlabelled and colour-only (`haystack`). Each of these took',
      'seconds off: with compound nodes cytoscape re-derives parents and connected edges on every',
      "style change of every element, and it scans a node's edges for parallel ones whenever an",
      'edge is added (so large-mode edges hang off the vendor end, which has fewer). A question or',
      'a filter brings the readable dagre layout back. "Data → painted" is measured by the page',
      'itself (`data-render-ms`, split in `data-phases`).',
    ].join('\n');
    return { name: 'graph', markdown, failures: 0 };
  } finally {
    await app.close();
    await caplena.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(caplenaDir, { recursive: true, force: true });
  }
}
