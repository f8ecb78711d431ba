import { types } from 'node:util';

const MAX_DEPTH = 64;

/**
 * One copy of a payload as `JSON.stringify` would write it (`toJSON` honoured, getters read
 * once, `undefined` and functions dropped, NaN → null), holding plain objects and arrays
 * only; bytes (Buffer, typed arrays) are copied as bytes. What the guard cannot read
 * faithfully (a Proxy, a Map or Set, symbol keys, a BigInt, a cycle, a throwing getter) is
 * left out of the copy and named in `unreadable`. The guard decides on the copy, and the
 * copy is what the guarded function gets.
 */
export function copyPayload(value: unknown): { readonly copy: unknown; readonly unreadable: string[] } {
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
  // The common payload: a plain object or array. Once a Proxy is ruled out, reading the
  // prototype runs no code; no byte view, buffer, Map or Set has such a prototype, so their
  // checks are skipped (but `isView`: a view's prototype can be replaced).
  let plain = false;
  try {
    if (typeof value === 'object' && value !== null) {
      if (types.isProxy(value)) return fail(unreadable, 'a Proxy');
      const proto = Object.getPrototypeOf(value) as unknown;
      plain = (proto === Object.prototype || proto === Array.prototype || proto === null) && !ArrayBuffer.isView(value);
    }
    if (!plain) {
      if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return copyBytes(value);
      if (value instanceof ArrayBuffer) return value.slice(0);
    }
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        value = (toJSON as (k: string) => unknown).call(value, key);
        plain = false;
      }
    }
  } catch {
    return fail(unreadable, 'a toJSON that throws');
  }
  if (plain) return copyContainer(value as object, ancestors, unreadable);
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
  return copyContainer(object, ancestors, unreadable);
}

/** An object or array (not a Proxy, toJSON applied) copied member by member. */
function copyContainer(object: object, ancestors: object[], unreadable: string[]): unknown {
  if (ancestors.includes(object) || ancestors.length >= MAX_DEPTH) return fail(unreadable, 'a cycle or a nesting too deep');
  const symbols = Object.getOwnPropertySymbols(object);
  for (let i = 0; i < symbols.length; i++) {
    if (Object.prototype.propertyIsEnumerable.call(object, symbols[i])) return fail(unreadable, 'symbol keys');
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
