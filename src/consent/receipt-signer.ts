import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  /** Public keys of earlier signing keys, so receipts they signed still verify. */
  readonly retired: readonly ReceiptJwk[];
}

const KEY_FILE = 'receipt-signing-key.pem';
const RETIRED_DIR = 'receipt-keys-retired';

/**
 * The Ed25519 key receipts are signed with: the PKCS#8 PEM file FLOWGATE_RECEIPT_KEY_FILE
 * names, else `receipt-signing-key.pem` in the data folder, created on first start (mode
 * 0600) and kept, so receipts issued before a restart still verify after it.
 */
export function resolveReceiptKey(config: FlowgateConfig): ReceiptKeySource {
  const retired = (current: ReceiptJwk) => retiredKeys(config).filter((k) => k.kid !== current.kid);
  if (config.receiptKeyFile !== null) {
    const file = config.receiptKeyFile;
    const privateKey = readKey(file, 'FLOWGATE_RECEIPT_KEY_FILE');
    const jwk = publicJwk(privateKey);
    return { privateKey, jwk, origin: 'env-file', file, retired: retired(jwk) };
  }
  const file = join(config.dataDir, KEY_FILE);
  if (existsSync(file)) {
    const privateKey = readKey(file, file);
    const jwk = publicJwk(privateKey);
    return { privateKey, jwk, origin: 'file', file, retired: retired(jwk) };
  }
  const privateKey = writeNewKey(file);
  const jwk = publicJwk(privateKey);
  return { privateKey, jwk, origin: 'generated', file, retired: retired(jwk) };
}

/** A new Ed25519 key at `file` (mode 0600), written beside it first and renamed into place. */
function writeNewKey(file: string): KeyObject {
  mkdirSync(dirname(file), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const temp = `${file}.new`;
  writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return privateKey;
}

/**
 * Replaces the data folder's signing key with a new one, keeping the old public key in
 * `receipt-keys-retired/<kid>.pem` (written first, so a crash in between loses nothing).
 * Not for a key given by FLOWGATE_RECEIPT_KEY_FILE: that file is the operator's.
 */
export function rotateReceiptKey(config: FlowgateConfig): { retired: string; current: string } {
  if (config.receiptKeyFile !== null) {
    throw new ConfigError([
      `FLOWGATE_RECEIPT_KEY_FILE: is set, so the key is yours to rotate: put its public key (PEM) in ${join(config.dataDir, RETIRED_DIR)} and point the variable at the new one`,
    ]);
  }
  const file = join(config.dataDir, KEY_FILE);
  const old = resolveReceiptKey(config);
  const dir = join(config.dataDir, RETIRED_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${old.jwk.kid}.pem`), createPublicKey(old.privateKey).export({ type: 'spki', format: 'pem' }));
  const next = publicJwk(writeNewKey(file));
  return { retired: old.jwk.kid, current: next.kid };
}

/** The public keys in `receipt-keys-retired/` (each a PEM file), in name order. */
function retiredKeys(config: FlowgateConfig): ReceiptJwk[] {
  const dir = join(config.dataDir, RETIRED_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.pem'))
    .sort()
    .map((name) => {
      const at = join(dir, name);
      let key: KeyObject;
      try {
        key = createPublicKey(readFileSync(at, 'utf8'));
      } catch (error) {
        throw new ConfigError([`${at}: not a PEM public key (${(error as Error).message})`]);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError([`${at}: must be an Ed25519 public key`]);
      return publicJwk(key);
    });
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

/** The public half (of a private or public key) as a JWK, `kid` being its RFC 7638 thumbprint. */
export function publicJwk(key: KeyObject): ReceiptJwk {
  const { x } = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }) as { x: string };
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
