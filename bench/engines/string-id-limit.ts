/**
 * The limit engine: the verdict of Flowgate's field-key rules hand-written for this one job,
 * as fast as plain TypeScript over string ids goes. No payloads, no URL paths, no reasons,
 * no schedules: flow by two hash lookups (vendor, purpose), the user's choice from a few
 * small integers, one hash lookup per field. It answers what `decide(...).allow` answers
 * for the field-key requests of the synthetic world (the bench checks that on a sample).
 */
import type { ConsentChoice, DecisionRequest, PolicyMap } from '@flowgate/core';

const EXCLUDED = -1;
const REQUIRED = 0;
const OPT_OUT = 1;
const OPT_IN = 2;

interface LimitFlow {
  readonly index: number;
  readonly mode: number;
  /** Field key → `since`, or EXCLUDED; absent: not sent. */
  readonly fields: Map<string, number>;
}

interface LimitVendor {
  readonly byPurpose: Map<string, LimitFlow>;
  /** The flow used without a purpose: only when the vendor has exactly one. */
  readonly only: LimitFlow | null;
}

/** A user's choices: `[flow index, granted ? version + 1 : -(version + 1)]` pairs, or null. */
export type LimitConsents = Int32Array | null;

export class StringIdLimitEngine {
  private readonly vendors = new Map<string, LimitVendor>();
  private readonly flowIndex = new Map<string, number>();

  constructor(map: PolicyMap) {
    const byVendor = new Map<string, Map<string, LimitFlow>>();
    map.flows.forEach((f, index) => {
      const fields = new Map<string, number>();
      for (const { key, since } of f.fields) fields.set(key, since);
      for (const key of f.excludedFields) fields.set(key, EXCLUDED);
      const mode = f.mode === 'required' ? REQUIRED : f.mode === 'opt-out' ? OPT_OUT : OPT_IN;
      const purposes = byVendor.get(f.subprocessor) ?? new Map<string, LimitFlow>();
      byVendor.set(f.subprocessor, purposes.set(f.purpose, { index, mode, fields }));
      this.flowIndex.set(f.key, index);
    });
    for (const [key, byPurpose] of byVendor) {
      this.vendors.set(key, { byPurpose, only: byPurpose.size === 1 ? [...byPurpose.values()][0] : null });
    }
  }

  /** A user's choices as the engine keeps them (versions as the synthetic world writes them: small positive integers). */
  consentsOf(choices: readonly (readonly [string, ConsentChoice])[]): LimitConsents {
    if (choices.length === 0) return null;
    const pairs = new Int32Array(choices.length * 2);
    choices.forEach(([key, { granted, version }], i) => {
      pairs[2 * i] = this.flowIndex.get(key) ?? -1;
      pairs[2 * i + 1] = granted ? version + 1 : -(version + 1);
    });
    return pairs;
  }

  allows(consents: LimitConsents, userGpc: boolean, request: DecisionRequest): boolean {
    const vendor = this.vendors.get(request.subprocessor);
    if (vendor === undefined) return false;
    const flow = request.purpose === undefined ? vendor.only : vendor.byPurpose.get(request.purpose);
    if (flow === undefined || flow === null) return false;
    let choice = 0;
    if (flow.mode !== REQUIRED && consents !== null) {
      for (let i = 0; i < consents.length; i += 2) {
        if (consents[i] === flow.index) {
          choice = consents[i + 1];
          break;
        }
      }
    }
    if (flow.mode === OPT_OUT && (choice < 0 || (choice === 0 && (userGpc || request.gpc === true)))) return false;
    if (flow.mode === OPT_IN && choice <= 0) return false;
    const grantedAt = flow.mode === OPT_IN ? choice - 1 : Number.POSITIVE_INFINITY;
    const fields = request.fields;
    if (fields === undefined) return true;
    for (let i = 0; i < fields.length; i++) {
      const since = flow.fields.get(fields[i]);
      if (since === undefined || since === EXCLUDED || since > grantedAt) return false;
    }
    return true;
  }
}
