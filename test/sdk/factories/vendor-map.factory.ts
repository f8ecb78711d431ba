import type { ConsentMode } from '@flowgate/core';
import type { ConsentChoice, PolicyMap, PolicyMapFlow } from '@flowgate/sdk';

/** The three consent modes, one reserved-name vendor each. */
export const MATRIX_FLOWS: readonly { mode: ConsentMode; subprocessor: string; purpose: string }[] = [
  { mode: 'required', subprocessor: 'vendor-a', purpose: 'email-delivery' },
  { mode: 'opt-out', subprocessor: 'vendor-b', purpose: 'product-analytics' },
  { mode: 'opt-in', subprocessor: 'vendor-c', purpose: 'support' },
];

export const flowKey = (f: { subprocessor: string; purpose: string }): string => `${f.subprocessor}.${f.purpose}`;

function flow(subprocessor: string, purpose: string, mode: ConsentMode, version = 1): PolicyMapFlow {
  return {
    key: `${subprocessor}.${purpose}`,
    subprocessor,
    purpose,
    mode,
    legalBasis: mode === 'opt-in' ? 'consent' : mode === 'required' ? 'contract' : 'legitimate-interests',
    version,
    fields: [
      { key: 'user.contact.email', since: 1 },
      { key: 'user.name', since: 1 },
    ],
    excludedFields: ['user.payment.card'],
  };
}

/** Email and name go to every vendor; the card is excluded everywhere; the IP is declared by no flow. */
export function buildVendorMap(overrides: Partial<PolicyMap> = {}): PolicyMap {
  return {
    version: 1,
    fields: [
      { key: 'user.contact.email', paths: ['email', 'customer.email', 'to[*].email', 'headers.x-user-email'], sensitivity: 'personal' },
      { key: 'user.name', paths: ['name', 'customer.name', 'to[*].name'], sensitivity: 'personal' },
      { key: 'user.payment.card', paths: ['card', 'customer.card'], sensitivity: 'personal' },
      { key: 'device.ip-address', paths: ['ip'], sensitivity: 'personal' },
    ],
    subprocessors: MATRIX_FLOWS.map((f) => ({ key: f.subprocessor })),
    purposes: MATRIX_FLOWS.map((f) => ({ key: f.purpose })),
    flows: MATRIX_FLOWS.map((f) => flow(f.subprocessor, f.purpose, f.mode)),
    ...overrides,
  };
}

/** The user states of the consent matrix. GPC is a signal on the call, with no stored choice. */
export type UserState = 'no choice' | 'granted' | 'denied' | 'GPC';
export const USER_STATES: readonly UserState[] = ['no choice', 'granted', 'denied', 'GPC'];

/** User ids per state (reserved-style names); each has the same choice on every flow. */
export const USERS: Readonly<Record<UserState, string>> = {
  'no choice': 'ada',
  granted: 'grace',
  denied: 'edsger',
  GPC: 'barbara',
};

export function matrixConsents(): Record<string, Record<string, ConsentChoice>> {
  const all = (granted: boolean) =>
    Object.fromEntries(MATRIX_FLOWS.map((f) => [flowKey(f), { granted, version: 1 }]));
  return { [USERS.granted]: all(true), [USERS.denied]: all(false) };
}

/**
 * The consent table of DESIGN.md, written out by hand: the oracle the adapters are held to.
 * (A denial cannot be stored for a required flow through the API; when one is, it is ignored.)
 */
export const EXPECTED_ALLOW: Readonly<Record<ConsentMode, Readonly<Record<UserState, boolean>>>> = {
  required: { 'no choice': true, granted: true, denied: true, GPC: true },
  'opt-out': { 'no choice': true, granted: true, denied: false, GPC: false },
  'opt-in': { 'no choice': false, granted: true, denied: false, GPC: false },
};
