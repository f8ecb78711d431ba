/**
 * A change notice as the public page, the JSON and the Atom feed show it: a dated,
 * published change of the subprocessor list with the date it takes effect and how to
 * object before then (GDPR Art. 28(2)).
 */
export interface PageNotice {
  id: number;
  /** `added-subprocessor` | `replaced-subprocessor` | `added-field` | `changed-location`. */
  kinds: string[];
  /** One sentence per change, e.g. `Vendor E is added as a subprocessor.`, in the page's language. */
  changes: string[];
  /**
   * Set when `changes` are not in the page's language: notices made before their changes
   * were stored as facts keep the English sentences they were published with.
   */
  changesLanguage?: 'en';
  /** ISO instant the notice was published. */
  noticeDate: string;
  /** ISO instant the new or widened flows are enforced from. */
  effectiveDate: string;
  /** The map version that made the change. */
  mapVersion: number;
  /** Set when an admin made it effective at once; the recorded reason. */
  override?: { reason: string; at: string };
  /** How to object, e.g. `Write to privacy@example.com before 2026-12-31.` */
  objection: string;
}

/**
 * One change a notice announces, as stored (`change_notice.facts`): the facts, in the map's
 * own names, from which each language writes its sentence (`PageMessages.change`).
 */
export type NoticeFact =
  | { kind: 'subprocessor-added'; vendor: string }
  | { kind: 'subprocessor-replaced'; vendor: string; replaces: string[] }
  /** A new flow: `fields` are the names of what it sends (empty: no personal data). */
  | { kind: 'flow-added'; vendor: string; purpose: string; fields: string[] }
  /** A flow that now sends more: the names of the added fields. */
  | { kind: 'fields-added'; vendor: string; purpose: string; fields: string[] }
  /** Location codes as listed (empty: not stated). */
  | { kind: 'location-changed'; vendor: string; locations: string[]; before: string[] };

/** A stored notice, for the public page: what it shows, and the facts its sentences come from. */
export interface PublishedNotice extends PageNotice {
  /** Null for notices stored before facts were (their `changes` are English). */
  facts: NoticeFact[] | null;
}
