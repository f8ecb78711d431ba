import { compileConsents, compilePolicy, decide, type PolicyMap } from '@flowgate/core';
import { classifyValue, findDrift, looksPersonalKey } from './drift.js';
import { sensitivitiesOf } from './policy-source.js';

const MAP: PolicyMap = {
  version: 1,
  fields: [
    { key: 'user.contact.email', paths: ['email'], sensitivity: 'personal' },
    { key: 'user.contact.phone', paths: ['phone'], sensitivity: 'personal' },
    { key: 'translation.settings', paths: ['target_lang'], sensitivity: 'none' },
    { key: 'usage.page-views', paths: ['page'], sensitivity: 'pseudonymous' },
  ],
  subprocessors: [{ key: 'vendor-a' }],
  purposes: [{ key: 'product-analytics' }],
  flows: [
    {
      key: 'vendor-a.product-analytics',
      subprocessor: 'vendor-a',
      purpose: 'product-analytics',
      mode: 'opt-out',
      legalBasis: 'legitimate-interests',
      version: 1,
      fields: [{ key: 'usage.page-views', since: 1 }],
      excludedFields: ['user.contact.email'],
    },
  ],
};
const policy = compilePolicy(MAP);

describe(findDrift.name, () => {
  it('finds personal data the flow does not declare, by map field, key name and value', () => {
    const payload = {
      page: '/home',
      email: 'ada@example.com', // excluded: blocked, but declared (not drift)
      phone: '+44 20 7946 0958', // a map field this flow does not send
      target_lang: 'DE', // a map field, sensitivity none
      customerEmail: 'x', // key name
      notes: 'write to ada@example.com', // free text: not classified
      contact: ['grace@example.com'], // value
      client: { addr: '192.0.2.10' }, // value
      count: 3,
    };
    const decision = decide(policy, compileConsents(policy, []), { subprocessor: 'vendor-a', payload });
    expect(findDrift(decision, payload, sensitivitiesOf(MAP))).toEqual([
      { field: 'user.contact.phone', detector: 'map-field' },
      { field: 'customerEmail', detector: 'key-name' },
      { field: 'contact[*]', detector: 'email-value' },
      { field: 'client.addr', detector: 'ip-value' },
    ]);
  });
});

describe(looksPersonalKey.name, () => {
  it.each([
    ['email', true],
    ['user_email', true],
    ['firstName', true],
    ['name', true],
    ['ip_address', true],
    ['dateOfBirth', true],
    ['event_name', false],
    ['page', false],
    ['target_lang', false],
  ])('%s → %s', (key, personal) => {
    expect(looksPersonalKey(key)).toBe(personal);
  });
});

describe(classifyValue.name, () => {
  it.each([
    ['ada@example.com', 'email-value'],
    ['192.0.2.1', 'ip-value'],
    ['2001:db8::1', 'ip-value'],
    ['DE89370400440532013000', 'iban-value'],
    ['4242 4242 4242 4242', 'card-value'],
    ['+1 (555) 010-9999', 'phone-value'],
    ['hello world', null],
    ['12:30', null],
    [42, null],
  ])('%s → %s', (value, detector) => {
    expect(classifyValue(value)).toBe(detector);
  });
});
