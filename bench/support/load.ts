/**
 * HTTP load over loopback with autocannon 9, against one server or several at once (the
 * instances of one deployment): the connections are split over the servers, and the
 * latency percentiles are computed over every response of every server (autocannon's own
 * percentiles are per instance and cannot be merged).
 */
import { EventEmitter } from 'node:events';

/** One request autocannon sends (the part of its API used here; it ships no type declarations). */
export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Tracker = EventEmitter & PromiseLike<AutocannonResult>;
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  amount?: number;
  requests: Array<{ setupRequest(request: LoadRequest): LoadRequest }>;
}) => Tracker;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

export interface LoadResult {
  /** 2xx responses per second, over every server. */
  rate: number;
  /** Latency of every response, in ms. */
  p50: number;
  p99: number;
  /** Responses that were not 2xx, and connection errors and timeouts. */
  non2xx: number;
  errors: number;
  /** Every response's latency in ms, and the run's length in s (for several runs as one: `pooled`). */
  latencies: readonly number[];
  seconds: number;
}

/** The q-quantile (nearest rank) of `values`; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * One run of `durationS` seconds (or of `amount` requests per server) against every base
 * URL at once, `connections` in all (split evenly, at least one per server). Each request
 * takes the next of its server's pool, so connections spread over it.
 */
export async function loadServers(
  targets: ReadonlyArray<{ base: string; requests: readonly LoadRequest[] }>,
  connections: number,
  durationS: number,
  /** Stop after this many requests per server instead (durationS then bounds nothing). */
  amount?: number,
): Promise<LoadResult> {
  const perServer = Math.max(1, Math.round(connections / targets.length));
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  let lastResponse = started;
  const results = await Promise.all(
    targets.map(({ base, requests: given }) => {
      // autocannon writes content-length into a request's headers: give it its own copies.
      const requests = given.map((r) => ({ ...r, headers: { ...r.headers } }));
      let next = 0;
      const tracker = autocannon({
        url: base,
        connections: perServer,
        duration: durationS,
        ...(amount === undefined ? {} : { amount }),
        requests: [{ setupRequest: () => requests[next++ % requests.length] }],
      });
      tracker.on(
        'response',
        (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
          latencies.push(responseTime);
          lastResponse = process.hrtime.bigint();
        },
      );
      return tracker;
    }),
  );
  const ok = results.reduce((s, r) => s + r['2xx'], 0);
  // A run of `amount` requests is over when the last is answered, often well inside a
  // second, but autocannon resolves on its next one-second tick: its `duration` would make
  // every such run's rate `amount` / 1 s.
  const seconds =
    amount === undefined
      ? Math.max(...results.map((r) => r.duration || durationS))
      : Number(lastResponse - started) / 1e9;
  return {
    rate: ok / seconds,
    p50: round1(quantile(latencies, 0.5)),
    p99: round1(quantile(latencies, 0.99)),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    latencies,
    seconds,
  };
}

/**
 * Several runs of one kind as one sample: percentiles over every response of every run, and
 * the rate of all of them over their summed time (short runs each have too few responses for
 * a steady p99: a run of 800 responses has its p99 in its 8 slowest).
 */
export function pooled(results: readonly LoadResult[]): LoadResult {
  const latencies = results.flatMap((r) => r.latencies);
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  const ok = results.reduce((s, r) => s + r.rate * r.seconds, 0);
  return {
    rate: seconds > 0 ? ok / seconds : 0,
    p50: round1(quantile(latencies, 0.5)),
    p99: round1(quantile(latencies, 0.99)),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    latencies,
    seconds,
  };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The median run by rate of `runs` (its percentiles), with the error counts of all of them. */
export function medianOf(results: readonly LoadResult[]): LoadResult & { all: number[] } {
  const sorted = [...results].sort((a, b) => a.rate - b.rate);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    ...median,
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    all: results.map((r) => r.rate),
  };
}

/** A markdown table of `rows` (all with the same keys); columns named in `left` are left-aligned. */
export function markdownTable<Row extends Record<string, string>>(
  rows: readonly Row[],
  left: readonly string[],
): string {
  const headers = Object.keys(rows[0] ?? {});
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((h) => (left.includes(h) ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((h) => r[h]).join(' | ')} |`),
  ].join('\n');
}
