import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../auth/clock';
import type { StoredMap } from '../data-map/data-map.store';
import { compileConsents, decide, type Decision, flowKeyOf, NOT_STATED, regionOf, unavailableDecision } from '@flowgate/core';
import { PolicyService } from '../policy/policy.service';
import { listedLocations, organizationOf, sentFields } from '../data-map/manifest/manifest.types';
import { ConsentsCache, type UserConsentState } from './consent-cache.service';
import { ConsentCheckpoints } from './consent-checkpoints';
import { noticeText, sha256Hex } from './notice';
import type { FieldSummary, FlowPreference, PreferencesResponse } from '@flowgate/core';
import { buildReceipt, type ConsentReceipt } from './receipt';
import { RECEIPT_KEY, signCompact, type ReceiptKeySource } from './receipt-signer';

/**
 * The preference centre's view: every flow, grouped by purpose, with what the vendor gets,
 * where, the user's choice and what the decision engine does with it. Whether a flow is
 * allowed, and whether a grant is stale, is asked of the engine, never re-derived here.
 */
@Injectable()
export class PreferencesService {
  constructor(
    private readonly policies: PolicyService,
    private readonly cache: ConsentsCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RECEIPT_KEY) private readonly receiptKey: ReceiptKeySource,
    private readonly checkpoints: ConsentCheckpoints,
  ) {}

  async view(userId: string): Promise<PreferencesResponse> {
    const { map, state, judge } = await this.load(userId);
    const m = map.manifest;
    const fieldsByKey = new Map(m.fields.map((f) => [f.key, f]));
    const summary = (key: string): FieldSummary => {
      const f = fieldsByKey.get(key);
      return { key, name: f?.name ?? key, sensitivity: f?.sensitivity ?? 'personal' };
    };
    const vendors = new Map(m.subprocessors.map((s) => [s.key, s]));
    const byPurpose = new Map<string, FlowPreference[]>();
    for (const flow of m.flows) {
      const key = flowKeyOf(flow.subprocessor, flow.purpose);
      const version = map.flows.get(key)?.version ?? 1;
      const vendor = vendors.get(flow.subprocessor);
      const own = state.choices.get(key);
      const decision = judge(flow.subprocessor, flow.purpose, sentFields(flow));
      const stale = decision.blocked.filter((b) => b.reason === 'stale-consent').map((b) => b.field);
      const notice = noticeText(map, flow, version);
      const item: FlowPreference = {
        key,
        version,
        mode: flow.mode,
        legalBasis: flow.legalBasis,
        description: flow.description ?? null,
        descriptions: flow.descriptions ?? {},
        subprocessor: {
          key: flow.subprocessor,
          name: vendor?.name ?? flow.subprocessor,
          url: vendor?.url ?? null,
          legalEntity: vendor?.legalEntity ?? null,
          category: vendor?.category ?? 'other',
          locations: vendor ? listedLocations(vendor) : [],
          region: regionOf(vendor?.locations ?? []),
          transferMechanism: vendor?.transferMechanism ?? null,
        },
        fields: sentFields(flow).map(summary),
        fieldsStated: flow.fields !== NOT_STATED,
        ...(flow.activation === 'feature' ? { feature: flow.feature ?? flow.purpose } : {}),
        excludedFields: (flow.excludedFields ?? []).map(summary),
        choice: own
          ? { value: own.choice, flowVersion: own.flowVersion, source: own.source, recordedAt: own.recordedAt }
          : null,
        status: decision.reason === null ? 'allowed' : 'blocked',
        reason: decision.reason,
        canChange: flow.mode !== 'required',
        needsReconsent: stale.length > 0,
        newFields: stale,
        notice,
        noticeHash: sha256Hex(notice),
      };
      const list = byPurpose.get(flow.purpose) ?? [];
      list.push(item);
      byPurpose.set(flow.purpose, list);
    }
    const purposes = m.purposes
      .filter((p) => byPurpose.has(p.key))
      .map((p) => ({
        key: p.key,
        name: p.name,
        description: p.description ?? null,
        descriptions: p.descriptions ?? {},
        flows: byPurpose.get(p.key)!,
      }));
    return { userId, mapVersion: map.version, stateVersion: state.version, gpc: state.gpc, purposes };
  }

  /** A consent receipt (Kantara CR v1.1 / ISO/IEC 27560 fields) of the user's current consents. */
  async receipt(userId: string): Promise<ConsentReceipt> {
    const view = await this.view(userId);
    const map = (await this.policies.current()).stored;
    const checkpoint = await this.checkpoints.referenceFor(userId, view.stateVersion);
    return buildReceipt(view, {
      checkpoint,
      organization: organizationOf(map.manifest)?.legalName ?? organizationOf(map.manifest)?.name ?? null,
      specialFields: new Set(map.manifest.fields.filter((f) => f.sensitivity === 'special').map((f) => f.key)),
      issuedAt: this.clock.now(),
    });
  }

  /**
   * The same receipt as a signed JWT (compact JWS, EdDSA): the receipt's fields are its
   * claims, with `iat`, `sub` (the user) and `jti` (the receipt id). Anyone can check it
   * against `GET /api/v1/receipts/keys`; a changed byte breaks the signature.
   */
  async signedReceipt(userId: string): Promise<string> {
    const receipt = await this.receipt(userId);
    const claims = {
      ...receipt,
      iat: Math.floor(Date.parse(receipt.flowgate.issuedAt) / 1000),
      sub: receipt.piiPrincipalId,
      jti: receipt.consentReceiptID,
    };
    const { privateKey, jwk } = this.receiptKey;
    return signCompact({ alg: 'EdDSA', typ: 'JWT', kid: jwk.kid }, JSON.stringify(claims), privateKey);
  }

  private async load(userId: string): Promise<{
    map: StoredMap;
    state: UserConsentState;
    judge: (subprocessor: string, purpose: string, fields: readonly string[]) => Decision;
  }> {
    // The snapshot pairs the stored map with the policy compiled from it: same version.
    const [snapshot, state] = await Promise.all([this.policies.current(), this.cache.state(userId)]);
    const { stored: map, policy } = snapshot;
    if (policy === null) {
      return { map, state, judge: (subprocessor, purpose, fields) => unavailableDecision({ subprocessor, purpose, fields }) };
    }
    const choices: Array<[string, { granted: boolean; version: number }]> = [];
    for (const [flowKey, c] of state.choices) choices.push([flowKey, { granted: c.choice === 'granted', version: c.flowVersion }]);
    const consents = compileConsents(policy, choices, { gpc: state.gpc });
    const at = this.clock.now().getTime();
    return { map, state, judge: (subprocessor, purpose, fields) => decide(policy, consents, { subprocessor, purpose, fields, at }) };
  }
}
