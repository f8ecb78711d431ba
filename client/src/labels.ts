/** Words for the map's vocabularies, so nothing is said by colour alone. */
import type {
  ConsentMode,
  LegalBasis,
  Region,
  Sensitivity,
  TransferMechanism,
} from '@flowgate/core';
import type { EdgeBlockReason, RegionBucket } from '@flowgate/core';

export const MODE_LABEL: Record<ConsentMode, string> = {
  required: 'Required',
  'opt-out': 'Opt-out',
  'opt-in': 'Opt-in',
};

export const MODE_EXPLAINED: Record<ConsentMode, string> = {
  required: 'always sent; needed to provide the service',
  'opt-out': 'sent unless the user opts out',
  'opt-in': 'sent only after the user opts in',
};

export const SENSITIVITY_LABEL: Record<Sensitivity, string> = {
  special: 'Special category',
  personal: 'Personal',
  pseudonymous: 'Pseudonymous',
  none: 'Not personal',
};

export const LEGAL_BASIS_LABEL: Record<LegalBasis, string> = {
  contract: 'Contract',
  'legitimate-interests': 'Legitimate interests',
  consent: 'Consent',
  'legal-obligation': 'Legal obligation',
  'not-stated': 'Not stated by the company',
};

export const REGION_LABEL: Record<Region, string> = {
  eea: 'EU/EEA',
  'third-country': 'Outside the EU/EEA',
};

/** The graph's three answers to "where": a known third country and an unknown place differ. */
export const BUCKET_LABEL: Record<RegionBucket, string> = {
  eea: 'EU/EEA',
  'third-country': 'Third country (stated)',
  'not-stated': 'Location not stated',
};

/** `Third country (stated): US`, `EU/EEA: FI`, `Location not stated`. */
export function whereText(s: { bucket: RegionBucket; locations: readonly string[] }): string {
  return s.locations.length > 0 ? `${BUCKET_LABEL[s.bucket]}: ${s.locations.join(', ')}` : BUCKET_LABEL[s.bucket];
}

export const TRANSFER_LABEL: Record<TransferMechanism, string> = {
  none: 'None needed (processing stays in the EU/EEA)',
  adequacy: 'Adequacy decision',
  dpf: 'EU-US Data Privacy Framework',
  scc: 'Standard contractual clauses',
  bcr: 'Binding corporate rules',
  unknown: 'Not stated',
};

export const REASON_LABEL: Record<EdgeBlockReason, string> = {
  undeclared: 'not declared for this flow',
  excluded: 'the vendor explicitly does not get this',
  'opted-out': 'the user opted out',
  'not-opted-in': 'opt-in flow: the user has not opted in',
  'no-flow': 'no flow declared for this vendor and purpose',
  'stale-consent': 'added after the user consented: needs consent again',
  'policy-unavailable': 'no policy available',
  'not-yet-effective': 'announced in a change notice: not in effect before its effective date',
  'personal-value': 'a value of a kind the field is not declared to carry',
  unreadable: 'data the guard cannot read faithfully',
};

export function locationsText(locations: readonly string[]): string {
  return locations.length > 0 ? locations.join(', ') : 'not stated';
}

/** The same reasons, said to the user about their own choices. */
export const YOUR_REASON_LABEL: Record<EdgeBlockReason, string> = {
  undeclared: 'not part of this flow',
  excluded: 'this vendor does not get it',
  'opted-out': 'you switched it off',
  'not-opted-in': 'it is off until you switch it on',
  'no-flow': 'not declared',
  'stale-consent': 'new since you agreed: needs your consent again',
  'policy-unavailable': 'the rules are not available right now, so nothing is sent',
  'not-yet-effective': 'announced, not yet in effect: nothing is sent before the date in the change notice',
  'personal-value': 'it looked like personal data of another kind, so it was not sent',
  unreadable: 'it could not be checked, so it was not sent',
};
