import type {
  ConsentMode,
  LegalBasis,
  Sensitivity,
  SubprocessorCategory,
  TransferMechanism,
} from '@flowgate/core';

/**
 * The data map as a plain document: the manifest file format (YAML or JSON) and the
 * shape every part of Flowgate exchanges (import, export, policy compilation).
 * Documented in docs/manifest.md; machine-checked by docs/manifest.schema.json.
 */
export interface Manifest {
  /** Format version of the manifest file itself. */
  version: 1;
  /** Optional: whose map this is. */
  organization?: string;
  fields: ManifestField[];
  purposes: ManifestPurpose[];
  subprocessors: ManifestSubprocessor[];
  flows: ManifestFlow[];
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
  /** ISO 3166-1 alpha-2 codes, or `EU`. */
  locations: string[];
  category: SubprocessorCategory;
  transferMechanism?: TransferMechanism;
  description?: string;
  /** Where it is reached (`api.stripe.com`, `*.logrocket.io`, `api.sendgrid.com` + `/v3/mail`), for the egress guard. */
  endpoints?: ManifestEndpoint[];
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
  /** Field keys the subprocessor receives for this purpose. */
  fields: string[];
  /** Field keys it explicitly does not receive. */
  excludedFields?: string[];
  description?: string;
  /**
   * Translations of `description` by language (`de`, `fr`, …), for the preference centre.
   * The manifest file writes them inline: `description: { en: …, de: … }` (the `en` entry,
   * or the first, is `description` itself).
   */
  descriptions?: Record<string, string>;
}
