import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, remoteSource, type PolicyMap, type RemoteSource, type SourceChange } from '@flowgate/sdk';
import { buildVendorMap } from './factories/vendor-map.factory';

/**
 * The feed protocol's hard cases, against a scripted loopback server that speaks the
 * server's wire format (GET /api/v1/policy, /users/:id/consents, /changes) and lets the
 * test decide when each answer goes out — the real server cannot be made to hold a read.
 */
interface Scripted {
  url: string;
  /** Pending consent reads: answer them when the test says so. */
  reads: { userId: string; answer: (body: unknown) => void }[];
  /** Open feed connections, with the Last-Event-ID each was opened with. */
  feeds: { lastEventId: string | undefined; res: ServerResponse }[];
  send(event: string, id: number, data: unknown): void;
  close(): Promise<void>;
}

async function scriptedServer(map: PolicyMap): Promise<Scripted> {
  const reads: Scripted['reads'] = [];
  const feeds: Scripted['feeds'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (url === '/api/v1/policy') {
      res.writeHead(200, { 'content-type': 'application/json', etag: `"${map.version}"` });
      res.end(JSON.stringify({ version: map.version, etag: `"${map.version}"`, map }));
    } else if (url.startsWith('/api/v1/users/')) {
      const userId = decodeURIComponent(url.split('/')[4]);
      reads.push({ userId, answer: (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)) });
    } else if (url.startsWith('/api/v1/changes')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      feeds.push({ lastEventId: req.headers['last-event-id'] as string | undefined, res });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    feeds,
    send(event, id, data) {
      for (const f of feeds) if (!f.res.writableEnded) f.res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const map = buildVendorMap();
const call = { userId: 'ada', subprocessor: 'vendor-b', purpose: 'product-analytics' };
const consents = (version: number, granted: boolean | null) => ({
  userId: 'ada',
  version,
  gpc: false,
  choices: granted === null ? {} : { 'vendor-b.product-analytics': { granted, version: 1 } },
});

describe('remoteSource feed protocol', () => {
  let server: Scripted;
  let source: RemoteSource;
  const changes: SourceChange[] = [];

  beforeEach(async () => {
    server = await scriptedServer(map);
    changes.length = 0;
    source = remoteSource({ baseUrl: server.url, token: 'fg_svc_test', reconnectDelayMs: 20, maxReconnectDelayMs: 40, idleTimeoutMs: 300 });
    source.subscribe((c) => changes.push(c));
  });
  afterEach(async () => {
    await source.close();
    await server.close();
  });

  async function connect(lastEventId = 10): Promise<void> {
    void source.start();
    await until(() => server.feeds.length === 1 && source.state() !== null);
    server.send('ready', lastEventId, { lastEventId, policyVersion: map.version });
    await until(() => source.status().connected);
  }

  it('throws away a read that started before an opt-out the feed announced, and reads again', async () => {
    await connect();
    const guard = createGuard({ source });
    const decision = guard.check(call);
    await until(() => server.reads.length === 1);
    server.send('consent', 11, { id: 11, kind: 'consent', userId: 'ada', version: 2 }); // the opt-out
    await until(() => changes.some((c) => c.kind === 'consent'));
    server.reads[0].answer(consents(1, true)); // the older grant, answered late
    await until(() => server.reads.length === 2);
    server.reads[1].answer(consents(2, false));
    expect(await decision).toMatchObject({ allow: false, reason: 'opted-out' });
    expect(guard.checkCached(call)).toMatchObject({ allow: false });
  });

  it('drops a cached grant the moment the feed announces a change, then reads the new state', async () => {
    await connect();
    const guard = createGuard({ source });
    const first = guard.check(call);
    await until(() => server.reads.length === 1);
    server.reads[0].answer(consents(1, true));
    expect((await first).allow).toBe(true);

    server.send('consent', 11, { id: 11, kind: 'consent', userId: 'ada', version: 2 });
    await until(() => changes.some((c) => c.kind === 'consent'));
    expect(guard.checkCached(call)).toBeUndefined(); // never the old grant
    await until(() => server.reads.length === 2); // re-read at once, the user was in use
    server.reads[1].answer(consents(2, false));
    await until(() => guard.checkCached(call) !== undefined);
    expect(guard.checkCached(call)).toMatchObject({ allow: false, reason: 'opted-out' });
  });

  it('resumes from the last event id, and forgets every user on reset', async () => {
    await connect(10);
    const guard = createGuard({ source });
    const first = guard.check(call);
    await until(() => server.reads.length === 1);
    server.reads[0].answer(consents(1, true));
    await first;
    server.send('consent', 12, { id: 12, kind: 'consent', userId: 'grace', version: 1 });
    await until(() => source.status().lastEventId === '12');

    server.feeds[0].res.end(); // the connection drops
    await until(() => server.feeds.length === 2);
    expect(server.feeds[1].lastEventId).toBe('12');
    server.send('reset', 3, { lastEventId: 3 });
    await until(() => changes.some((c) => c.kind === 'reset'));
    expect(guard.checkCached(call)).toBeUndefined();
  });

  it('treats a silent feed as dead after idleTimeoutMs and counts staleness from its last byte', async () => {
    await connect();
    const lastByte = Date.now();
    await until(() => changes.some((c) => c.kind === 'disconnected'), 2000);
    const state = source.state()!;
    expect(state.live).toBe(false);
    expect(Math.abs(state.confirmedAt - lastByte)).toBeLessThan(100);
    const guard = createGuard({ source, maxStalenessMs: 50 });
    expect(await guard.check(call)).toMatchObject({ allow: false, reason: 'policy-unavailable' });
  });
});
