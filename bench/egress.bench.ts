/**
 * The egress guard (`installEgressGuard`): what it adds to a loopback round trip through
 * Node's `fetch` and through `node:http`, against the same call with no guard installed,
 * and what a request to a host no subprocessor declares costs (a host lookup, no decision).
 * The vendor is its own process. Nothing here asserts a timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import {
  createGuard,
  runAs,
  staticSource,
  withoutEgressGuard,
  type Guard,
  type PolicyMap,
} from '@flowgate/sdk';
import { installEgressGuard } from '@flowgate/egress';
import { describeRequest, EgressEngine } from '@flowgate/egress/internal';
import type { BenchOptions, BenchReport } from './run';
import { machineNote } from './run';

type Row = Record<string, string>;
const fmt = (n: number, digits = 2): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const nowNs = (): number => Number(process.hrtime.bigint());
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

const VENDOR_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); }); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function startVendorProcess(): Promise<{ host: string; url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', VENDOR_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, child };
}

function benchMap(host: string): PolicyMap {
  return {
    version: 1,
    fields: [
      { key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' },
      { key: 'user.name', paths: ['name'], sensitivity: 'personal' },
    ],
    subprocessors: [{ key: 'vendor-a', endpoints: [{ host }] }],
    purposes: [{ key: 'email-delivery' }],
    flows: [
      {
        key: 'vendor-a.email-delivery',
        subprocessor: 'vendor-a',
        purpose: 'email-delivery',
        mode: 'opt-out',
        legalBasis: 'legitimate-interests',
        version: 1,
        fields: [
          { key: 'user.contact.email', since: 1 },
          { key: 'user.name', since: 1 },
        ],
        excludedFields: [],
      },
    ],
  };
}

const BODY = JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace' });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function viaHttp(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/send`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

async function viaFetch(url: string): Promise<void> {
  const res = await fetch(`${url}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  await res.arrayBuffer();
}

/**
 * Calls alternately, call by call, with the egress guard stepping aside (\`withoutEgressGuard\`:
 * the hooks stay in place and look at the scope only) and deciding (inside a user scope, the
 * host mapped), so both see the same machine state and the same warm code.
 */
async function roundTrips(
  send: () => Promise<void>,
  n: number,
): Promise<{ plain: number[]; guarded: number[] }> {
  const plain: number[] = [];
  const guarded: number[] = [];
  await runAs('user-1', async () => {
    for (let i = -300; i < n; i++) {
      let t = nowNs();
      await withoutEgressGuard(send);
      if (i >= 0) plain.push(nowNs() - t);
      t = nowNs();
      await send();
      if (i >= 0) guarded.push(nowNs() - t);
    }
  });
  return { plain: sorted(plain), guarded: sorted(guarded) };
}

/** The hook's own work for a host no endpoint names: reading the request's host, one lookup. */
function unmappedCost(guard: Guard, n: number): { lookup: number[]; floor: number[] } {
  const engine = new EgressEngine(guard, {}, () => undefined);
  const args = ['https://api.unmapped.example/v1/events?x=1', { method: 'POST' }];
  const options = [
    { hostname: 'api.unmapped.example', port: 443, path: '/v1/events', method: 'POST' },
  ];
  const lookup: number[] = [];
  const floor: number[] = [];
  let sink = 0;
  for (let i = -10_000; i < n; i++) {
    const a = i % 2 === 0 ? args : options;
    const t0 = nowNs();
    const out = describeRequest(a, 'https:');
    const verdict = out === null ? null : engine.classify(out);
    const t1 = nowNs();
    const t2 = nowNs();
    if (verdict !== null) sink++;
    if (i >= 0) {
      lookup.push(t1 - t0);
      floor.push(t2 - t1);
    }
  }
  if (sink !== 0) throw new Error('an unmapped host was guarded');
  return { lookup: sorted(lookup), floor: sorted(floor) };
}

