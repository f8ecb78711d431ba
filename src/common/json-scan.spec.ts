import fc from 'fast-check';
import { limitProblem, PROTOTYPE_KEYS, scanJson, type JsonLimits } from './json-scan';

const limits: JsonLimits = { maxDepth: 6, maxArrayLength: 5, maxObjectKeys: 4 };

/** The obviously-correct oracle: walk the built value. */
function breaksLimits(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= limits.maxDepth) return true;
  if (Array.isArray(value)) return value.length > limits.maxArrayLength || value.some((v) => breaksLimits(v, depth + 1));
  const keys = Object.keys(value);
  if (keys.length > limits.maxObjectKeys || keys.some((k) => PROTOTYPE_KEYS.has(k))) return true;
  return keys.some((k) => breaksLimits((value as Record<string, unknown>)[k], depth + 1));
}

const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null)),
    fc.array(tie('v'), { maxLength: 7 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'a"b', 'é')), tie('v'), { maxKeys: 6 }),
  ),
})).v;

describe(scanJson.name, () => {
  it('refuses exactly what breaks a limit, however it is spaced, and agrees with limitProblem', () => {
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const expected = breaksLimits(v);
        expect(scanJson(text, limits) !== null).toBe(expected);
        expect(limitProblem(v, limits) !== null).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('names a duplicate key with its path and line, also when escaped', () => {
    expect(scanJson('{\n  "a": {"b": 1,\n  "\\u0062": 2}\n}', limits)).toEqual({ path: 'a.b', message: 'is given more than once (duplicate key at line 3, column 3)' });
  });

  it('finds a prototype key spelled with escapes', () => {
    expect(scanJson('{"\\u005f_proto__": {}}', limits)).toMatchObject({ path: '__proto__', message: expect.stringMatching(/^is not a known property/) });
  });

  it('stops at the first element over the limit, whatever follows', () => {
    const text = `[${'1,'.repeat(5)}1${'x'.repeat(1000)}`;
    expect(scanJson(text, limits)).toEqual({ path: '', message: 'must contain no more than 5 elements (at line 1, column 11)' });
  });

  it('leaves syntax errors to JSON.parse', () => {
    for (const text of ['{"a": ', '"unterminated', '{"a" 1}', ']]]']) expect(scanJson(text, limits)).toBeNull();
  });
});
