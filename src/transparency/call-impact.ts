import {
  compileConsents,
  decide,
  EMPTY_CONSENTS,
  type ConsentCategory,
  type Decision,
  type Policy,
} from '@flowgate/core';

/**
 * Recent guarded calls under another map. The guards' `call` reports (created with
 * `reportCalls`) count each call by what decides it: subprocessor, purpose, the field keys
 * it carried and the user's consent category for the flow. That is all the engine reads, so
 * each counted bucket is decided again, by the engine itself, under the current and the
 * next policy; a call changes outcome when the fields it may send differ. No user id is
 * needed, and none is reported.
 */
export interface ReportedCalls {
  subprocessor: string;
  purpose: string | null;
  /** The field keys the calls carried. */
  fields: readonly string[];
  consent: ConsentCategory;
  count: number;
}

export interface CallChanges {
  /** Calls reported for the flow in the window. */
  reported: number;
  /** Calls whose outcome (the fields allowed to go) differs under the next map. */
  changed: number;
  /** Of those, calls that would send less (a field blocked, or the whole call denied). */
  newlyBlocked: number;
  /** Of those, calls that would send more (a field allowed, or the call allowed). */
  newlyAllowed: number;
}

/** The outcome of one bucket under `policy`, a grant standing for the version `grantVersion` of the flow. */
function decideBucket(policy: Policy, calls: ReportedCalls, at: number, grantVersion: (flowKey: string) => number | undefined): Decision {
  const request = {
    subprocessor: calls.subprocessor,
    ...(calls.purpose === null ? {} : { purpose: calls.purpose }),
    fields: calls.fields,
    at,
  };
  const plain = decide(policy, EMPTY_CONSENTS, request);
  if (calls.consent === 'none' || plain.flowKey === null) return plain;
  if (calls.consent === 'gpc') return decide(policy, EMPTY_CONSENTS, { ...request, gpc: true });
  const key = plain.flowKey;
  const id = policy.flowIds.get(key);
  const version = grantVersion(key) ?? (id === undefined ? 1 : policy.flows[id].version);
  const consents = compileConsents(policy, { [key]: { granted: calls.consent === 'granted', version } });
  return decide(policy, consents, request);
}

/** Per flow (the next map's key, else the current one's): how its reported calls would change. */
export function callChanges(before: Policy, after: Policy, calls: readonly ReportedCalls[], at: number): Map<string, CallChanges> {
  // A grant was given for the flow as the user saw it: the current map's version of it.
  const beforeVersion = (key: string) => {
    const id = before.flowIds.get(key);
    return id === undefined ? undefined : before.flows[id].version;
  };
  const out = new Map<string, CallChanges>();
  for (const bucket of calls) {
    const was = decideBucket(before, bucket, at, beforeVersion);
    const will = decideBucket(after, bucket, at, beforeVersion);
    const flow = will.flowKey ?? was.flowKey ?? (bucket.purpose === null ? bucket.subprocessor : `${bucket.subprocessor}.${bucket.purpose}`);
    let entry = out.get(flow);
    if (entry === undefined) out.set(flow, (entry = { reported: 0, changed: 0, newlyBlocked: 0, newlyAllowed: 0 }));
    entry.reported += bucket.count;
    // The outcome: whether the call goes whole (`allow`), and which fields may go (redact mode sends those).
    const wasSent = new Set(was.allowedFields);
    const willSent = new Set(will.allowedFields);
    const lost = [...wasSent].some((f) => !willSent.has(f)) || (was.allow && !will.allow);
    const gained = [...willSent].some((f) => !wasSent.has(f)) || (!was.allow && will.allow);
    if (lost || gained) entry.changed += bucket.count;
    if (lost) entry.newlyBlocked += bucket.count;
    if (gained) entry.newlyAllowed += bucket.count;
  }
  return out;
}
