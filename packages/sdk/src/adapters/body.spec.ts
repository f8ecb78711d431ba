import { classifyText } from '@flowgate/core';
import { bodyKindOf, COMMON_CONTENT_TYPES, keySegments, pairsToPayload, personalHeaders, redactPairs } from './body.js';

describe(keySegments.name, () => {
  it.each([
    ['email', ['email']],
    ['customer[email]', ['customer', 'email']],
    ['context.ip', ['context', 'ip']],
    ['items[0][sku]', ['items', '0', 'sku']],
    ['tags[]', ['tags', '']],
    ['metadata[user.email]', ['metadata', 'user', 'email']],
    ['a[b]c', ['a', 'b', 'c']],
    ['', ['']],
  ])('%s → %j', (key, segments) => {
    expect(keySegments(key)).toEqual(segments);
  });
});

describe(pairsToPayload.name, () => {
  it('nests brackets and dots and turns repeats and indexes into arrays', () => {
    const payload = pairsToPayload([
      ['customer[email]', 'ada@example.com'],
      ['customer[name]', 'Ada'],
      ['context.ip', '192.0.2.1'],
      ['items[0][sku]', 'A-1'],
      ['items[1][sku]', 'B-2'],
      ['tag', 'x'],
      ['tag', 'y'],
    ]);
    expect(JSON.parse(JSON.stringify(payload))).toEqual({
      customer: { email: 'ada@example.com', name: 'Ada' },
      context: { ip: '192.0.2.1' },
      items: [{ sku: 'A-1' }, { sku: 'B-2' }],
      tag: ['x', 'y'],
    });
  });

  it('keeps a leaf and a subtree of the same name both', () => {
    const payload = pairsToPayload([
      ['a', '1'],
      ['a[b]', '2'],
    ]);
    expect(JSON.parse(JSON.stringify(payload))).toEqual({ a: ['1', { b: '2' }] });
  });

  it('treats __proto__ as a plain key', () => {
    const payload = pairsToPayload([['__proto__[polluted]', 'yes']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(payload)).toEqual(['__proto__']);
  });
});

describe(redactPairs.name, () => {
  it('drops every pair under a blocked path, whatever its array indexes', () => {
    const pairs = [
      ['customer[email]', 'ada@example.com'],
      ['customer[name]', 'Ada'],
      ['items[0][card]', '4242'],
      ['items[1][sku]', 'B-2'],
      ['card', '4242'],
    ] as const;
    const kept = redactPairs(pairs, [
      { field: 'user.contact.email', reason: 'excluded', paths: ['customer.email'] },
      { field: 'user.payment.card', reason: 'excluded', paths: ['card', 'items[*].card'] },
    ]);
    expect(kept).toEqual([
      ['customer[name]', 'Ada'],
      ['items[1][sku]', 'B-2'],
    ]);
  });
});

describe(bodyKindOf.name, () => {
  it.each([
    ['application/json', null, 'json'],
    ['application/vnd.api+json; charset=utf-8', null, 'json'],
    ['application/x-www-form-urlencoded', null, 'form'],
    ['text/plain', '{"a":1}', 'opaque'],
    [null, ' {"a":1}', 'json'],
    [null, 'hello', 'opaque'],
    ['application/octet-stream', null, 'opaque'],
  ])('%s with %j → %s', (type, text, kind) => {
    expect(bodyKindOf(type, text)).toBe(kind);
  });
});

describe(personalHeaders.name, () => {
  it('flags headers personal by name or by value, in lower case; plumbing only by value', () => {
    const flagged = personalHeaders({
      'X-User-Email': 'someone',
      'X-Forwarded-For': '203.0.113.7',
      'X-Customer-Phone': '+44 20 7946 0958',
      Authorization: 'Bearer ada@example.com',
      'X-Api-Key': 'ada@example.com',
      'X-Trace-Id': '0af7651916cd43dd8448eb211c80319c',
      'Content-Type': 'application/json',
      'X-Empty': undefined,
    });
    expect({ ...flagged }).toEqual({
      'x-user-email': 'someone',
      'x-forwarded-for': '203.0.113.7',
      'x-customer-phone': '+44 20 7946 0958',
      // plumbing is exempt from the name rule only: an email in it is still an email
      authorization: 'Bearer ada@example.com',
      'x-api-key': 'ada@example.com',
    });
    expect(personalHeaders({ Authorization: `Basic ${btoa('ada@example.com:secret')}`, Cookie: 'sid=1; u=ada%40example.com', 'User-Agent': 'bot (ada@example.com)' })).toEqual({
      authorization: `Basic ${btoa('ada@example.com:secret')}`,
      cookie: 'sid=1; u=ada%40example.com',
      'user-agent': 'bot (ada@example.com)',
    });
  });

  it('reads Headers, pairs and objects with toJSON alike, and answers null when nothing looks personal', () => {
    const expected = { 'x-real-ip': '198.51.100.1' };
    expect({ ...personalHeaders(new Headers({ 'X-Real-IP': '198.51.100.1', accept: '*/*' })) }).toEqual(expected);
    expect({ ...personalHeaders([['X-Real-IP', '198.51.100.1']]) }).toEqual(expected);
    expect({ ...personalHeaders({ toJSON: () => ({ 'X-Real-IP': '198.51.100.1' }) }) }).toEqual(expected);
    expect(personalHeaders({ 'content-type': 'application/json', 'x-request-id': 'abc' })).toBeNull();
    expect(personalHeaders(undefined)).toBeNull();
  });

  it('skips classifying only the exact common content types, none of which the classifiers call personal', () => {
    for (const type of COMMON_CONTENT_TYPES) expect(classifyText(type)).toBeNull();
    // Anything beyond the exact value is classified as before.
    expect({ ...personalHeaders({ 'Content-Type': 'application/json; x=ada@example.com' }) }).toEqual({ 'content-type': 'application/json; x=ada@example.com' });
  });
});
