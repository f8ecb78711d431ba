import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type FlowgateConfig } from '../config/configuration';

/** A public key as a JSON Web Key (RFC 8037: Ed25519 is `OKP`), with its thumbprint as `kid`. */
export interface ReceiptJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

export interface ReceiptKeySource {
  readonly privateKey: KeyObject;
  readonly jwk: ReceiptJwk;
  readonly origin: 'env-file' | 'generated' | 'file';
  readonly file: string;
}

/**
 * The Ed25519 key receipts are signed with: the PKCS#8 PEM file FLOWGATE_RECEIPT_KEY_FILE
 * names, else `receipt-signing-key.pem` in the data folder, created on first start (mode
 * 0600) and kept, so receipts issued before a restart still verify after it.
 */
export function resolveReceiptKey(config: FlowgateConfig): ReceiptKeySource {
  if (config.receiptKeyFile !== null) {
    const file = config.receiptKeyFile;
    const privateKey = readKey(file, 'FLOWGATE_RECEIPT_KEY_FILE');
    return { privateKey, jwk: publicJwk(privateKey), origin: 'env-file', file };
  }
  const file = join(config.dataDir, 'receipt-signing-key.pem');
  if (existsSync(file)) {
    const privateKey = readKey(file, file);
    return { privateKey, jwk: publicJwk(privateKey), origin: 'file', file };
  }
  mkdirSync(dirname(file), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(file, 0o600);
  return { privateKey, jwk: publicJwk(privateKey), origin: 'generated', file };
}

function readKey(file: string, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${name}: cannot read a PEM private key from ${file} (${(error as Error).message})`]);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError([`${name}: must be an Ed25519 private key, got ${key.asymmetricKeyType ?? 'unknown'} (${file})`]);
  }
  return key;
}

/** The public half as a JWK, `kid` being its RFC 7638 thumbprint. */
export function publicJwk(key: KeyObject): ReceiptJwk {
  const { x } = createPublicKey(key).export({ format: 'jwk' }) as { x: string };
  return { kty: 'OKP', crv: 'Ed25519', x, kid: jwkThumbprint(x), use: 'sig', alg: 'EdDSA' };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(x: string): string {
  return createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');
}

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** A compact JWS (RFC 7515) over `payload` with EdDSA (RFC 8037). */
export function signCompact(header: Record<string, unknown>, payload: string, key: KeyObject): string {
  const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`;
}

export const RECEIPT_KEY = Symbol('RECEIPT_KEY');
