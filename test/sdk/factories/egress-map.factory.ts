import type { ConsentMode } from '@flowgate/core';
import type { ConsentChoice, PolicyMap } from '@flowgate/sdk';
import { MATRIX_FLOWS, USERS } from './vendor-map.factory';

/** Where each vendor SDK puts the person's data, and the envelope it adds around it. */
const FIELDS: PolicyMap['fields'] = [
  {
    key: 'user.contact.email',
    paths: ['email', 'user', 'personalizations[*].to[*].email', 'batch[*].properties.email'],
    sensitivity: 'personal',
  },
  {
    key: 'user.name',
    paths: [
      'name',
      'messages[*].content',
      'personalizations[*].to[*].name',
      'batch[*].properties.name',
    ],
    sensitivity: 'personal',
  },
  {
    key: 'user.payment.card',
    paths: [
      'card',
      'metadata.card',
      'personalizations[*].custom_args.card',
      'batch[*].properties.card',
    ],
    sensitivity: 'personal',
  },
  {
    // The SDKs' own envelope: objects whose whole subtree it covers (`.**`), and the
    // sender's address (an email this field is declared to carry).
    key: 'vendor.envelope',
    carries: ['email'],
    paths: [
      'from.**',
      'subject',
      'content.**',
      'model',
      'messages[*].role',
      'writeKey',
      'sentAt',
      'batch[*].type',
      'batch[*].event',
      'batch[*].userId',
      'batch[*].context.**',
      'batch[*]._metadata.**',
      'batch[*].timestamp',
      'batch[*].messageId',
      'batch[*].integrations.**',
    ],
    sensitivity: 'none',
  },
];

export const subprocessorOf = (sdk: string, mode: ConsentMode): string => `${sdk}-${mode}`;

/**
 * One subprocessor per vendor SDK and consent mode (`stripe-opt-in`), reached at its own
 * loopback vendor (`hosts`: subprocessor → `127.0.0.1:<port>`); email, name and the
 * envelope are sent, the card is excluded everywhere.
 */
export function buildEgressMap(
  hosts: ReadonlyMap<string, string>,
  extra: Partial<PolicyMap> = {},
): PolicyMap {
  const subprocessors = [...hosts].map(([key, host]) => ({ key, endpoints: [{ host }] }));
  const modeOf = (key: string): (typeof MATRIX_FLOWS)[number] =>
    MATRIX_FLOWS.find((f) => key.endsWith(`-${f.mode}`))!;
  return {
    version: 1,
    fields: FIELDS,
    subprocessors,
    purposes: MATRIX_FLOWS.map((f) => ({ key: f.purpose })),
    flows: subprocessors.map(({ key }) => {
      const { mode, purpose } = modeOf(key);
      return {
        key: `${key}.${purpose}`,
        subprocessor: key,
        purpose,
        mode,
        legalBasis:
          mode === 'opt-in' ? 'consent' : mode === 'required' ? 'contract' : 'legitimate-interests',
        version: 1,
        fields: ['user.contact.email', 'user.name', 'vendor.envelope'].map((f) => ({
          key: f,
          since: 1,
        })),
        excludedFields: ['user.payment.card'],
      };
    }),
    ...extra,
  };
}

/** The matrix users' choices (granted / denied on every flow of the map). */
export function egressConsents(map: PolicyMap): Record<string, Record<string, ConsentChoice>> {
  const all = (granted: boolean): Record<string, ConsentChoice> =>
    Object.fromEntries(map.flows.map((f) => [f.key, { granted, version: 1 }]));
  return { [USERS.granted]: all(true), [USERS.denied]: all(false) };
}
