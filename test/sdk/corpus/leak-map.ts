import type { PolicyMap } from '@flowgate/sdk';

/**
 * The corpus's data map: LogRocket replays sessions; Bob's flow is allowed (opt-out, no
 * choice) but his email is excluded for it; Ada opted out of the flow.
 */
export const SECRET = 'bob.secret@example.com';
export const BOB = 'bob';
export const ADA = 'ada';
export const LOGROCKET = { subprocessor: 'logrocket', purpose: 'session-replay' } as const;

export function buildLeakMap(): PolicyMap {
  return {
    version: 1,
    fields: [
      { key: 'user.contact.email', paths: ['email', 'user.email', 'headers.x-user-email'], sensitivity: 'personal' },
      { key: 'user.id', paths: ['userId', 'user.id', 'url:/u/{}/events'], sensitivity: 'pseudonymous' },
      { key: 'session.recording', paths: ['recording'], sensitivity: 'personal' },
      { key: 'event.name', paths: ['event', 'events[*].name'], sensitivity: 'none' },
      { key: 'event.note', paths: ['note'], sensitivity: 'none' },
    ],
    subprocessors: [{ key: 'logrocket' }],
    purposes: [{ key: 'session-replay' }],
    flows: [
      {
        key: 'logrocket.session-replay',
        subprocessor: 'logrocket',
        purpose: 'session-replay',
        mode: 'opt-out',
        legalBasis: 'legitimate-interests',
        version: 1,
        fields: ['user.id', 'session.recording', 'event.name', 'event.note'].map((key) => ({ key, since: 1 })),
        excludedFields: ['user.contact.email'],
      },
    ],
  };
}

export const LEAK_CONSENTS = { [ADA]: { 'logrocket.session-replay': { granted: false, version: 1 } } };
