import type { AuditRecord, PolicyMap } from '@flowgate/core';
import { createGuard } from './guard.js';
import { memoryReporter } from './reporter.js';
import { staticSource } from './sources/static-source.js';

const MAP: PolicyMap = {
  version: 3,
  fields: [
    { key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' },
    { key: 'user.name', paths: ['name'], sensitivity: 'personal' },
  ],
  subprocessors: [{ key: 'vendor-b' }],
  purposes: [{ key: 'support' }, { key: 'marketing' }],
  flows: [
    {
      key: 'vendor-b.support',
      subprocessor: 'vendor-b',
      purpose: 'support',
      mode: 'opt-out',
      legalBasis: 'legitimate-interests',
      version: 1,
      fields: [{ key: 'user.contact.email', since: 1 }],
      excludedFields: [],
    },
    {
      key: 'vendor-b.marketing',
      subprocessor: 'vendor-b',
      purpose: 'marketing',
      mode: 'opt-in',
      legalBasis: 'consent',
      version: 1,
      fields: [
        { key: 'user.contact.email', since: 1 },
        { key: 'user.name', since: 1 },
      ],
      excludedFields: [],
    },
  ],
};

const source = () =>
  staticSource({
    map: MAP,
    consents: {
      ada: { 'vendor-b.marketing': { granted: true, version: 1 } },
      bob: { 'vendor-b.support': { granted: false, version: 1 } },
    },
  });

/** `reportCalls`: every decided call, allowed or not, as a `call` record without the user. */
describe('createGuard({ reportCalls })', () => {
  const calls = (events: readonly AuditRecord[]) => events.filter((e) => e.kind === 'call').map((e) => [e.purpose, e.field, e.reason]);

  it('reports each call with the field keys it carried and the user consent category', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: source(), reporter, reportCalls: true, mode: 'monitor' });
    await guard.gate({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'marketing', payloads: [{ name: 'Ada', email: 'ada@example.com' }] });
    await guard.gate({ userId: 'bob', subprocessor: 'vendor-b', purpose: 'support', payloads: [{ email: 'bob@example.com' }] });
    await guard.gate({ userId: 'cy', subprocessor: 'vendor-b', purpose: 'support', payloads: [{ email: 'cy@example.com' }] });
    await guard.gate({ userId: 'cy', subprocessor: 'vendor-b', purpose: 'support', gpc: true, payloads: [{ email: 'cy@example.com' }] });
    await guard.gate({ userId: 'cy', subprocessor: 'vendor-b', purpose: 'marketing', payloads: [{}] });
    expect(calls(reporter.events())).toEqual([
      ['marketing', 'user.contact.email,user.name', 'granted'],
      ['support', 'user.contact.email', 'denied'],
      ['support', 'user.contact.email', 'none'],
      ['support', 'user.contact.email', 'gpc'],
      ['marketing', '-', 'none'],
    ]);
    // Nothing in them names a user or a value.
    expect(JSON.stringify(reporter.events())).not.toMatch(/ada|bob|cy@|example\.com/);
  });

  it('reports no call records unless asked, and refuses a non-boolean', async () => {
    const reporter = memoryReporter();
    const guard = createGuard({ source: source(), reporter });
    await guard.gate({ userId: 'ada', subprocessor: 'vendor-b', purpose: 'marketing', payloads: [{ email: 'ada@example.com' }] });
    expect(calls(reporter.events())).toEqual([]);
    expect(() => createGuard({ source: source(), reportCalls: 'yes' as unknown as boolean })).toThrow(/reportCalls: must be a boolean/);
  });
});
