/**
 * The data map's closed vocabularies, in one place. Everything that validates, stores,
 * renders or decides on these values imports them from here.
 */

/**
 * The company has not stated this (legal basis, locations, data categories): distinct
 * from "none" (`fields: []`), reported as a warning and in the completeness report.
 */
export const NOT_STATED = 'not-stated' as const;
export type NotStated = typeof NOT_STATED;

export const SENSITIVITIES = ['personal', 'special', 'pseudonymous', 'none'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export const CONSENT_MODES = ['required', 'opt-out', 'opt-in'] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];

export const LEGAL_BASES = [
  'contract',
  'legitimate-interests',
  'consent',
  'legal-obligation',
  'not-stated',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const SUBPROCESSOR_CATEGORIES = [
  'infrastructure',
  'payments',
  'support',
  'analytics',
  'messaging',
  'crm',
  'monitoring',
  'translation',
  'security',
  'identity',
  'productivity',
  'marketing',
  'accounting',
  'ai',
  'advertising',
  'content-delivery',
  'customer-data-platform',
  'data-warehouse',
  'developer-tools',
  'scheduling',
  'search',
  'hr',
  'legal',
  'other',
] as const;
export type SubprocessorCategory = (typeof SUBPROCESSOR_CATEGORIES)[number];

/**
 * How a transfer outside the EEA is made lawful. `none` means no transfer happens
 * (processing stays in the EEA); `unknown` means the published list does not say.
 */
export const TRANSFER_MECHANISMS = ['none', 'adequacy', 'dpf', 'scc', 'bcr', 'unknown'] as const;
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number];

/** ISO 3166-1 alpha-2 codes of the EU/EEA member states, plus `EU` for "somewhere in the EU". */
export const EEA_LOCATIONS: ReadonlySet<string> = new Set([
  'EU', 'EEA',
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT',
  'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]);

/**
 * Location values wider than one country: `EEA` (somewhere in the EU/EEA, like `EU`) and
 * regions that are not all inside it. `worldwide` means anywhere, so a third country.
 */
export const REGION_LOCATIONS = [
  'EEA',
  'worldwide',
  'europe',
  'north-america',
  'latin-america',
  'asia-pacific',
  'middle-east',
  'africa',
] as const;
export type RegionLocation = (typeof REGION_LOCATIONS)[number];

/** Who the data is about, per flow: the company's business customers, their end users, website visitors (no user id: decided by an anonymous id). */
export const AUDIENCES = ['customers', 'end-users', 'website-visitors'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** The company's GDPR role towards an audience. */
export const DATA_ROLES = ['controller', 'processor'] as const;
export type DataRole = (typeof DATA_ROLES)[number];

/** `feature`: the flow is on while the user uses a feature; the host grants it on activation. */
export const ACTIVATIONS = ['feature'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export type Region = 'eea' | 'third-country';

/**
 * A subprocessor is inside the EEA only when every place it processes is; no stated
 * location is read conservatively as a third country.
 */
export function regionOf(locations: readonly string[] | NotStated): Region {
  if (locations === NOT_STATED || locations.length === 0) return 'third-country';
  return locations.every((l) => EEA_LOCATIONS.has(l)) ? 'eea' : 'third-country';
}

/** Keys: lower-case dotted segments of [a-z0-9-], e.g. `user.contact.email`. */
export const KEY_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/;
/** Subprocessor keys are single slugs (no dots), so a flow key splits unambiguously. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Location codes: ISO 3166-1 alpha-2, upper case, or `EU`, or one of `REGION_LOCATIONS`. */
export const LOCATION_PATTERN =
  /^(?:[A-Z]{2}|EEA|worldwide|europe|north-america|latin-america|asia-pacific|middle-east|africa)$/;
/**
 * Payload paths: dotted property names, `[*]` for every array element,
 * e.g. `customer.email`, `to[*].email`, `metadata.user_email`.
 */
export const PATH_PATTERN = /^[A-Za-z0-9_$-]+(?:\[\*\])?(?:\.[A-Za-z0-9_$-]+(?:\[\*\])?)*$/;
/**
 * URL path templates, a field's place in the request path: `url:/u/{}/track` says the
 * second path segment of a request to `/u/<value>/track` is that field.
 */
export const URL_TEMPLATE_PATTERN = /^url:(?:\/(?:[A-Za-z0-9_.~-]+|\{\}))+$/;
/**
 * What a field's `paths` may hold: payload paths (covering the value there, and the
 * elements of an array there), the same ending in `.**` (covering everything below too),
 * and URL path templates.
 */
export const FIELD_PATH_PATTERN = new RegExp(`${PATH_PATTERN.source.slice(0, -1)}(?:\\.\\*\\*)?$|${URL_TEMPLATE_PATTERN.source}`);

export const MAX_KEY_LENGTH = 100;
export const MAX_NAME_LENGTH = 200;
export const MAX_TEXT_LENGTH = 2000;
export const MAX_URL_LENGTH = 500;

/** A flow's key is derived: `<subprocessor>.<purpose>` (one flow per pair). */
export function flowKeyOf(subprocessor: string, purpose: string): string {
  return `${subprocessor}.${purpose}`;
}

// ── consent ──────────────────────────────────────────────────────────────────
export const CHOICES = ['granted', 'denied'] as const;
export type Choice = (typeof CHOICES)[number];

/**
 * Where a consent event came from: the end user's preference centre, an admin or service
 * calling the API on the user's behalf, the browser's Global Privacy Control signal, an
 * import of choices collected elsewhere, or the host application turning a flow with
 * `activation: feature` on (or off) as the user turns that feature on (or off).
 */
export const CONSENT_SOURCES = ['preference-centre', 'api', 'gpc', 'import', 'feature-activation'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

// ── guard ────────────────────────────────────────────────────────────────────
/**
 * - `enforce`: a denied call throws `ConsentDeniedError` and never happens.
 * - `redact`: blocked fields are removed from a copy of the payload; the call goes if
 *   anything allowed remains (and the flow itself is allowed).
 * - `monitor`: every call goes unchanged; what would have been blocked is reported.
 */
export const GUARD_MODES = ['enforce', 'redact', 'monitor'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];
