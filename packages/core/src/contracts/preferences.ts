import type {
  ConsentMode,
  LegalBasis,
  Region,
  Sensitivity,
  SubprocessorCategory,
  TransferMechanism,
} from '../vocabulary.js';
import type { ReasonCode } from '../engine/index.js';
import type { Choice, ConsentSource } from '../vocabulary.js';

/*
 * The preference-centre API's answers (GET /api/v1/me/preferences). Types only, so the
 * web client imports them too and the two cannot drift apart.
 */

export interface FieldSummary {
  key: string;
  name: string;
  sensitivity: Sensitivity;
}

export interface FlowPreference {
  /** `<subprocessor>.<purpose>`: the key to PUT a choice to. */
  key: string;
  /** The flow's current version: a grant covers the version it was made at. */
  version: number;
  mode: ConsentMode;
  legalBasis: LegalBasis;
  description: string | null;
  /** `description` in other languages (`{ de: "…" }`, from the manifest); the client picks. */
  descriptions: Record<string, string>;
  subprocessor: {
    key: string;
    name: string;
    url: string | null;
    legalEntity: string | null;
    category: SubprocessorCategory;
    locations: string[];
    /** `eea` (EU/EEA) or `third-country`. */
    region: Region;
    transferMechanism: TransferMechanism | null;
  };
  /** What the vendor receives for this purpose. */
  fields: FieldSummary[];
  /**
   * False when the company has not stated what the vendor receives (`fields` is then
   * empty and does not mean "no personal data").
   */
  fieldsStated: boolean;
  /** Set for a flow that is on while the user uses this feature (granted by the host on activation). */
  feature?: string;
  /** What it explicitly does not receive. */
  excludedFields: FieldSummary[];
  /** The user's own choice, or null (the mode's default applies). */
  choice: {
    value: Choice;
    /** The flow version the choice was made at. */
    flowVersion: number;
    source: ConsentSource;
    recordedAt: string;
  } | null;
  /** What the decision engine does with this flow for this user right now. */
  status: 'allowed' | 'blocked';
  /** Why it is blocked (`opted-out`, `not-opted-in`, …); null when allowed. */
  reason: ReasonCode | null;
  /** False for required flows. */
  canChange: boolean;
  /** The flow added fields since the user's grant: those are blocked until they grant again. */
  needsReconsent: boolean;
  /** The fields blocked for `stale-consent`. */
  newFields: string[];
  /** The notice for this version, as recorded with a choice (its SHA-256 is in the event). */
  notice: string;
  noticeHash: string;
}

export interface PurposePreferences {
  key: string;
  name: string;
  description: string | null;
  /** `description` in other languages, as for flows. */
  descriptions: Record<string, string>;
  flows: FlowPreference[];
}

export interface PreferencesResponse {
  userId: string;
  /** The data-map (policy) version this view is computed from. */
  mapVersion: number;
  /** The user's consent state version. */
  stateVersion: number;
  /** A Global Privacy Control signal is on record for the user. */
  gpc: boolean;
  purposes: PurposePreferences[];
}
