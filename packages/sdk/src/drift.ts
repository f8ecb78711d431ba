import type { Decision } from '@flowgate/core';
import { EACH, parsePath, type PathSegment } from './payload-path.js';
import type { PolicyState } from './policy-source.js';

/** Something in a payload that looks like personal data the subprocessor's flow does not declare. */
export interface DriftHit {
  /** A map field key, or the normalized payload path. */
  readonly field: string;
  /** What matched: `map-field` (a personal field of the map), `key-name`, `email-value`, … */
  readonly detector: string;
}

/**
 * Drift: blocked `undeclared` data that is personal — a map field of personal, special or
 * pseudonymous sensitivity the flow does not send, or a payload key no field declares
 * whose name or value looks personal. Values are read only to classify; never reported.
 */
export function findDrift(
  decision: Decision,
  payload: unknown,
  sensitivities: PolicyState['sensitivities'] | null,
): DriftHit[] {
  const hits: DriftHit[] = [];
  for (const blocked of decision.blocked) {
    if (blocked.reason !== 'undeclared') continue;
    const sensitivity = sensitivities?.get(blocked.field);
    if (sensitivity !== undefined) {
      if (sensitivity !== 'none') hits.push({ field: blocked.field, detector: 'map-field' });
      continue;
    }
    const detector = classifyPath(blocked.field, payload);
    if (detector !== null) hits.push({ field: blocked.field, detector });
  }
  return hits;
}

const PERSONAL_TOKENS = new Set([
  'email', 'mail', 'phone', 'mobile', 'tel', 'telephone', 'fax', 'surname', 'firstname', 'lastname',
  'fullname', 'username', 'address', 'street', 'zip', 'zipcode', 'postcode', 'postal', 'ip', 'ssn',
  'dob', 'birthday', 'birthdate', 'birth', 'passport', 'iban', 'card', 'gender', 'lat', 'lng', 'lon',
  'latitude', 'longitude', 'geo', 'location', 'password', 'nationality', 'salary', 'religion', 'health',
]);
const NAME_QUALIFIERS = new Set(['first', 'last', 'full', 'given', 'family', 'middle', 'user', 'customer', 'contact', 'display', 'real', 'person']);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}$/i;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
/** ISO 8601 dates and times (`2026-12-01`, `2026-12-01T09:30:00Z`, `09:30:00`): digits and dashes, but no phone number. */
const ISO_DATE_TIME = /^(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]\d{2}:?\d{2})?$/;

/** The detector that finds `path` personal, by its key's name or by a value there; null when none. */
export function classifyPath(path: string, payload: unknown): string | null {
  let segments: PathSegment[];
  try {
    segments = parsePath(path);
  } catch {
    return null;
  }
  const names = segments.filter((s): s is string => s !== EACH);
  const last = names[names.length - 1];
  if (last !== undefined && looksPersonalKey(last)) return 'key-name';
  for (const value of valuesAt(payload, segments, 5)) {
    const detector = classifyValue(value);
    if (detector !== null) return detector;
  }
  return null;
}

export function looksPersonalKey(key: string): boolean {
  const tokens = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
  if (tokens.length === 1 && tokens[0] === 'name') return true;
  return tokens.some((t, i) => PERSONAL_TOKENS.has(t) || (t === 'name' && i > 0 && NAME_QUALIFIERS.has(tokens[i - 1])));
}

export function classifyValue(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  if (s.length < 3 || s.length > 320) return null;
  if (EMAIL.test(s)) return 'email-value';
  if (IPV4.test(s) || (s.includes(':') && IPV6.test(s) && s.split(':').length > 3)) return 'ip-value';
  const compact = s.replace(/[\s-]/g, '');
  if (IBAN.test(compact) && ibanChecksumValid(compact)) return 'iban-value';
  if (/^\d{13,19}$/.test(compact) && luhn(compact)) return 'card-value';
  if (ISO_DATE_TIME.test(s)) return null;
  const digits = s.replace(/\D/g, '').length;
  // E.164: a phone number has at most 15 digits (a card-shaped 16 is not one).
  if (PHONE.test(s) && /\d{3}/.test(s) && digits >= 7 && digits <= 15 && /[\s+().-]/.test(s)) return 'phone-value';
  return null;
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

/** Up to `max` primitive values found at a normalized path. */
function valuesAt(payload: unknown, segments: readonly PathSegment[], max: number): unknown[] {
  const out: unknown[] = [];
  const visit = (value: unknown, i: number): void => {
    if (out.length >= max) return;
    if (i === segments.length) {
      if (typeof value !== 'object' || value === null) out.push(value);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const segment = segments[i];
    if (segment === EACH) {
      if (Array.isArray(value)) for (const element of value as unknown[]) visit(element, i + 1);
    } else if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, segment)) {
      visit((value as Record<string, unknown>)[segment], i + 1);
    }
  };
  visit(payload, 0);
  return out;
}
