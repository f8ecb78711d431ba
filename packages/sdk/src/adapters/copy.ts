import { types } from 'node:util';
import { fieldMayGo, MAX_PAYLOAD_DEPTH, valueGoes, valueMisfiled, type PathNode, type Verdict } from '@flowgate/core';

const MAX_DEPTH = 64;
const NO_FIELDS: readonly string[] = [];

/**
 * One copy of a payload as `JSON.stringify` would write it (`toJSON` honoured, getters read
 * once, `undefined` and functions dropped, NaN → null), holding plain objects and arrays
 * only; bytes (Buffer, typed arrays) are copied as bytes. What the guard cannot read
 * faithfully (a Proxy, a Map or Set, symbol keys, a BigInt, a cycle, a throwing getter) is
 * left out of the copy and named in `unreadable`. The guard decides on the copy, and the
 * copy is what the guarded function gets.
 */
export function copyPayload(value: unknown): { readonly copy: unknown; readonly unreadable: string[] } {
  const walk: Walk = { unreadable: [], v: null, goes: true };
  const copy = copyValue(value, '', [], walk, null, NO_FIELDS, NO_FIELDS, 0);
  return { copy: copy === SKIP ? undefined : copy, unreadable: walk.unreadable };
}

/**
 * `copyPayload` and the engine's verdict on the copy in one walk (one function's code after
 * an I/O wait instead of two): `goes` is `valueGoes(verdict, copy, policy.paths, [], [], 0)`,
 * i.e. `allows` of the request `verdict` was made for with the copy as its payload. Each
 * copied value is judged as it is written (the copy, not the caller's object: what was judged
 * is what goes); judging stops at the first value that may not go, and at anything unreadable
 * (the caller then takes the full path, which decides on the copy again).
 */
export function copyJudged(value: unknown, verdict: Verdict): { readonly copy: unknown; readonly unreadable: string[]; readonly goes: boolean } {
  const walk: Walk = { unreadable: [], v: verdict, goes: true };
  const copy = copyValue(value, '', [], walk, verdict.policy.paths, NO_FIELDS, NO_FIELDS, 0);
  return { copy: copy === SKIP ? undefined : copy, unreadable: walk.unreadable, goes: walk.goes && walk.unreadable.length === 0 };
}

/** One walk's state: what was unreadable, and the verdict so far (`v` null: not judging, or no longer). */
interface Walk {
  readonly unreadable: string[];
  v: Verdict | null;
  goes: boolean;
}

const SKIP = Symbol('skip');

/**
 * The verdict walk's step at a leaf (payloadGoes in the engine's decide.ts): the fields a path
 * ends at here must go, and something must cover the value, of a kind it may carry.
 */
function judgeLeaf(walk: Walk, value: unknown, node: PathNode | null, covering: readonly string[], below: readonly string[], depth: number): void {
  const v = walk.v;
  if (v === null || depth > MAX_PAYLOAD_DEPTH) return;
  if (node !== null && node.fields.length > 0) {
    covering = node.fields;
    for (let i = 0; i < covering.length; i++) if (!fieldMayGo(v, covering[i])) return deny(walk);
  } else if (covering.length === 0) covering = below;
  if (covering.length === 0 || valueMisfiled(v, value, covering)) deny(walk);
}

/** A copied value the walk does not spell out (bytes): the engine's own walk judges it. */
function judgeValue(walk: Walk, value: unknown, node: PathNode | null, covering: readonly string[], below: readonly string[], depth: number): void {
  const v = walk.v;
  if (v !== null && depth <= MAX_PAYLOAD_DEPTH && !valueGoes(v, value, node, covering, below, depth)) deny(walk);
}

function deny(walk: Walk): void {
  walk.goes = false;
  walk.v = null;
}

/**
 * `node`, `covering`, `below` and `depth`: where the copy of `input` sits in the policy's path
 * trie, as the engine's payloadGoes walks it (used only while `walk.v` is set).
 */
