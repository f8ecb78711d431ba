import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { startTestApp } from '../support/test-app';

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('files and transport', () => {
  it('creates the database and every secret file owner-only (0600)', async () => {
    // Demo mode with nothing configured: the server generates the admin token and user-token secret.
    const t = await startTestApp({ FLOWGATE_DEMO: '', FLOWGATE_ADMIN_TOKEN: '' });
    try {
      await t.http().post('/api/v1/demo/login').send({ userId: 'ada@example.com' }).expect(200);
      const files = ['flowgate.sqlite', 'flowgate.sqlite-wal', 'flowgate.sqlite-shm', 'admin-token', 'user-token-secret', 'receipt-signing-key.pem'];
      const modes = Object.fromEntries(files.map((f) => [f, modeOf(join(t.dir, f))]));
      expect(modes).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    } finally {
      await t.close();
    }
  });

  it('sends Strict-Transport-Security only on responses served over TLS', async () => {
    const t = await startTestApp();
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-tls-'));
    try {
      const plain = await t.http().get('/api/health').expect(200);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      expect(plain.headers['x-content-type-options']).toBe('nosniff');

      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => t.app.getHttpAdapter().getInstance().routing(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/api/health', rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.headers);
          });
          req.on('error', reject);
          req.end();
        });
        expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await t.close();
    }
  });
});
