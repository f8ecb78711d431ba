import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../auth/clock';
import { ConsentsCache } from '../consent/consent-cache.service';
import { decide, unavailableDecision, type Decision, type DecisionRequest } from '@flowgate/core';
import { MetricsService } from '../observability/metrics.service';
import { PolicyService, type PolicySnapshot } from '../policy/policy.service';

export interface DecisionInput extends DecisionRequest {
  readonly userId: string;
}

export interface DecisionBatchResponse {
  policyVersion: number;
  /** In request order. */
  decisions: Decision[];
}

/**
 * The decision API: the one engine, on the cached compiled policy and the user's cached
 * compiled consents. Without a usable policy every decision fails closed.
 */
@Injectable()
export class DecisionsService {
  constructor(
    private readonly policies: PolicyService,
    private readonly consents: ConsentsCache,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * One decision. Synchronous (no promise) when the policy and the user's consents are both
   * cached, as they are for nearly every call: the decision API's hot path.
   */
  decide(input: DecisionInput): Decision | Promise<Decision> {
    const snapshot = this.policies.cached();
    if (snapshot === null) return this.policies.current().then((s) => this.decideOn(s, input));
    return this.decideOn(snapshot, input);
  }

  private decideOn({ policy, version }: PolicySnapshot, input: DecisionInput): Decision | Promise<Decision> {
    const request = toRequest(input, this.clock.now().getTime());
    if (policy === null) return this.counted(unavailableDecision(request, version));
    const consents = this.consents.consentsFor(input.userId, policy);
    if (consents instanceof Promise) return consents.then((c) => this.counted(decide(policy, c, request)));
    return this.counted(decide(policy, consents, request));
  }

  private counted(decision: Decision): Decision {
    this.metrics.decision(decision.allow, reasonOf(decision));
    return decision;
  }

  async decideBatch(inputs: readonly DecisionInput[]): Promise<DecisionBatchResponse> {
    const answer = await this.decideAll(inputs);
    for (const d of answer.decisions) this.metrics.decision(d.allow, reasonOf(d));
    return answer;
  }

  private async decideAll(inputs: readonly DecisionInput[]): Promise<DecisionBatchResponse> {
    const { policy, version } = await this.policies.current();
    if (policy === null) {
      return { policyVersion: version, decisions: inputs.map((i) => unavailableDecision(toRequest(i, 0), version)) };
    }
    const consents = await this.consents.consentsForMany(
      inputs.map((i) => i.userId),
      policy,
    );
    const at = this.clock.now().getTime();
    return {
      policyVersion: version,
      decisions: inputs.map((i) => decide(policy, consents.get(i.userId)!, toRequest(i, at))),
    };
  }
}

/** `at`: the server's clock, against which announced changes take effect. */
function toRequest(input: DecisionInput, at: number): DecisionRequest {
  return {
    subprocessor: input.subprocessor,
    purpose: input.purpose,
    fields: input.fields,
    payload: input.payload,
    gpc: input.gpc,
    at,
  };
}

/** The flow's reason, or for an allowed flow with blocked fields the first field's. */
function reasonOf(decision: Decision): string | null {
  return decision.reason ?? decision.blocked[0]?.reason ?? null;
}
