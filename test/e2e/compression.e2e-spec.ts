import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  await t.http().post('/api/v1/manifest').set('Authorization', t.admin).set('Content-Type', 'application/yaml').send(readFileSync('examples/caplena.yaml', 'utf8')).expect(201);
  await t.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
});
afterAll(() => t.close());

/** The raw bytes and headers as they crossed the wire (no client-side decoding). */
function raw(path: string, headers: Record<string, string>): Promise<{ encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${base}${path}`, { headers: { authorization: t.admin, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('response compression', () => {
  it('sends the graph brotli- or gzip-compressed to clients that accept it, with the same JSON inside', async () => {
    const plain = await raw('/api/v1/graph', { 'accept-encoding': 'identity' });
    const br = await raw('/api/v1/graph', { 'accept-encoding': 'br, gzip' });
    const gzip = await raw('/api/v1/graph', { 'accept-encoding': 'gzip' });
    expect(plain.encoding).toBeUndefined();
    expect(br.encoding).toBe('br');
    expect(gzip.encoding).toBe('gzip');
    expect(plain.body.length).toBeGreaterThan(1024);
    const graph = JSON.parse(plain.body.toString('utf8')) as { nodes: unknown[] };
    expect(graph.nodes.length).toBeGreaterThan(0);
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(graph);
    expect(JSON.parse(gunzipSync(gzip.body).toString('utf8'))).toEqual(graph);
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
  });

  it('leaves responses under 1 KB alone', async () => {
    const health = await raw('/api/health', { 'accept-encoding': 'br, gzip' });
    expect(health.encoding).toBeUndefined();
    expect(JSON.parse(health.body.toString('utf8'))).toMatchObject({ status: 'ok' });
  });
});
