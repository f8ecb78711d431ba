/**
 * A change notice as the public page, the JSON and the Atom feed show it: a dated,
 * published change of the subprocessor list with the date it takes effect and how to
 * object before then (GDPR Art. 28(2)).
 */
export interface PageNotice {
  id: number;
  /** `added-subprocessor` | `replaced-subprocessor` | `added-field` | `changed-location`. */
  kinds: string[];
  /** One sentence per change, e.g. `Vendor E added for Translation, receiving Uploaded text.` */
  changes: string[];
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
