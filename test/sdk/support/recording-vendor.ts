import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One HTTP request as its raw bytes arrived on the socket. */
export interface RawRequest {
  readonly raw: Buffer;
  /** The request line, e.g. `POST /u/1/track HTTP/1.1`. */
  readonly line: string;
  readonly head: string;
  readonly body: Buffer;
}

export interface RecordingVendor {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: RawRequest[];
  /** Every byte received on any connection, requests or not. */
  bytes(): Buffer;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A vendor on raw TCP: no HTTP library between the wire and the test. It records every
 * byte each connection delivers, splits HTTP/1.1 requests (Content-Length or chunked),
 * and answers each with a small 200.
 */
export async function startRecordingVendor(): Promise<RecordingVendor> {
  const requests: RawRequest[] = [];
  let all: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      all.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const request = takeRequest(pending);
        if (request === null) break;
        pending = pending.subarray(request.raw.length);
        requests.push(request);
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\n{"ok":true}');
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bytes: () => Buffer.concat(all),
    reset: () => {
      requests.length = 0;
      all = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function takeRequest(data: Buffer): RawRequest | null {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = data.subarray(0, headEnd).toString('latin1');
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let end: number;
  let body: Buffer;
  if (length !== null) {
    end = bodyStart + Number(length[1]);
    if (data.length < end) return null;
    body = data.subarray(bodyStart, end);
  } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd === -1) return null;
      const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
      if (data.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) {
        end = lineEnd + 4;
        break;
      }
      parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    end = bodyStart;
    body = Buffer.alloc(0);
  }
  return { raw: Buffer.from(data.subarray(0, end)), line: head.split('\r\n')[0], head, body: Buffer.from(body) };
}

/**
 * Whether `needle` appears in `bytes` in any form a vendor could read back: as is, URL- or
 * form-encoded, JSON-escaped, quoted-printable-free base64 (standard or URL-safe, at any
 * of the three alignments), case-insensitively.
 */
export function carries(bytes: Buffer, needle: string): boolean {
  const text = bytes.toString('latin1');
  const forms = [text, safeDecode(text), safeDecode(text.replace(/\+/g, ' ')), text.replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))];
  for (const token of text.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
    for (let shift = 0; shift < 4; shift++) {
      forms.push(Buffer.from(token.slice(shift).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'));
    }
  }
  const lower = needle.toLowerCase();
  return forms.some((f) => f.toLowerCase().includes(lower));
}

function safeDecode(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
