import fc from 'fast-check';
import { wireSnapshot, readJsonOnly, readWire, readWireFully, type WireTarget } from './wire.js';

/*
 * guard.fetch reads the common JSON call in one step (`readJsonOnly`). Whatever it reads must
 * be exactly the generic reading of the same snapshot, so the guard decides on the same
 * payloads, URL path, opaque and unreadable parts; anything it declines goes the generic way.
 */
const TARGET: WireTarget = { userId: 'ada', subprocessor: 'vendor', purpose: 'analytics', gpc: undefined, fields: undefined };

const text = fc.string({ unit: fc.constantFrom(...'ab:"\\ {}[],é@.1'), maxLength: 8 });
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof({ maxDepth: 3 }, text, fc.boolean(), fc.constant(null), fc.integer(), fc.array(tie('json'), { maxLength: 3 }), fc.dictionary(text, tie('json'), { maxKeys: 3 })),
}));
/** Bodies as callers send them, and broken ones: a repeated key, invalid JSON, spacing, a bare value. */
const bodyArb = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  json.map((v) => JSON.stringify(v, null, 2)),
  fc.tuple(text, json, json).map(([k, a, b]) => `{${JSON.stringify(k)}:${JSON.stringify(a)} , ${JSON.stringify(k)} :${JSON.stringify(b)}}`),
  fc.tuple(text, json).map(([k, v]) => `{"outer":{${JSON.stringify(k)}:${JSON.stringify(v)},${JSON.stringify(k)}:1}}`),
  text,
  fc.constantFrom('', '{', '{"a":1,}', ' {"a" : "b"} ', '[1,2]', '"s"', '{"a":"x\\":y"}'),
);
const urlArb = fc.constantFrom(
  'https://api.vendor.test/v1/track',
  'https://api.vendor.test/',
  'https://api.vendor.test/u/ada%40example.com/t',
  'https://api.vendor.test/v1/track?email=ada%40example.com',
  'https://api.vendor.test/v1/track#frag',
  'https://api.vendor.test/a?b#c',
);
const headersArb = fc.oneof(
  fc.constantFrom<[string, string][]>(
    [['content-type', 'application/json']],
    [['content-type', 'application/json; charset=utf-8']],
    [['content-type', 'application/json;charset=utf-8']],
    [['content-type', 'Application/JSON']],
    [['content-type', 'text/plain;charset=UTF-8']],
    [['content-type', 'application/x-www-form-urlencoded']],
    [['content-type', 'multipart/form-data; boundary=x']],
    [],
    [['x-user-email', 'ada@example.com']],
  ),
  fc.tuple(fc.constantFrom('authorization', 'x-user-email', 'accept'), fc.constantFrom('Bearer abc', 'ada@example.com', '*/*')).map(([n, v]): [string, string][] => [
    ['content-type', 'application/json'],
    [n, v],
  ]),
);
const rawBodyArb = fc.oneof({ weight: 8, arbitrary: bodyArb }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: bodyArb.map((b) => new TextEncoder().encode(b)) });

describe('readJsonOnly (the one-step reading of a JSON call)', () => {
  it('reads exactly what the generic reading does, or declines (null)', () => {
    fc.assert(
      fc.property(urlArb, headersArb, rawBodyArb, (url, headers, body) => {
        const snapshot = wireSnapshot('POST', url, headers, body);
        const fast = readJsonOnly(snapshot, TARGET);
        const full = readWireFully(snapshot, TARGET);
        if (fast !== null) expect(fast).toEqual(full);
        expect(readWire(snapshot, TARGET)).toEqual(full);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the common call, and declines a repeated key, invalid JSON, a query string and other headers', () => {
    const url = 'https://api.vendor.test/v1/track';
    const json = [['content-type', 'application/json']] as [string, string][];
    const common = readJsonOnly(wireSnapshot('POST', url, json, '{"page":"/p/1","n":[1,{"a":2}]}'), TARGET);
    expect(common?.call.payloads).toEqual([{ page: '/p/1', n: [1, { a: 2 }] }]);
    expect(common?.call.urlPath).toBe('/v1/track');
    expect(readJsonOnly(wireSnapshot('POST', url, json, '{"a":1,"a":2}'), TARGET)).toBeNull();
    expect(readWire(wireSnapshot('POST', url, json, '{"a":1,"a":2}'), TARGET).call.unreadable).toEqual(['(body: a JSON object with a duplicate key)']);
    expect(readJsonOnly(wireSnapshot('POST', url, json, '{"a":'), TARGET)).toBeNull();
    expect(readJsonOnly(wireSnapshot('POST', `${url}?e=1`, json, '{}'), TARGET)).toBeNull();
    expect(readJsonOnly(wireSnapshot('POST', url, [...json, ['x-user-email', 'ada@example.com']], '{}'), TARGET)).toBeNull();
  });
});
