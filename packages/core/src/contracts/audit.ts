import type { GuardMode } from '../vocabulary.js';

/*
 * The audit wire contract: what guards send to `POST /api/v1/audit/events` and the server
 * stores. Never carries payload values or user ids.
 */

/** What a guard reports: calls it stopped, calls monitor mode let through, undeclared personal data. */
export const AUDIT_KINDS = ['blocked', 'monitored', 'drift'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One thing a guard saw. Never carries payload values or user ids. */
export interface AuditRecord {
  readonly kind: AuditKind;
  readonly subprocessor: string;
  /** The purpose asked for, the flow's own when none was, or null when unknown. */
  readonly purpose: string | null;
  /** A field key, the payload path of data no field declares, or `*` for the call as a whole. */
  readonly field: string;
  /** A decision reason code; for drift, the detector that matched (`email-value`, `key-name`, …). */
  readonly reason: string;
  readonly mode: GuardMode;
  readonly policyVersion: number;
}

/** Records counted by identity over a period: what the audit endpoint receives. */
export interface AuditEvent extends AuditRecord {
  readonly count: number;
  /** ISO-8601 times of the first and last occurrence in this batch. */
  readonly firstAt: string;
  readonly lastAt: string;
}

/** The body of `POST /api/v1/audit/events`. */
export interface AuditBatch {
  /** The reporting service's name, as configured. */
  readonly service: string;
  readonly events: readonly AuditEvent[];
  /** Records dropped because the buffer was full since the last batch. */
  readonly dropped: number;
}