function copyValue(
  input: unknown,
  key: string,
  ancestors: object[],
  walk: Walk,
  node: PathNode | null,
  covering: readonly string[],
  below: readonly string[],
  depth: number,
): unknown {
  // Most of a payload: strings, booleans and numbers are written as they are (primitives have
  // no getters, no Proxy, and JSON.stringify reads no toJSON of theirs).
  const type = typeof input;
  if (type === 'string' || type === 'boolean') {
    if (walk.v !== null) judgeLeaf(walk, input, node, covering, below, depth);
    return input;
  }
  if (type === 'number') {
    const number = Number.isFinite(input) ? input : null;
    if (walk.v !== null) judgeLeaf(walk, number, node, covering, below, depth);
    return number;
  }
  let value = input;
  // The common payload: a plain object or array. Once a Proxy is ruled out, reading the
  // prototype runs no code; no byte view, buffer, Map or Set has such a prototype, so their
  // checks are skipped (but `isView`: a view's prototype can be replaced).
  let plain = false;
  try {
    if (typeof value === 'object' && value !== null) {
      if (types.isProxy(value)) return fail(walk, 'a Proxy');
      const proto = Object.getPrototypeOf(value) as unknown;
      plain = (proto === Object.prototype || proto === Array.prototype || proto === null) && !ArrayBuffer.isView(value);
    }
    if (!plain) {
      let bytes: unknown = undefined;
      if (value instanceof Uint8Array || ArrayBuffer.isView(value)) bytes = copyBytes(value);
      else if (value instanceof ArrayBuffer) bytes = value.slice(0);
      if (bytes !== undefined) {
        if (walk.v !== null) judgeValue(walk, bytes, node, covering, below, depth);
        return bytes;
      }
    }
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        value = (toJSON as (k: string) => unknown).call(value, key);
        plain = false;
      }
    }
  } catch {
    return fail(walk, 'a toJSON that throws');
  }
  if (plain) return copyContainer(value as object, ancestors, walk, node, covering, below, depth);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      if (walk.v !== null) judgeLeaf(walk, value, node, covering, below, depth);
      return value;
    case 'number': {
      const number = Number.isFinite(value) ? value : null;
      if (walk.v !== null) judgeLeaf(walk, number, node, covering, below, depth);
      return number;
    }
    case 'bigint':
      return fail(walk, 'a BigInt');
    case 'undefined':
    case 'function':
    case 'symbol':
      return SKIP;
  }
  if (value === null) {
    if (walk.v !== null) judgeLeaf(walk, null, node, covering, below, depth);
    return null;
  }
  const object = value as object;
  // `input` itself was checked above; what its toJSON returned was not.
  if (object !== input && types.isProxy(object)) return fail(walk, 'a Proxy');
  if (object instanceof Map || object instanceof Set || object instanceof WeakMap || object instanceof WeakSet) {
    return fail(walk, object instanceof Map || object instanceof WeakMap ? 'a Map' : 'a Set');
  }
  return copyContainer(object, ancestors, walk, node, covering, below, depth);
}

/** An object or array (not a Proxy, toJSON applied) copied member by member, and judged as the engine walks one. */
function copyContainer(
  object: object,
  ancestors: object[],
  walk: Walk,
  node: PathNode | null,
  covering: readonly string[],
  below: readonly string[],
  depth: number,
): unknown {
  if (ancestors.includes(object) || ancestors.length >= MAX_DEPTH) return fail(walk, 'a cycle or a nesting too deep');
  const symbols = Object.getOwnPropertySymbols(object);
  for (let i = 0; i < symbols.length; i++) {
    if (Object.prototype.propertyIsEnumerable.call(object, symbols[i])) return fail(walk, 'symbol keys');
  }
  // The engine's step at a container (the copy is a plain object or array, acyclic): the
  // fields a path ends at here must go; past MAX_PAYLOAD_DEPTH only a `.**` field above covers it.
  const v = walk.v;
  if (v !== null && depth <= MAX_PAYLOAD_DEPTH) {
    if (node !== null && node.fields.length > 0) {
      covering = node.fields;
      for (let i = 0; i < covering.length; i++) {
        if (!fieldMayGo(v, covering[i])) {
          deny(walk);
          break;
        }
      }
      if (node.subtree.length > 0) below = node.subtree;
    } else if (covering.length === 0) covering = below;
    if (depth >= MAX_PAYLOAD_DEPTH && below.length === 0) deny(walk);
  }
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      const child = node === null ? null : node.each;
      const out: unknown[] = [];
      for (let i = 0; i < object.length; i++) {
        const element = copyValue((object as unknown[])[i], String(i), ancestors, walk, child, covering, below, depth + 1);
        if (element === SKIP) {
          // JSON.stringify writes null there: that null is what is sent, and judged.
          if (walk.v !== null) judgeLeaf(walk, null, child, covering, below, depth + 1);
          out.push(null);
        } else out.push(element);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(object)) {
      let child: unknown;
      try {
        child = (object as Record<string, unknown>)[name];
      } catch {
        fail(walk, 'a getter that throws');
        continue;
      }
      const at = node === null ? null : (node.props[name] ?? null);
      const copied = copyValue(child, name, ancestors, walk, at, below, below, depth + 1);
      if (copied === SKIP) continue;
      if (name === '__proto__') Object.defineProperty(out, name, { value: copied, enumerable: true, writable: true, configurable: true });
      else out[name] = copied;
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

function fail(walk: Walk, what: string): typeof SKIP {
  // Something left out of the copy: the fast path cannot allow the call, so judging stops.
  walk.v = null;
  const unreadable = walk.unreadable;
  const entry = `(payload: ${what})`;
  if (!unreadable.includes(entry)) unreadable.push(entry);
  return SKIP;
}

function copyBytes(view: ArrayBufferView): Uint8Array | ArrayBufferView {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return Buffer.isBuffer(view) ? Buffer.from(bytes) : bytes.slice();
}