export async function run(options: BenchOptions): Promise<BenchReport> {
  const vendor = await startVendorProcess();
  const guard = createGuard({ source: staticSource({ map: benchMap(vendor.host) }) });
  const n = options.quick ? 300 : 5000;
  let fetchRt: Awaited<ReturnType<typeof roundTrips>>;
  let httpRt: Awaited<ReturnType<typeof roundTrips>>;
  const uninstall = installEgressGuard(guard, { log: () => undefined });
  try {
    fetchRt = await roundTrips(() => viaFetch(vendor.url), n);
    httpRt = await roundTrips(() => viaHttp(vendor.url), n);
  } finally {
    uninstall();
    vendor.child.kill();
    agent.destroy();
  }
  const unmapped = unmappedCost(guard, options.quick ? 50_000 : 1_000_000);

  const us = (ns: number) => ns / 1000;
  const rtRow = (via: string, rt: { plain: number[]; guarded: number[] }, q: number): Row => ({
    via,
    percentile: `p${q}`,
    'guard stepping aside (µs)': fmt(us(percentile(rt.plain, q))),
    'egress guard (µs)': fmt(us(percentile(rt.guarded, q))),
    'added (µs)': fmt(us(percentile(rt.guarded, q) - percentile(rt.plain, q))),
  });
  const rows: Row[] = [
    rtRow('fetch', fetchRt, 50),
    rtRow('fetch', fetchRt, 99),
    rtRow('node:http', httpRt, 50),
    rtRow('node:http', httpRt, 99),
  ];
  const unmappedRows: Row[] = [
    {
      measure: 'request → host read and looked up, unmapped host',
      'p50 (µs)': fmt(us(percentile(unmapped.lookup, 50)), 3),
      'p99 (µs)': fmt(us(percentile(unmapped.lookup, 99)), 3),
      'timer floor p50 (µs)': fmt(us(percentile(unmapped.floor, 50)), 3),
    },
  ];
  console.log('\nEgress guard: loopback round trip, no guard vs egress guard');
  console.table(rows);
  console.log('Egress guard: cost for an unmapped host');
  console.table(unmappedRows);

  const table = (r: readonly Row[]): string => {
    const headers = Object.keys(r[0]);
    return [
      `| ${headers.join(' | ')} |`,
      `| ${headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
      ...r.map((row) => `| ${headers.map((h) => row[h]).join(' | ')} |`),
    ].join('\n');
  };
  const markdown = `## Egress guard

### Added latency on a loopback round trip (target ≤ 20 µs p50, each)

${table(rows)}

A POST of a 50-byte JSON body to a vendor in its own process on 127.0.0.1 (keep-alive),
${fmt(n, 0)} calls per kind, alternating call by call: with the installed egress guard stepping
aside (\`withoutEgressGuard\`; what is left of the hook there is one scope lookup, less than
the unmapped-host row below), then deciding inside \`runAs(userId)\`, the host mapped to a
subprocessor whose opt-out flow sends both fields (a decision per call, user cached). The
fetch row goes through undici's global dispatcher, the body read back from its stream; the
node:http row through the wrapped \`http.request\`, the body held until \`end()\`.
Most of the fetch row is reading the body back: fetch hands its dispatcher the body as an
async stream, which the guard drains before deciding (node:http hands over the bytes).
The p99 rows are this shared machine's scheduling noise, not the guard.

### Requests to unmapped hosts (target ≤ 2 µs)

${table(unmappedRows)}

What the node:http hook does before handing such a request to Node unchanged: read host,
port and path from \`http.request\`'s arguments (a URL string and an options object,
alternately) and look the host up in the compiled endpoints (${fmt(options.quick ? 50_000 : 1_000_000, 0)} calls;
the floor is two back-to-back \`process.hrtime\` reads). No decision is taken and nothing
is buffered. (An unmapped host is also reported once, as drift.)

**Reproduce.** \`npm run bench -- egress\`, \`--write-docs\` to rewrite this section.

${machineNote()}.
`;
  return { name: 'egress', markdown, failures: 0 };
}
