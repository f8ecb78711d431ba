import type { BlockedField, Decision } from '@flowgate/core';

/**
 * One decision for a call made of several parts (query string, body), each decided by the
 * engine on its own. A field's reason depends only on the field and the flow, so parts
 * agree on it; paths are merged. The flow-level reason and flow are the same for all parts.
 */
export function mergeDecisions(decisions: readonly Decision[]): Decision {
  if (decisions.length === 1) return decisions[0];
  const first = decisions[0];
  const allowed = new Set<string>();
  const blocked = new Map<string, { reason: BlockedField['reason']; paths: string[] | undefined }>();
  for (const d of decisions) {
    for (const field of d.allowedFields) allowed.add(field);
    for (const b of d.blocked) {
      const seen = blocked.get(b.field);
      if (seen === undefined) blocked.set(b.field, { reason: b.reason, paths: b.paths ? [...b.paths] : undefined });
      else if (b.paths) seen.paths = [...new Set([...(seen.paths ?? []), ...b.paths])];
    }
  }
  for (const field of blocked.keys()) allowed.delete(field);
  return {
    allow: decisions.every((d) => d.allow),
    reason: first.reason,
    allowedFields: [...allowed],
    blocked: [...blocked].map(([field, { reason, paths }]) => (paths ? { field, reason, paths } : { field, reason })),
    flowKey: first.flowKey,
    policyVersion: first.policyVersion,
  };
}

/** `decision` with more blocked entries (e.g. a body the guard cannot read). */
export function withBlocked(decision: Decision, extra: readonly BlockedField[]): Decision {
  if (extra.length === 0) return decision;
  return { ...decision, allow: false, blocked: [...decision.blocked, ...extra] };
}

/** The purpose a decision was taken for: the request's, else the flow's (`<subprocessor>.<purpose>`). */
export function purposeOf(subprocessor: string, purpose: string | undefined, decision: Decision): string | null {
  if (purpose !== undefined) return purpose;
  const key = decision.flowKey;
  return key !== null && key.startsWith(`${subprocessor}.`) ? key.slice(subprocessor.length + 1) : null;
}
