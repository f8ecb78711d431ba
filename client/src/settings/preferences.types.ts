/**
 * The preference-centre API's answers (src/consent), as far as this page reads them.
 * Kept here rather than imported, so the client does not pull in server modules.
 */
import type {
  ConsentMode,
  LegalBasis,
  Region,
  Sensitivity,
} from '../../../src/data-map/data-map.vocabulary';
import type { EdgeBlockReason } from '../../../src/graph/graph.types';

export interface FieldSummary {
  key: string;
  name: string;
  sensitivity: Sensitivity;
}

export interface FlowPreference {
  key: string;
  version: number;
  mode: ConsentMode;
  legalBasis: LegalBasis;
  description: string | null;
  subprocessor: {
    key: string;
    name: string;
    url: string | null;
    legalEntity: string | null;
    category: string;
    locations: string[];
    region: Region;
    transferMechanism: string | null;
  };
  fields: FieldSummary[];
  excludedFields: FieldSummary[];
  choice: {
    value: 'granted' | 'denied';
    flowVersion: number;
    source: string;
    recordedAt: string;
  } | null;
  status: 'allowed' | 'blocked';
  reason: EdgeBlockReason | null;
  canChange: boolean;
  needsReconsent: boolean;
  newFields: string[];
}

export interface PurposePreferences {
  key: string;
  name: string;
  description: string | null;
  flows: FlowPreference[];
}

export interface PreferencesResponse {
  userId: string;
  mapVersion: number;
  stateVersion: number;
  gpc: boolean;
  purposes: PurposePreferences[];
}

export interface ConsentEvent {
  id: number;
  seq: number;
  flowKey: string | null;
  choice: 'granted' | 'denied';
  source: string;
  flowVersion: number | null;
  actor: string;
  recordedAt: string;
}

export interface HistoryPage {
  userId: string;
  version: number;
  items: ConsentEvent[];
  nextBefore: number | null;
}

export interface DemoLogin {
  userId: string;
  token: string;
  expiresAt: string;
}
