import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MetricsService } from '../../src/observability/metrics.service';
import { ChangeFeedService } from '../../src/policy/change-feed.service';
import { auditEvent } from '../factories/audit-event.factory';
import { startConsentApp, type ConsentTestApp } from '../factories/consent-app.factory';
import { startTestApp } from '../support/test-app';

const METRICS_TOKEN = 'test-metrics-token-0123456789';
const ADA = 'ada@example.com';

describe('GET /metrics', () => {
  let t: ConsentTestApp;
  beforeAll(async () => {
    t = await startConsentApp(undefined, { FLOWGATE_METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(() => t.close());

  type Scrape = Map<string, PrometheusFamily> & { text: string };
  const scrape = async (): Promise<Scrape> => {
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return Object.assign(new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f])), { text: res.text });
  };
  /**
   * The value of the series of `name` whose labels include `labels` (0 when there is none); for
   * a histogram its `_count`, read from the text (the parser keeps no labels on histograms).
   */
  const value = (families: Scrape, name: string, labels: Record<string, string> = {}): number => {
    const family = families.get(name);
    if (family?.type === 'HISTOGRAM') {
      return families.text
        .split('\n')
        .filter((line) => line.startsWith(`${name}_count`))
        .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    }
    const series = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return series ? Number(series.value) : 0;
  };

  it('is for the admin token and the metrics token only', async () => {
    await t.http().get('/metrics').expect(401);
    await t.http().get('/metrics').set('Authorization', t.service).expect(401);
    await t.http().get('/metrics').set('Authorization', t.user(ADA)).expect(401);
    const res = await t.http().get('/metrics').set('Authorization', 'Bearer not-the-metrics-token').expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    await t.http().get('/metrics').set('Authorization', t.admin).expect(200);
  });

  it('parses as Prometheus text, with every family the docs name', async () => {
    const families = await scrape();
    for (const [name, type] of [
      ['flowgate_http_request_duration_seconds', 'HISTOGRAM'],
      ['flowgate_decisions_total', 'COUNTER'],
      ['flowgate_consent_events_total', 'COUNTER'],
      ['flowgate_consent_commit_batch_requests', 'HISTOGRAM'],
      ['flowgate_guard_reports_total', 'COUNTER'],
      ['flowgate_change_feed_subscribers', 'GAUGE'],
      ['flowgate_change_feed_lag_seconds', 'HISTOGRAM'],
      ['flowgate_db_write_queue_wait_seconds', 'HISTOGRAM'],
      ['flowgate_process_cpu_seconds_total', 'COUNTER'],
    ] as const) {
      expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
    }
  });

  it('moves its counters with traffic', async () => {
    const before = await scrape();
    const user = t.user(ADA);
    await t.http().put('/api/v1/me/preferences/vendor-c.support').set('Authorization', user).send({ granted: false }).expect(200);
    await t.http().put('/api/v1/me/preferences/vendor-b.product-analytics').set('Authorization', user).send({ granted: true }).expect(200);
    await t.http().post('/api/v1/decisions').set('Authorization', t.service).send({ userId: ADA, subprocessor: 'vendor-c' }).expect(200);
    await t.http().post('/api/v1/decisions').set('Authorization', t.service).send({ userId: ADA, subprocessor: 'vendor-b' }).expect(200);
    await t.http().post('/api/v1/decisions/batch').set('Authorization', t.service)
      .send({ requests: [{ userId: ADA, subprocessor: 'vendor-c' }, { userId: 'grace@example.com', subprocessor: 'vendor-d', purpose: 'marketing' }] })
      .expect(200);
    await t.http().post('/api/v1/audit/events').set('Authorization', t.service)
      .send({ service: 'checkout', events: [auditEvent(), auditEvent({ kind: 'monitored', mode: 'monitor' }), auditEvent({ field: 'user.name' })] })
      .expect(202);
    await t.http().get('/api/v1/fields/user.nope').set('Authorization', t.admin).expect(404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('flowgate_consent_events_total', { source: 'preference-centre' })).toBe(2);
    expect(delta('flowgate_consent_commit_batch_requests')).toBe(2);
    expect(delta('flowgate_decisions_total', { outcome: 'deny', reason: 'opted-out' })).toBe(2);
    expect(delta('flowgate_decisions_total', { outcome: 'allow', reason: 'none' })).toBe(1);
    expect(delta('flowgate_decisions_total', { outcome: 'deny', reason: 'not-opted-in' })).toBe(1);
    expect(delta('flowgate_guard_reports_total', { kind: 'blocked' })).toBe(2);
    expect(delta('flowgate_guard_reports_total', { kind: 'monitored' })).toBe(1);
    expect(delta('flowgate_http_request_duration_seconds', { method: 'POST', route: '/api/v1/decisions', status: '200' })).toBe(2);
    expect(delta('flowgate_http_request_duration_seconds', { method: 'GET', route: '/api/v1/fields/:key', status: '404' })).toBe(1);
    expect(delta('flowgate_db_write_queue_wait_seconds')).toBeGreaterThanOrEqual(3);
    // A scrape is a request too: route templates only, never a concrete path.
    expect(after.text).not.toContain('/api/v1/fields/user.nope');
    expect(after.text).not.toContain(ADA);
  });

  it('counts open change-feed streams', async () => {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const base = value(await scrape(), 'flowgate_change_feed_subscribers');
    const req = httpGet({ host: '127.0.0.1', port, path: '/api/v1/changes', headers: { Authorization: t.service } });
    await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
    expect(value(await scrape(), 'flowgate_change_feed_subscribers')).toBe(base + 1);
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(value(await scrape(), 'flowgate_change_feed_subscribers')).toBe(base);
  });
});

describe('an app closed in a process that goes on', () => {
  // V8's collector on demand (no --expose-gc flag on the test command).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('is collected: the process metrics do not keep it reachable', async () => {
    // The process's own metrics (prom-client's collectors, which never stop) were collected into
    // each app's registry, whose gauges read the app's services: every app closed stayed in memory.
    const refs = await (async () => {
      const t = await startTestApp();
      await t.http().get('/api/health').expect(200);
      const held = [new WeakRef(t.app), new WeakRef(t.app.get(ChangeFeedService)), new WeakRef(t.app.get(MetricsService))];
      await t.close();
      return held;
    })();
    for (let i = 0; i < 20 && refs.some((ref) => ref.deref() !== undefined); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    expect(refs.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
  });
});
