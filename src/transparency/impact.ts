import type { ConsentMode, FlowImpact, ImpactReport } from '@flowgate/core';
import { flowKeyOf } from '@flowgate/core';
import type { ManifestDiff } from '../data-map/manifest/manifest.diff';
import type { CallChanges } from './call-impact';
import { sentFields, type Manifest, type ManifestFlow } from '../data-map/manifest/manifest.types';

/**
 * The impact of a map change, per flow, from what is stored: how many known users would
 * gain or lose the flow (their stored choice and GPC signal read under the old and the new
 * mode), how many would be asked to consent again, and how many recently blocked calls
 * (the guards' audit reports) the new map would let through. Pure: the counts come in.
 */

/** Stored consent, counted: per flow, users who granted and who denied it. */
export interface ConsentCounts {
  /** Users with any consent record (`consent_subject`). */
  knownUsers: number;
  /** Users with a recorded GPC signal. */
  gpcUsers: number;
  byFlow: ReadonlyMap<string, { granted: number; denied: number; gpcWithChoice: number }>;
}

/** Audit reports of the last days, summed by what was blocked. */
export interface BlockedCalls {
  subprocessor: string;
  purpose: string | null;
  /** A field key, a payload path, or `*` for the call as a whole. */
  field: string;
  reason: string;
  count: number;
}

type Category = 'granted' | 'denied' | 'gpc' | 'none';

/** Whether a user in `category` gets a flow in `mode` (absent flow: nobody). */
function allowed(mode: ConsentMode | undefined, category: Category): boolean {
  if (mode === undefined) return false;
  if (mode === 'required') return true;
  if (mode === 'opt-out') return category === 'granted' || category === 'none';
  return category === 'granted';
}

export function impactOf(
  before: Manifest,
  after: Manifest,
  diff: ManifestDiff,
  consents: ConsentCounts,
  blocked: readonly BlockedCalls[],
  days: number,
  calls: ReadonlyMap<string, CallChanges> = new Map(),
): ImpactReport {
  const keyed = (m: Manifest) => new Map(m.flows.map((f) => [flowKeyOf(f.subprocessor, f.purpose), f]));
  const old = keyed(before);
  const next = keyed(after);
  const changes: Array<[string, FlowImpact['change'], string[]]> = [
    ...diff.flows.added.map((k): [string, FlowImpact['change'], string[]] => [k, 'added', []]),
    ...diff.flows.removed.map((k): [string, FlowImpact['change'], string[]] => [k, 'removed', []]),
    ...diff.flows.changed.map((c): [string, FlowImpact['change'], string[]] => [c.key, 'changed', c.properties]),
  ];
  const onlyFlow = (m: Map<string, ManifestFlow>, subprocessor: string) => {
    const own = [...m.values()].filter((f) => f.subprocessor === subprocessor);
    return own.length === 1 ? own[0] : undefined;
  };
  const flows = changes.map(([flow, change, properties]): FlowImpact => {
    const b = old.get(flow);
    const a = next.get(flow);
    const counts = consents.byFlow.get(flow) ?? { granted: 0, denied: 0, gpcWithChoice: 0 };
    const sizes: Record<Category, number> = {
      granted: counts.granted,
      denied: counts.denied,
      gpc: consents.gpcUsers - counts.gpcWithChoice,
      none: consents.knownUsers - counts.granted - counts.denied - (consents.gpcUsers - counts.gpcWithChoice),
    };
    let lose = 0;
    let gain = 0;
    for (const category of ['granted', 'denied', 'gpc', 'none'] as const) {
      const was = allowed(b?.mode, category);
      const is = allowed(a?.mode, category);
      if (was && !is) lose += sizes[category];
      if (!was && is) gain += sizes[category];
    }
    const wasSent = new Set(b ? sentFields(b) : []);
    const grows = a !== undefined && b !== undefined && sentFields(a).some((f) => !wasSent.has(f));
    const reconsent = grows && a.mode === 'opt-in' && b.mode === 'opt-in' ? counts.granted : 0;

    let unblocked = 0;
    if (a !== undefined) {
      const sent = new Set(sentFields(a));
      for (const call of blocked) {
        const target = call.purpose === null ? onlyFlow(next, call.subprocessor) : next.get(flowKeyOf(call.subprocessor, call.purpose));
        if (target !== a) continue;
        if (wouldPass(call, b, a, sent)) unblocked += call.count;
      }
    }
    const decided = calls.get(flow) ?? { reported: 0, changed: 0, newlyBlocked: 0, newlyAllowed: 0 };
    const perDay = (n: number) => (days > 0 ? n / days : n);
    return {
      flow,
      change,
      properties,
      users: { lose, gain, reconsent },
      calls: { unblocked, perDay: perDay(unblocked), ...decided, changedPerDay: perDay(decided.changed) },
    };
  });
  flows.sort((x, y) => (x.flow < y.flow ? -1 : x.flow > y.flow ? 1 : 0));
  return {
    days,
    knownUsers: consents.knownUsers,
    reportedCalls: [...calls.values()].reduce((n, c) => n + c.reported, 0),
    note:
      '`calls.unblocked` counts blocked reports the new map would let through; `calls.changed`, `newlyBlocked` and `newlyAllowed` re-decide every call reported by guards created with `reportCalls` (none without them).',
    flows,
  };
}

/** Would the new flow let through what the old map blocked for this reason? */
function wouldPass(call: BlockedCalls, before: ManifestFlow | undefined, after: ManifestFlow, sent: ReadonlySet<string>): boolean {
  const fieldOk = call.field === '*' || sent.has(call.field);
  switch (call.reason) {
    case 'no-flow':
      return before === undefined && fieldOk;
    case 'undeclared':
    case 'excluded':
      return call.field !== '*' && sent.has(call.field) && after.mode === 'required';
    case 'opted-out':
      return after.mode === 'required' && fieldOk;
    case 'not-opted-in':
      return (after.mode === 'required' || after.mode === 'opt-out') && fieldOk;
    default:
      return false;
  }
}
