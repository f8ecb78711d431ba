import fc from 'fast-check';
import { headerPairs } from './fetch.js';

/*
 * guard.fetch reads a plain headers record without building `Headers` (the hot path). What it
 * reads must be exactly what the fetch standard's `Headers` holds (and so what is sent):
 * the same names and values, or null (the `Request` path) whenever `Headers` would refuse.
 */
const NAME_CHARS = [...'aBc-Z09', ...`!#$%&'*+.^_\`|~`, ' ', ':', '"', '(', 'é', '\u0130'];
const VALUE_CHARS = [...'ab Z9,;=', '\t', '\n', '\r', '\0', ' ', '\u00a0', 'é', '\u0130'];
const nameArb = fc.oneof(
  fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE', 'x-user', 'X-User', 'accept', ''),
  fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 6 }).map((c) => c.join('')),
);
const valueArb = fc.oneof(
  fc.constantFrom('application/json', ' padded ', 'a, b', ''),
  fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 6 }).map((c) => c.join('')),
  fc.integer(),
);

function viaHeaders(record: Record<string, unknown>): [string, string][] | null {
  try {
    const out: [string, string][] = [];
    new Headers(record as Record<string, string>).forEach((value, name) => out.push([name, value]));
    return out;
  } catch {
    return null;
  }
}

describe('headerPairs (the plain-record fast path)', () => {
  it('reads a record exactly as Headers does, or refuses it (null) where Headers throws', () => {
    fc.assert(
      fc.property(fc.dictionary(nameArb, valueArb, { maxKeys: 5 }), (record) => {
        const fast = headerPairs(record as Record<string, string>);
        const standard = viaHeaders(record);
        if (standard === null) expect(fast).toBeNull();
        // A record the fast path declines goes through `Request` (the standard itself).
        else if (fast !== null) expect(fast).toEqual(standard);
      }),
      { numRuns: 3000 },
    );
  });

  it('joins names that differ only in case, trims values, and refuses CR, LF, NUL and non-token names', () => {
    expect(headerPairs({ 'X-A': ' 1 ', 'x-a': '2', Accept: 'b' })).toEqual([
      ['accept', 'b'],
      ['x-a', '1, 2'],
    ]);
    expect(headerPairs({ 'x-a': 'a\r\nx-b: c' })).toBeNull();
    expect(headerPairs({ 'x-a': 'a\0' })).toBeNull();
    // Not a ByteString: Headers (and so fetch) refuses it; the Request path names it.
    expect(headerPairs({ 'x-a': '\u0130' })).toBeNull();
    expect(headerPairs({ 'x-a': 'caf\u00e9' })).toEqual([['x-a', 'caf\u00e9']]);
    expect(headerPairs({ 'x a': 'b' })).toBeNull();
    expect(headerPairs({ '': 'b' })).toBeNull();
    expect(headerPairs({ 'é': 'b' })).toBeNull();
  });
});
