import type { CheckpointReference } from './consent-checkpoints';
import { sha256Hex } from './notice';
import type { PreferencesResponse } from '@flowgate/core';

/**
 * A consent receipt with the fields of the Kantara Initiative Consent Receipt v1.1 (also
 * the core of ISO/IEC TS 27560's consent record): who the PII principal is, who the
 * controller is, and per service and purpose what is disclosed to whom, on what
 * footing, with the user's current state. `flowgate` adds what ties it to the proof:
 * the map version it refers to, the consent state version and the hash-chain head.
 */
export interface ConsentReceipt {
  version: 'KI-CR-v1.1.0';
  jurisdiction: string;
  /** Seconds since the epoch of the user's latest recorded event (null: none yet). */
  consentTimestamp: number | null;
  collectionMethod: string;
  consentReceiptID: string;
  language: string;
  piiPrincipalId: string;
  piiControllers: Array<{ piiController: string; onBehalf: boolean }>;
  policyUrl: string | null;
  services: ReceiptService[];
  sensitive: boolean;
  spiCat: string[];
  flowgate: {
    issuedAt: string;
    mapVersion: number;
    stateVersion: number;
    gpc: boolean;
    /**
     * The signed checkpoint that covers the user's latest event (null: no events yet):
     * kept with the receipt, it proves later what the log held, even if the database is
     * rewritten (its digest and the event's hash must still be found there).
     */
    checkpoint: CheckpointReference | null;
  };
}

export interface ReceiptService {
  service: string;
  serviceKey: string;
  purposes: ReceiptPurpose[];
}

export interface ReceiptPurpose {
  purpose: string;
  purposeCategory: string[];
  /** EXPLICIT: opt-in; IMPLICIT: opt-out; NOT-REQUIRED: needed for the service (no consent asked). */
  consentType: 'EXPLICIT' | 'IMPLICIT' | 'NOT-REQUIRED';
  piiCategory: string[];
  primaryPurpose: boolean;
  termination: string;
  thirdPartyDisclosure: true;
  thirdPartyName: string;
  flowKey: string;
  legalBasis: string;
  /** Whether data goes to the vendor for this purpose now, and why not. */
  status: 'allowed' | 'blocked';
  reason: string | null;
  /** The user's own choice (null: the default of the flow's mode applies). */
  choice: 'granted' | 'denied' | null;
  choiceRecordedAt: string | null;
  /** The flow version the choice covers, and the flow's current version. */
  choiceFlowVersion: number | null;
  flowVersion: number;
  needsReconsent: boolean;
  locations: string[];
  region: string;
  noticeHash: string;
}

const CONSENT_TYPE = { 'opt-in': 'EXPLICIT', 'opt-out': 'IMPLICIT', required: 'NOT-REQUIRED' } as const;

export function buildReceipt(
  view: PreferencesResponse,
  context: {
    organization: string | null;
    specialFields: ReadonlySet<string>;
    issuedAt: Date;
    checkpoint: CheckpointReference | null;
  },
): ConsentReceipt {
  const services = new Map<string, ReceiptService>();
  const special = new Set<string>();
  let latest: string | null = null;
  for (const purpose of view.purposes) {
    for (const flow of purpose.flows) {
      const service = services.get(flow.subprocessor.key) ?? {
        service: flow.subprocessor.name,
        serviceKey: flow.subprocessor.key,
        purposes: [],
      };
      for (const f of flow.fields) if (context.specialFields.has(f.key)) special.add(f.name);
      if (flow.choice && (latest === null || flow.choice.recordedAt > latest)) latest = flow.choice.recordedAt;
      service.purposes.push({
        purpose: purpose.name,
        purposeCategory: [purpose.key],
        consentType: CONSENT_TYPE[flow.mode],
        piiCategory: flow.fields.map((f) => f.name),
        primaryPurpose: flow.mode === 'required',
        termination:
          flow.mode === 'required'
            ? 'Ends with the service contract'
            : 'Can be withdrawn at any time in the preference centre',
        thirdPartyDisclosure: true,
        thirdPartyName: flow.subprocessor.name,
        flowKey: flow.key,
        legalBasis: flow.legalBasis,
        status: flow.status,
        reason: flow.reason,
        choice: flow.choice?.value ?? null,
        choiceRecordedAt: flow.choice?.recordedAt ?? null,
        choiceFlowVersion: flow.choice?.flowVersion ?? null,
        flowVersion: flow.version,
        needsReconsent: flow.needsReconsent,
        locations: flow.subprocessor.locations,
        region: flow.subprocessor.region,
        noticeHash: flow.noticeHash,
      });
      services.set(flow.subprocessor.key, service);
    }
  }
  const id = sha256Hex(`${view.userId}\u0000${view.stateVersion}\u0000${view.mapVersion}`);
  return {
    version: 'KI-CR-v1.1.0',
    jurisdiction: 'EU',
    consentTimestamp: latest === null ? null : Math.floor(Date.parse(latest) / 1000),
    collectionMethod: 'Flowgate preference centre and consent API',
    consentReceiptID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
    language: 'en',
    piiPrincipalId: view.userId,
    piiControllers: [{ piiController: context.organization ?? 'unknown', onBehalf: false }],
    policyUrl: null,
    services: [...services.values()],
    sensitive: special.size > 0,
    spiCat: [...special],
    flowgate: {
      issuedAt: context.issuedAt.toISOString(),
      mapVersion: view.mapVersion,
      stateVersion: view.stateVersion,
      gpc: view.gpc,
      checkpoint: context.checkpoint,
    },
  };
}
