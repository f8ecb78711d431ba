/**
 * Value classifiers: strings (and numbers) that plainly are personal data, whatever the
 * field around them says. Used by the engine on every value sent, and by the SDK's drift
 * detection. Each returns a kind, or null.
 */
export const VALUE_KINDS = ['email', 'phone', 'card', 'iban', 'ip'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const EMAIL_IN_TEXT = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[A-Za-z]{2,}/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}$/i;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
/** ISO 8601 dates and times: digits and dashes, but no phone number. */
const ISO_DATE_TIME = /^(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]\d{2}:?\d{2})?$/;
/** Where a string is cut into tokens (an email, IBAN, card or IP holds none of these). */
const TOKEN_SEPARATORS = /[\s,;:=&|"'<>()[\]{}]+/;

/** The kind of one whole value: `bob@example.com` → email; null when it is none. */
export function classifyValue(value: unknown): ValueKind | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  if (s.length < 3 || s.length > 320) return null;
  if (EMAIL.test(s)) return 'email';
  if (IPV4.test(s) || (s.includes(':') && IPV6.test(s) && s.split(':').length > 3)) return 'ip';
  const compact = s.replace(/[\s-]/g, '');
  if (IBAN.test(compact) && ibanChecksumValid(compact)) return 'iban';
  // Card numbers start 2–6 (a 13-digit millisecond timestamp starts with 1).
  if (/^[2-6]\d{12,18}$/.test(compact) && luhn(compact)) return 'card';
  if (ISO_DATE_TIME.test(s)) return null;
  const digits = s.replace(/\D/g, '').length;
  // E.164: a phone number has at most 15 digits (a card-shaped 16 is not one).
  if (PHONE.test(s) && /\d{3}/.test(s) && digits >= 7 && digits <= 15 && /[\s+().-]/.test(s)) return 'phone';
  return null;
}

/**
 * The kind of personal data a string sent somewhere carries: the whole value, its tokens
 * (free text, `user:password`, `a=b; c=d`), and the same after one level of URL decoding
 * and of base64 decoding. Strings with neither `@`, `%` nor a digit are skipped at once.
 */
export function classifyText(value: unknown): ValueKind | null {
  if (typeof value === 'number') return classifyValue(value);
  if (typeof value !== 'string' || value.length < 3) return null;
  const kind = scan(value);
  if (kind !== null) return kind;
  if (value.includes('%')) {
    let decoded: string | null = null;
    try {
      decoded = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      decoded = null;
    }
    if (decoded !== null && decoded !== value) {
      const hit = scan(decoded);
      if (hit !== null) return hit;
    }
  }
  // A token is decoded only if it holds an upper-case letter, a digit, `+` or `/`: without
  // one anywhere (a plain word, `chart.opened`), no token is, so nothing is split or matched.
  if (!hasBase64Marker(value)) return null;
  return scanBase64Tokens(value);
}

/**
 * The tokens of `value.split(TOKEN_SEPARATORS)` that are base64 (`BASE64`: 8 or more of
 * `[A-Za-z0-9+/_-]`; `=` is a separator, so no token holds padding) with a character of
 * `[A-Z0-9+/]`, decoded and scanned in order; the first kind found. One pass over the
 * characters, no array, and no substring or regular expression but for a candidate token
 * (or a non-ASCII character, tested against `\s`): on a cold CPU (the guard runs right after an I/O wait) the three regular expressions and the
 * split this replaces cost several microseconds. The property test holds it to them.
 */
function scanBase64Tokens(value: string): ValueKind | null {
  let start = 0;
  let valid = true;
  let marked = false;
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? -1 : value.charCodeAt(i);
    if (c === -1 || isTokenSeparator(c)) {
      if (valid && marked && i - start >= 8) {
        const decoded = decodeBase64(value.slice(start, i));
        if (decoded !== null) {
          const hit = scan(decoded);
          if (hit !== null) return hit;
        }
      }
      start = i + 1;
      valid = true;
      marked = false;
    } else if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 47) {
      marked = true;
    } else if (!((c >= 97 && c <= 122) || c === 95 || c === 45)) {
      valid = false;
    }
  }
  return null;
}

/** Whether the UTF-16 code unit `c` matches `TOKEN_SEPARATORS` (`\s`, or one of `,;:=&|"'<>()[]{}`). */
function isTokenSeparator(c: number): boolean {
  return c < 128 ? ASCII_SEPARATOR[c] === 1 : WHITESPACE.test(String.fromCharCode(c));
}

/** 1 at each ASCII code unit `TOKEN_SEPARATORS` matches. */
const ASCII_SEPARATOR = new Uint8Array(128);
for (const c of '\t\n\v\f\r ,;:=&|"\'<>()[]{}') ASCII_SEPARATOR[c.charCodeAt(0)] = 1;
const WHITESPACE = /^\s$/;

/** Whether `s` holds a character of `/[A-Z0-9+/]/`, without a regular expression. */
function hasBase64Marker(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 47 && c <= 57) || c === 43) return true;
  }
  return false;
}

/** Every kind has an `@` (email) or at least four digits (IP, IBAN, card, phone). */
function mayHoldAKind(s: string): boolean {
  if (s.includes('@')) return true;
  let digits = 0;
  for (let i = 0; i < s.length && digits < 4; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits >= 4;
}

function scan(s: string): ValueKind | null {
  if (!mayHoldAKind(s)) return null;
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

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** base64 or base64url text that decodes to printable ASCII (what an email, IBAN or card is); null otherwise. */
function decodeBase64(token: string): string | null {
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

/** The kinds a field may carry, read off its key's words unless the map says (`carries`). */
export function kindsOfField(key: string, carries?: readonly string[]): readonly ValueKind[] {
  if (carries !== undefined) return VALUE_KINDS.filter((k) => carries.includes(k));
  const words = key.toLowerCase().split(/[^a-z0-9]+/);
  const has = (...w: string[]) => words.some((x) => w.includes(x));
  const kinds: ValueKind[] = [];
  if (has('email', 'mail', 'contact')) kinds.push('email');
  if (has('phone', 'mobile', 'tel', 'telephone', 'fax', 'contact')) kinds.push('phone');
  if (has('card', 'pan', 'payment')) kinds.push('card');
  if (has('iban', 'bank', 'account', 'payment')) kinds.push('iban');
  if (has('ip', 'device', 'network')) kinds.push('ip');
  return kinds;
}

/** ISO 13616: move the country and check digits to the end, letters to numbers (A=10…), mod 97 = 1. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** The Luhn check digit of card numbers. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
