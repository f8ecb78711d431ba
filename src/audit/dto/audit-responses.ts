import type { AuditKind } from '@flowgate/core';

export interface CountByKey {
  key: string;
  count: number;
}

export interface AuditSummaryResponse {
  from: string;
  to: string;
  /** The kinds counted. */
  kinds: AuditKind[];
  subprocessor: string | null;
  total: number;
  /** Records guards dropped (their buffer was full) in batches received in the window. */
  dropped: number;
  byKind: CountByKey[];
  bySubprocessor: CountByKey[];
  byField: CountByKey[];
  byReason: CountByKey[];
  byService: CountByKey[];
}

export interface DriftItem {
  subprocessor: string;
  purpose: string | null;
  /** A map field the flow does not declare, or a payload path no field declares. */
  field: string;
  /** What matched: `map-field`, `key-name`, `email-value`, … */
  detector: string;
  count: number;
  firstAt: string;
  lastAt: string;
  services: string[];
}

export interface AuditDriftResponse {
  from: string;
  to: string;
  subprocessor: string | null;
  items: DriftItem[];
}

export interface RecordAuditEventsResponse {
  batchId: number;
  accepted: number;
}
