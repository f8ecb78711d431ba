import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request exactly as a loopback vendor received it. */
export interface Recorded {
  readonly method: string;
  /** Path with query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RecordingVendor {
  /** `127.0.0.1:<port>`, as an endpoint host. */
  readonly host: string;
  readonly url: string;
  readonly received: Recorded[];
  /** TCP connections accepted so far (a denied request may open none, never sends a byte). */
  readonly connections: () => number;
  close(): Promise<void>;
}

/**
 * A vendor API on 127.0.0.1 that records every byte of every request and answers what
 * the vendor's SDK expects (`respond`), so the SDK's own call completes.
 */
export async function startRecordingVendor(
  respond: (req: Recorded) => { status: number; body: unknown } = () => ({
    status: 200,
    body: { ok: true },
  }),
): Promise<RecordingVendor> {
  const received: Recorded[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(recorded);
      const { status, body } = respond(recorded);
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_1' });
      res.end(JSON.stringify(body));
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
