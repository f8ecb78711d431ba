import type { GuardMode } from '../vocabulary.js';

/*
 * The audit wire contract: what guards send to `POST /api/v1/audit/events` and the server
 * stores. Never carries payload values or user ids.
 */

/**
 * What a guard reports: calls it stopped, calls monitor mode let through, undeclared personal
 * data, and (when the guard is created with `reportCalls`) every call it decided, allowed or
 * not, so the impact of a map change can re-decide recent calls under the new map.
 */
export const AUDIT_KINDS = ['blocked', 'monitored', 'drift', 'call'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * For a `call` record, the user's stored choice for the flow when the guard decided: what
 * the engine needs to decide the same call again under another map. A category, never the
 * user: `gpc` is no choice with a Global Privacy Control signal.
 */
export const CONSENT_CATEGORIES = ['granted', 'denied', 'none', 'gpc'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

/** A `call` record's `field`: the field keys the call carried, sorted, joined by commas (`-` for none). */
export function callFieldsOf(fields: readonly string[]): string {
  return fields.length === 0 ? '-' : [...fields].sort().join(',');
}

/** The field keys of a `call` record's `field`. */
export function fieldsOfCall(field: string): string[] {
  return field === '-' || field === '' ? [] : field.split(',');
}

/** One thing a guard saw. Never carries payload values or user ids. */
export interface AuditRecord {
  readonly kind: AuditKind;
  readonly subprocessor: string;
  /** The purpose asked for, the flow's own when none was, or null when unknown. */
  readonly purpose: string | null;
  /**
   * A field key, the payload path of data no field declares, or `*` for the call as a whole;
   * for `call`, every field key the call carried (`callFieldsOf`).
   */
  readonly field: string;
  /**
   * A decision reason code; for drift, the detector that matched (`email-value`, `key-name`,
   * …); for `call`, the user's `ConsentCategory` for the flow.
   */
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
