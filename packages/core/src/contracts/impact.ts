/*
 * The impact wire contract: what `POST /api/v1/impact` answers (a dry-run import of a
 * manifest), read by the graph page. Counts only: never a user id or a payload value.
 */

/** One flow the next map would change, and whom and what the change reaches. */
export interface FlowImpact {
  flow: string;
  change: 'added' | 'removed' | 'changed';
  /** Changed properties (for `changed`). */
  properties: string[];
  users: {
    /** Users who lose the flow (allowed before, denied after). */
    lose: number;
    /** Users who gain it. */
    gain: number;
    /** Granted users of an opt-in flow that now sends more: its new fields wait for consent again. */
    reconsent: number;
  };
  calls: {
    /** Blocked calls (or blocked fields of calls) in the window the new map would let through. */
    unblocked: number;
    perDay: number;
    /** Calls of this flow the guards reported (`call` reports, from guards with `reportCalls`) in the window. */
    reported: number;
    /** Of those, calls whose outcome would change: each decided again by the engine under the next map. */
    changed: number;
    /** Calls that would send less (a field blocked, or denied whole). */
    newlyBlocked: number;
    /** Calls that would send more. */
    newlyAllowed: number;
    /** `changed` per day of the window. */
    changedPerDay: number;
  };
}

/** The answer of `POST /api/v1/impact`: per flow that would change, users and calls. */
export interface ImpactReport {
  days: number;
  knownUsers: number;
  /** Every call reported by guards with `reportCalls` in the window (0: the `calls.changed` counts have no data). */
  reportedCalls: number;
  note: string;
  flows: FlowImpact[];
}
