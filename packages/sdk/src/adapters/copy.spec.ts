import fc from 'fast-check';
import { types } from 'node:util';
import { copyPayload } from './copy.js';

/*
 * copyPayload copies a plain object or array without the checks for byte views, buffers,
 * Maps and Sets. Held here to the careful path it skips, kept below as the reference (the
 * implementation before the shortcut): the same copy and the same unreadable parts, over
 * random JSON-like values mixed with the exotic (toJSON, Dates, bytes, a view whose
 * prototype was replaced, null prototypes, Maps, Sets, symbol keys, BigInts, Proxies,
 * getters that throw, undefined and functions, cycles).
 */

// ── the reference: copy.ts before the plain-object shortcut ─────────────────────────────
const MAX_DEPTH = 64;

/**
 * One copy of a payload as `JSON.stringify` would write it (`toJSON` honoured, getters read
 * once, `undefined` and functions dropped, NaN → null), holding plain objects and arrays
 * only; bytes (Buffer, typed arrays) are copied as bytes. What the guard cannot read
 * faithfully (a Proxy, a Map or Set, symbol keys, a BigInt, a cycle, a throwing getter) is
 * left out of the copy and named in `unreadable`. The guard decides on the copy, and the
 * copy is what the guarded function gets.
 */
function referenceCopyPayload(value: unknown): { readonly copy: unknown; readonly unreadable: string[] } {
  const unreadable: string[] = [];
  const copy = copyValue(value, '', [], unreadable);
  return { copy: copy === SKIP ? undefined : copy, unreadable };
}

const SKIP = Symbol('skip');

function copyValue(input: unknown, key: string, ancestors: object[], unreadable: string[]): unknown {
  // Most of a payload: strings, booleans and numbers are written as they are (primitives have
  // no getters, no Proxy, and JSON.stringify reads no toJSON of theirs).
  const type = typeof input;
  if (type === 'string' || type === 'boolean') return input;
  if (type === 'number') return Number.isFinite(input) ? input : null;
  let value = input;
  try {
    if (typeof value === 'object' && value !== null && types.isProxy(value)) return fail(unreadable, 'a Proxy');
    if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return copyBytes(value);
    if (value instanceof ArrayBuffer) return value.slice(0);
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') value = (toJSON as (k: string) => unknown).call(value, key);
    }
  } catch {
    return fail(unreadable, 'a toJSON that throws');
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return fail(unreadable, 'a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return SKIP;
  }
  if (value === null) return null;
  const object = value as object;
  // `input` itself was checked above; what its toJSON returned was not.
  if (object !== input && types.isProxy(object)) return fail(unreadable, 'a Proxy');
  if (object instanceof Map || object instanceof Set || object instanceof WeakMap || object instanceof WeakSet) {
    return fail(unreadable, object instanceof Map || object instanceof WeakMap ? 'a Map' : 'a Set');
  }
  if (ancestors.includes(object) || ancestors.length >= MAX_DEPTH) return fail(unreadable, 'a cycle or a nesting too deep');
  if (Object.getOwnPropertySymbols(object).some((s) => Object.prototype.propertyIsEnumerable.call(object, s))) {
    return fail(unreadable, 'symbol keys');
  }
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      const out: unknown[] = [];
      for (let i = 0; i < object.length; i++) {
        const element = copyValue((object as unknown[])[i], String(i), ancestors, unreadable);
        out.push(element === SKIP ? null : element);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(object)) {
      let child: unknown;
      try {
        child = (object as Record<string, unknown>)[name];
      } catch {
        fail(unreadable, 'a getter that throws');
        continue;
      }
      const copied = copyValue(child, name, ancestors, unreadable);
      if (copied === SKIP) continue;
      if (name === '__proto__') Object.defineProperty(out, name, { value: copied, enumerable: true, writable: true, configurable: true });
      else out[name] = copied;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

function fail(unreadable: string[], what: string): typeof SKIP {
  const entry = `(payload: ${what})`;
  if (!unreadable.includes(entry)) unreadable.push(entry);
  return SKIP;
}

function copyBytes(view: ArrayBufferView): Uint8Array | ArrayBufferView {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return Buffer.isBuffer(view) ? Buffer.from(bytes) : bytes.slice();
}

// ── the property ────────────────────────────────────────────────────────────────────
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(() => 1),
  fc.bigInt({ min: 0n, max: 9n }),
  fc.constant(Symbol('s')),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 3 }),
  fc.constant(new Map([[1, 2]])),
  fc.constant(new Set([1])),
  fc.constant(new ArrayBuffer(2)),
  fc.constant(null).map(() => Object.setPrototypeOf(new Uint8Array([1, 2]), Object.prototype) as unknown),
  fc.constant(null).map(() => new Proxy({ a: 1 }, {})),
  fc.constant(null).map(() => ({ toJSON: () => ({ replaced: true }) })),
  fc.constant(null).map(() => Object.defineProperty({}, 'bad', { enumerable: true, get: () => { throw new Error('no'); } })),
  fc.constant(null).map(() => ({ [Symbol('k')]: 1, a: 1 })),
);
const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leafArb,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'toJSON', '0'), tie('value'), { maxKeys: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('value'), { maxKeys: 2 }).map((d) => Object.assign(Object.create(null) as object, d)),
  ),
}));

describe('copyPayload (the plain-object shortcut)', () => {
  it('copies exactly as the careful path does, and names the same unreadable parts', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const fast = copyPayload(value);
        const reference = referenceCopyPayload(value);
        expect(fast.unreadable).toEqual(reference.unreadable);
        expect(fast.copy).toStrictEqual(reference.copy);
        expect(JSON.stringify(fast.copy)).toBe(JSON.stringify(reference.copy));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a toJSON getter once, and a cycle is unreadable', () => {
    let reads = 0;
    const payload = Object.defineProperty({ a: 1 }, 'toJSON', { enumerable: false, get: () => (reads++, () => ({ b: 2 })) });
    expect(copyPayload(payload).copy).toEqual({ b: 2 });
    expect(reads).toBe(1);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(copyPayload(cyclic)).toEqual({ copy: { a: 1 }, unreadable: ['(payload: a cycle or a nesting too deep)'] });
  });
});
