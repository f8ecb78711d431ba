import { classifyText, classifyValue as classifyKind, ibanChecksumValid, luhn, type Decision } from '@flowgate/core';
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
  // A key that is itself personal data (`recipients["carol@example.com"]`).
  if (names.some((name) => classifyText(name) !== null)) return 'personal-key';
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

/** The drift detector for one value (`email-value`, `card-value`, …), from the engine's value classifiers. */
export function classifyValue(value: unknown): string | null {
  const kind = classifyKind(value);
  return kind === null ? null : `${kind}-value`;
}

export { ibanChecksumValid, luhn };

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
