import { compileConsents, compilePolicy, decide, type PolicyMap } from '@flowgate/core';
import { classifyValue, findDrift, ibanChecksumValid, looksPersonalKey, luhn } from './drift.js';
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

  // Ordinary values that the detectors used to misread.
  it.each([
    ['2026-12-01', 'an ISO date'],
    ['2026-12-01T09:30:00Z', 'an ISO date-time'],
    ['2026-12-01 09:30:00.123+01:00', 'a date-time with offset'],
    ['09:30:00', 'a time'],
    ['DE89370400440532013001', 'an IBAN-shaped string with a wrong mod-97 checksum'],
    ['GB82WEST12345698765433', 'a UK IBAN with a wrong checksum'],
    ['4242 4242 4242 4241', 'a card-shaped number failing Luhn'],
    ['1234567890123', 'an order number of 13 digits failing Luhn'],
  ])('%s is not personal (%s)', (value) => {
    expect(classifyValue(value)).toBeNull();
  });

  it.each([
    ['GB82 WEST 1234 5698 7654 32', 'iban-value'],
    ['FR1420041010050500013M02606', 'iban-value'],
    ['5555 5555 5555 4444', 'card-value'],
    ['415.555.2671', 'phone-value'],
  ])('%s is still found (%s)', (value, detector) => {
    expect(classifyValue(value)).toBe(detector);
  });
});

describe(ibanChecksumValid.name, () => {
  it('agrees with the ISO 13616 check on every one-character change of a valid IBAN', () => {
    const valid = 'DE89370400440532013000';
    expect(ibanChecksumValid(valid)).toBe(true);
    let accepted = 0;
    for (let i = 4; i < valid.length; i++) {
      for (const d of '0123456789') {
        if (d === valid[i]) continue;
        if (ibanChecksumValid(valid.slice(0, i) + d + valid.slice(i + 1))) accepted++;
      }
    }
    // mod 97 catches every single-digit substitution.
    expect(accepted).toBe(0);
  });
});

describe(luhn.name, () => {
  it('accepts exactly one check digit per number', () => {
    const body = '424242424242424';
    const valid = [...'0123456789'].filter((d) => luhn(body + d));
    expect(valid).toEqual(['2']);
  });
});
