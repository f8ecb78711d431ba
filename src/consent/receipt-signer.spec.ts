import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/configuration';
import { jwkThumbprint, publicJwk, resolveReceiptKey, rotateReceiptKey, signCompact } from './receipt-signer';

/** RFC 8037, appendix A.1: the Ed25519 key of the examples. */
const RFC8037_KEY = createPrivateKey({
  key: { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
  format: 'jwk',
});

describe('receipt signing', () => {
  it('gives the RFC 8037 example key its RFC 7638 thumbprint (A.3) as kid', () => {
    expect(jwkThumbprint('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    expect(publicJwk(RFC8037_KEY)).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
      use: 'sig',
      alg: 'EdDSA',
    });
  });

  it('signs the RFC 8037 example (A.4) byte for byte', () => {
    expect(signCompact({ alg: 'EdDSA' }, 'Example of Ed25519 signing', RFC8037_KEY)).toBe(
      'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
    );
  });

  describe(resolveReceiptKey.name, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'flowgate-receipt-key-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const config = (env: Record<string, string> = {}) => loadConfig({ DATABASE_PATH: join(dir, 'flowgate.sqlite'), ...env }, dir);

    it('creates a key in the data folder on first start (mode 0600) and reads the same key after', () => {
      const first = resolveReceiptKey(config());
      expect(first.origin).toBe('generated');
      expect(first.file).toBe(join(dir, 'receipt-signing-key.pem'));
      expect(statSync(first.file).mode & 0o777).toBe(0o600);
      const again = resolveReceiptKey(config());
      expect(again.origin).toBe('file');
      expect(again.jwk).toEqual(first.jwk);
    });

    it('rotates: a new key signs, and every retired public key stays in the set so its receipts still verify', () => {
      const first = resolveReceiptKey(config());
      const signed = signCompact({ alg: 'EdDSA', kid: first.jwk.kid }, '{"sub":"ada"}', first.privateKey);
      const once = rotateReceiptKey(config());
      const twice = rotateReceiptKey(config());
      expect(once.retired).toBe(first.jwk.kid);
      expect(twice.retired).toBe(once.current);
      const now = resolveReceiptKey(config());
      expect(now.jwk.kid).toBe(twice.current);
      expect(new Set(now.retired.map((k) => k.kid))).toEqual(new Set([first.jwk.kid, once.current]));
      expect(statSync(now.file).mode & 0o777).toBe(0o600);

      const [header, payload, signature] = signed.split('.');
      const retired = now.retired.find((k) => k.kid === first.jwk.kid)!;
      const key = createPublicKey({ key: { kty: retired.kty, crv: retired.crv, x: retired.x }, format: 'jwk' });
      expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true);
    });

    it('leaves a key given by FLOWGATE_RECEIPT_KEY_FILE to its owner, and names a retired key file it cannot read', () => {
      const own = join(dir, 'own.pem');
      writeFileSync(own, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(() => rotateReceiptKey(config({ FLOWGATE_RECEIPT_KEY_FILE: own }))).toThrow(/^Invalid configuration:\n {2}FLOWGATE_RECEIPT_KEY_FILE: is set, so the key is yours to rotate/);
      mkdirSync(join(dir, 'receipt-keys-retired'));
      writeFileSync(join(dir, 'receipt-keys-retired', 'broken.pem'), 'not a key');
      expect(() => resolveReceiptKey(config())).toThrow(/receipt-keys-retired\/broken\.pem: not a PEM public key/);
    });

    it('uses FLOWGATE_RECEIPT_KEY_FILE when set, and refuses a key that is not Ed25519 or not a key, naming the variable', () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const own = join(dir, 'own.pem');
      writeFileSync(own, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(resolveReceiptKey(config({ FLOWGATE_RECEIPT_KEY_FILE: own }))).toMatchObject({ origin: 'env-file', jwk: publicJwk(privateKey) });

      const rsa = join(dir, 'rsa.pem');
      writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const garbage = join(dir, 'garbage.pem');
      writeFileSync(garbage, 'not a key');
      const problem = (file: string) => {
        try {
          resolveReceiptKey(config({ FLOWGATE_RECEIPT_KEY_FILE: file }));
        } catch (error) {
          return error instanceof ConfigError ? error.problems : error;
        }
        return 'no error';
      };
      expect(problem(rsa)).toEqual([`FLOWGATE_RECEIPT_KEY_FILE: must be an Ed25519 private key, got rsa (${rsa})`]);
      expect(problem(garbage)).toEqual([expect.stringMatching(/^FLOWGATE_RECEIPT_KEY_FILE: cannot read a PEM private key from .*garbage\.pem/)]);
      expect(problem(join(dir, 'missing.pem'))).toEqual([expect.stringMatching(/^FLOWGATE_RECEIPT_KEY_FILE: cannot read a PEM private key from .*missing\.pem/)]);
      expect(readFileSync(own, 'utf8')).toContain('BEGIN PRIVATE KEY');
    });
  });
});
