/**
 * The preference-centre API's answers (src/consent). The preferences view's types are the
 * server's own (a types-only module); the rest are as far as this page reads them.
 */
export type {
  FieldSummary,
  FlowPreference,
  PreferencesResponse,
  PurposePreferences,
} from '../../../src/consent/preferences.types';

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
