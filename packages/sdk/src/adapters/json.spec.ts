import fc from 'fast-check';
import { parseJsonStrict } from './json.js';

/** The oracle: one set of keys per open object, filled by a reviver-free walk of the text. */
function hasDuplicateKeyOracle(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}

/** JSON text with some object members repeated (same name, escaped or not) and random spacing. */
const jsonText = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
    fc.string({ unit: fc.constantFrom('a', '"', '\\', ':', '{', 'é', ' ') }).map((s) => JSON.stringify(s)),
    tie('object'),
    tie('array'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(fc.constantFrom('a', 'b', 'a"b', 'x\\', '__proto__', ':'), fc.boolean(), fc.constantFrom('', ' ', '\n'), tie('value')), { maxLength: 5 })
    .map((members) => `{${members.map(([name, escape, space, v]) => `${escape ? JSON.stringify(name).replace('a', '\\u0061') : JSON.stringify(name)}${space}:${space}${v}`).join(',')}}`),
}));

describe(parseJsonStrict.name, () => {
  it('flags a repeated member name exactly when the set-per-object oracle does, and parses the rest as JSON.parse', () => {
    fc.assert(
      fc.property(jsonText.value, (text) => {
        const result = parseJsonStrict(text);
        const duplicate = hasDuplicateKeyOracle(text);
        expect(result.duplicate).toBe(duplicate);
        if (!duplicate) expect(result).toEqual({ ok: true, value: JSON.parse(text) as unknown, duplicate: false });
      }),
      { numRuns: 500 },
    );
  });

  it('reads text as JSON.stringify writes it (the one-call check) as the oracle does, a repeat spliced in included', () => {
    const object = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 });
    fc.assert(
      fc.property(object, fc.jsonValue({ maxDepth: 1 }), fc.nat(), fc.boolean(), (value, other, pick, nested) => {
        const text = JSON.stringify(nested ? [value, { inner: value }] : value);
        expect(parseJsonStrict(text)).toEqual({ ok: true, value: JSON.parse(text) as unknown, duplicate: false });
        const keys = Object.keys(value);
        const repeated = JSON.stringify(keys[pick % keys.length]);
        const spliced = `{${repeated}:${JSON.stringify(other)},${JSON.stringify(value).slice(1)}`;
        expect(hasDuplicateKeyOracle(spliced)).toBe(true);
        expect(parseJsonStrict(spliced)).toEqual({ ok: false, duplicate: true });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a repeated key however it is spelled, and reads escaped quotes and colons inside strings as text', () => {
    expect(parseJsonStrict('{"email":"a@example.com","\\u0065mail":"b@example.com"}')).toEqual({ ok: false, duplicate: true });
    expect(parseJsonStrict('{"a":{"b":1},"c":[{"b":1,"b":2}]}')).toEqual({ ok: false, duplicate: true });
    expect(parseJsonStrict('{"a\\"":"x\\\\":"y":1}').ok).toBe(false);
    expect(parseJsonStrict('{"a\\\\":"b:","c" : "\\":"}')).toEqual({ ok: true, value: { 'a\\': 'b:', c: '":' }, duplicate: false });
    expect(parseJsonStrict('[{"a":1},{"a":1}]')).toEqual({ ok: true, value: [{ a: 1 }, { a: 1 }], duplicate: false });
    expect(parseJsonStrict('not json')).toEqual({ ok: false, duplicate: false });
  });
});
