import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { HEARTBEAT_INTERVAL_MS, formatFeedEvent, parseFeedEvent } from '@flowgate/core';
import { createGuard, remoteSource, type RemoteSource } from '@flowgate/sdk';
import { buildVendorMap } from './factories/vendor-map.factory';

/**
 * A change feed that goes silent without closing (a black-holed connection: no bytes, no
 * reset) must not keep an opt-out made meanwhile from taking effect for longer than
 * `maxStalenessMs`. A loopback feed server sends heartbeats (fast, for the test) and a TCP
 * proxy between it and the SDK stops forwarding anything on command.
 */
const HEARTBEAT_MS = 50;
const MAX_STALENESS_MS = 700;

interface FeedServer {
  url: string;
  send(event: string, id: number, data: unknown): void;
  close(): Promise<void>;
}

async function feedServer(): Promise<FeedServer> {
  const map = buildVendorMap();
  const feeds: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (url === '/api/v1/policy') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: map.version, etag: '"1"', map }));
    } else if (url.startsWith('/api/v1/users/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ userId: 'ada', version: 1, gpc: false, choices: {} }));
    } else if (url.startsWith('/api/v1/changes')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: 1\nevent: ready\ndata: ${JSON.stringify({ kind: 'ready', lastEventId: 1, policyVersion: map.version })}\n\n`);
      feeds.push(res);
    } else res.writeHead(404).end();
  });
  const beat = setInterval(() => {
    for (const f of feeds) if (!f.writableEnded) f.write(formatFeedEvent({ kind: 'heartbeat' }));
  }, HEARTBEAT_MS);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    send(event, id, data) {
      for (const f of feeds) if (!f.writableEnded) f.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close: () =>
      new Promise<void>((r) => {
        clearInterval(beat);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Forwards TCP both ways until `blackHole()`: from then on, nothing passes and nothing closes. */
async function blackHoleProxy(upstream: string): Promise<{ url: string; blackHole(): void; close(): Promise<void> }> {
  const { port } = new URL(upstream);
  let holed = false;
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((client) => {
    const remote = connect(Number(port), '127.0.0.1');
    for (const s of [client, remote]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => void (holed || remote.write(chunk)));
    remote.on('data', (chunk: Buffer) => void (holed || client.write(chunk)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    blackHole: () => {
      holed = true;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('a black-holed change feed', () => {
  let server: FeedServer;
  let proxy: Awaited<ReturnType<typeof blackHoleProxy>>;
  let source: RemoteSource;
  afterEach(async () => {
    await source.close();
    await proxy.close();
    await server.close();
  });

  // Idle timeout below the bound (as the defaults are), and above it: staleness counts from the
  // last heartbeat heard, so the bound holds even before the silent connection is given up.
  it.each([400, 5_000])(`lets no call through on an opted-out flow later than maxStalenessMs (${MAX_STALENESS_MS} ms) after the opt-out (idle timeout %i ms)`, async (idleTimeoutMs) => {
    server = await feedServer();
    proxy = await blackHoleProxy(server.url);
    source = remoteSource({ baseUrl: proxy.url, token: 'fg_svc_test', idleTimeoutMs, requestTimeoutMs: 300, reconnectDelayMs: 20, maxReconnectDelayMs: 40 });
    const guard = createGuard({ source, maxStalenessMs: MAX_STALENESS_MS });
    await guard.ready();
    const call = { userId: 'ada', subprocessor: 'vendor-b', purpose: 'product-analytics' };
    const deadline = Date.now() + 5_000;
    while (!source.status().connected || !(await guard.check(call)).allow) {
      if (Date.now() > deadline) throw new Error('never connected');
      await new Promise((r) => setTimeout(r, 10));
    }

    proxy.blackHole();
    // Let whatever was already forwarded arrive, then opt Ada out: the feed never tells the SDK.
    await new Promise((r) => setTimeout(r, 150));
    const optOutAt = Date.now();
    server.send('consent', 2, { id: 2, kind: 'consent', userId: 'ada', version: 2 });

    let lastAllowed = 0;
    let allowedAfter = 0;
    while (Date.now() < optOutAt + MAX_STALENESS_MS + 800) {
      const decision = guard.checkCached(call) ?? (await guard.check(call));
      if (decision.allow) {
        lastAllowed = Date.now();
        allowedAfter++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // The cached grant kept working for a while (the bound is not vacuous), and never past the bound.
    expect(allowedAfter).toBeGreaterThan(0);
    expect(lastAllowed - optOutAt).toBeLessThanOrEqual(MAX_STALENESS_MS);
    expect((await guard.check(call)).reason).toBe('policy-unavailable');
  });
});

describe('the heartbeat event', () => {
  it('is part of the feed contract, carries no id, and round-trips', () => {
    const text = formatFeedEvent({ kind: 'heartbeat' });
    expect(text).not.toMatch(/^id:/m);
    expect(parseFeedEvent('heartbeat', '{"kind":"heartbeat"}')).toEqual({ kind: 'heartbeat' });
    // Defaults keep the idle timeout (20 s) below the guard's staleness bound (30 s), and both above the interval.
    expect(HEARTBEAT_INTERVAL_MS).toBeLessThan(20_000);
  });
});
