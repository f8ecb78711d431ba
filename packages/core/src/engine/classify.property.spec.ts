import fc from 'fast-check';
import { classifyText, classifyValue, type ValueKind } from './classify.js';

/*
 * `classifyText`'s base64 stage is a hand-written scan (no regular expressions on the hot
 * path). Held here to the regular-expression form it replaced, kept below as the oracle:
 * `split(TOKEN_SEPARATORS)`, `BASE64`, the marker test, over strings built from base64
 * text (of emails, IBANs, cards, IPs: the hits), separators of every kind (ASCII, Unicode
 * whitespace, `=` padding), URL escapes and other characters.
 */

const EMAIL_IN_TEXT = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[A-Za-z]{2,}/;
const BASE64 = /^[A-Za-z0-9+/_-]{8,}={0,2}$/;
const BASE64_RUN = /[A-Za-z0-9+/_-]{8,}/;
const TOKEN_SEPARATORS = /[\s,;:=&|"'<>()[\]{}]+/;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function oracleClassifyText(value: unknown): ValueKind | null {
  if (typeof value === 'number') return classifyValue(value);
  if (typeof value !== 'string' || value.length < 3) return null;
  const kind = oracleScan(value);
  if (kind !== null) return kind;
  if (value.includes('%')) {
    let decoded: string | null = null;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      decoded = null;
    }
    if (decoded !== null && decoded !== value) {
      const hit = oracleScan(decoded);
      if (hit !== null) return hit;
    }
  }
  if (!/[A-Z0-9+/]/.test(value) || !BASE64_RUN.test(value)) return null;
  for (const token of value.split(TOKEN_SEPARATORS)) {
    if (token.length < 8 || !BASE64.test(token) || !/[A-Z0-9+/]/.test(token)) continue;
    const decoded = oracleDecodeBase64(token);
    if (decoded !== null) {
      const hit = oracleScan(decoded);
      if (hit !== null) return hit;
    }
  }
  return null;
}

function oracleScan(s: string): ValueKind | null {
  if (!s.includes('@') && (s.match(/\d/g) ?? []).length < 4) return null;
  const whole = classifyValue(s);
  if (whole !== null) return whole;
  if (s.includes('@') && EMAIL_IN_TEXT.test(s)) return 'email';
  if (s.length > 320 || !TOKEN_SEPARATORS.test(s)) return null;
  for (const token of s.split(TOKEN_SEPARATORS)) {
    if (token.length < 7) continue;
    const kind = classifyValue(token);
    if (kind !== null && kind !== 'phone') return kind;
  }
  return null;
}

function oracleDecodeBase64(token: string): string | null {
  let bits = 0;
  let count = 0;
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c === '=') break;
    const v = B64.indexOf(c === '-' ? '+' : c === '_' ? '/' : c);
    if (v < 0) return null;
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      const byte = (bits >> count) & 0xff;
      if (byte < 0x20 || byte > 0x7e) return null;
      out += String.fromCharCode(byte);
    }
  }
  return out;
}

const SECRETS = ['bob@example.com', 'a.b@mail.example.org', 'DE89370400440532013000', '4111111111111111', '192.168.10.20', 'user:bob@example.com', 'id=42'];
const b64 = (s: string, url: boolean) => Buffer.from(s).toString(url ? 'base64url' : 'base64');
const PIECES = [
  ...SECRETS.flatMap((s) => [b64(s, false), b64(s, true), b64(s, false).slice(1), encodeURIComponent(b64(s, false))]),
  ...SECRETS,
  '/projects/42', 'chart.opened', 'NPS Q3', 'Bearer', 'abcdefgh', 'ABCDEFGH12', 'a_b-c+d/e', '==', '=',
];
const CHARS = [
  ...'aZ09+/_-=.@%é€ \t\n\v\f\r,;:&|"\'<>()[]{}',
  '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085', '\u180e', '\ud83d',
];
const textArb = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.constantFrom(...CHARS), fc.string({ maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('classifyText (base64 stage)', () => {
  it('finds exactly what the regular-expression form found, on random text', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(classifyText(text)).toBe(oracleClassifyText(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('still finds base64-hidden data between every kind of separator, and not across a non-separator', () => {
    const token = b64('bob@example.com', false).replace(/=+$/, '');
    for (const sep of ['\u00a0', '\u2028', '\ufeff', '\u3000', '=', '{', '|', ' ']) {
      expect(classifyText(`x${sep}${token}${sep}y`)).toBe('email');
    }
    // `.` and `é` are neither base64 nor separators: the token around them is not decoded.
    expect(classifyText(`${token}.x`)).toBe(oracleClassifyText(`${token}.x`));
    expect(classifyText(`é${token}`)).toBeNull();
    expect(classifyText('/projects/42')).toBeNull();
  });
});
