import { type Activation, type Audience, type ConsentMode, type DataRole, type LegalBasis, NOT_STATED, type NotStated, type Sensitivity, type SubprocessorCategory, type TransferMechanism } from '@flowgate/core';

/**
 * The data map as a plain document: the manifest file format (YAML or JSON) and the
 * shape every part of Flowgate exchanges (import, export, policy compilation).
 * Documented in docs/manifest.md; machine-checked by docs/manifest.schema.json.
 *
 * Format version 2 is the canonical form (what `normalizeManifest` and export give);
 * a version-1 file reads unchanged: its `organization` is a name only, and its
 * `locations: []` means "not stated", as version 1 defined it.
 */
export interface Manifest {
  /** Format version of the manifest file itself. */
  version: 1 | 2;
  /** Whose map this is: a name (version 1), or the organisation block (version 2). */
  organization?: string | ManifestOrganization;
  fields: ManifestField[];
  purposes: ManifestPurpose[];
  subprocessors: ManifestSubprocessor[];
  flows: ManifestFlow[];
}

/** How the public subprocessor page groups vendors (the four styles of published lists). */
export const PAGE_GROUPINGS = ['region', 'role', 'access', 'data-shared'] as const;
export type PageGrouping = (typeof PAGE_GROUPINGS)[number];

/** The company that publishes the map: what its subprocessor page and record of processing say about it. */
export interface ManifestOrganization {
  /** The name people know it by, e.g. `Numberz`. */
  name: string;
  /** The legal entity, e.g. `CHARGEBEE INC.`. */
  legalName?: string;
  address?: string;
  privacyPolicyUrl?: string;
  dpaUrl?: string;
  /** Where customers object to a new subprocessor: an email address or a URL. */
  objectionContact?: string;
  /** The company's GDPR role per audience. */
  roles?: Partial<Record<Audience, DataRole>>;
  /** The public subprocessor page. */
  page?: ManifestPage;
}

export interface ManifestPage {
  /** The date the published list was last updated, `YYYY-MM-DD`. */
  date?: string;
  grouping?: PageGrouping;
  /** An introduction shown above the list. */
  intro?: string;
}

export interface ManifestField {
  key: string;
  name: string;
  sensitivity: Sensitivity;
  /** Where the field appears in an outbound payload: `email`, `customer.email`, `to[*].email`. */
  paths: string[];
  description?: string;
}

export interface ManifestPurpose {
  key: string;
  name: string;
  description?: string;
  /**
   * Translations of `description` by language (`de`, `fr`, …), for the preference centre.
   * The manifest file writes them inline: `description: { en: …, de: … }` (the `en` entry,
   * or the first, is `description` itself).
   */
  descriptions?: Record<string, string>;
}

export interface ManifestSubprocessor {
  key: string;
  name: string;
  url?: string;
  legalEntity?: string;
  address?: string;
  /** The group it belongs to, e.g. `Alphabet Inc.` for Google Cloud and Google Analytics. */
  parent?: string;
  /** ISO 3166-1 alpha-2 codes, `EU`, a region value, or `not-stated` (canonical for `[]`). */
  locations: string[] | NotStated;
  category: SubprocessorCategory;
  transferMechanism?: TransferMechanism;
  /** Onward transfers: other subprocessors this one passes data on to. */
  transfers?: ManifestTransfer[];
  description?: string;
  /** Where it is reached (`api.stripe.com`, `*.logrocket.io`, `api.sendgrid.com` + `/v3/mail`), for the egress guard. */
  endpoints?: ManifestEndpoint[];
}

export interface ManifestTransfer {
  /** A subprocessor key. */
  to: string;
  description?: string;
}

export interface ManifestEndpoint {
  /** Lower-case host; `*.` in front for any subdomain; optional `:port`. */
  host: string;
  /** Path prefix, matched on whole segments. */
  path?: string;
  /** The purpose of calls to this endpoint, where the subprocessor has several. */
  purpose?: string;
}

export interface ManifestFlow {
  subprocessor: string;
  purpose: string;
  mode: ConsentMode;
  legalBasis: LegalBasis;
  /** Field keys the subprocessor receives for this purpose; `[]`: none; `not-stated`: the company does not say. */
  fields: string[] | NotStated;
  /** Field keys it explicitly does not receive. */
  excludedFields?: string[];
  /** Who the data is about. Absent: not stated. */
  audiences?: Audience[];
  /** `feature`: on while the user uses `feature`; the host grants it when the user turns the feature on. */
  activation?: Activation;
  /** The feature's name as users know it, e.g. `Translations`. */
  feature?: string;
  description?: string;
  /**
   * Translations of `description` by language (`de`, `fr`, …), for the preference centre.
   * The manifest file writes them inline: `description: { en: …, de: … }` (the `en` entry,
   * or the first, is `description` itself).
   */
  descriptions?: Record<string, string>;
}

/** The fields a flow sends: none when the company has not stated them (the guard blocks them as undeclared). */
export function sentFields(flow: Pick<ManifestFlow, 'fields'>): string[] {
  return flow.fields === NOT_STATED ? [] : flow.fields;
}

/** The locations stated for a subprocessor (empty when not stated). */
export function listedLocations(s: Pick<ManifestSubprocessor, 'locations'>): string[] {
  return s.locations === NOT_STATED ? [] : s.locations;
}

/** The organisation block of a manifest; a version-1 name becomes `{ name }`. */
export function organizationOf(m: Pick<Manifest, 'organization'>): ManifestOrganization | undefined {
  if (m.organization === undefined) return undefined;
  return typeof m.organization === 'string' ? { name: m.organization } : m.organization;
}
