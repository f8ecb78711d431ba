import type { BlockedField } from '@flowgate/core';
import { EACH, parsePath, type PathSegment } from './payload-path.js';

const REMOVED: unique symbol = Symbol('removed');

/**
 * A copy of `payload` without every location the decision blocked (each blocked entry's
 * `paths`, subtrees included). Containers on the way are copied; everything else is
 * shared; the caller's object is never changed. An array element that is itself blocked
 * is dropped from the copy. Returns `undefined` when the payload itself is blocked.
 */
export function redactPayload(payload: unknown, blocked: readonly BlockedField[]): unknown {
  let result: unknown = payload;
  for (const entry of blocked) {
    for (const path of entry.paths ?? []) {
      const next = removeAt(result, parsePath(path), 0);
      if (next === REMOVED) return undefined;
      result = next;
    }
  }
  return result;
}

function removeAt(value: unknown, path: readonly PathSegment[], i: number): unknown {
  if (i === path.length) return REMOVED;
  if (typeof value !== 'object' || value === null || hasToJSON(value)) return value;
  const segment = path[i];
  if (segment === EACH) {
    if (!Array.isArray(value)) return value;
    let changed = false;
    const copy: unknown[] = [];
    for (const element of value as readonly unknown[]) {
      const next = removeAt(element, path, i + 1);
      if (next !== element) changed = true;
      if (next !== REMOVED) copy.push(next);
    }
    return changed ? copy : value;
  }
  if (Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, segment)) return value;
  const record = value as Readonly<Record<string, unknown>>;
  const child = record[segment];
  const next = removeAt(child, path, i + 1);
  if (next === child) return value;
  const copy: Record<string, unknown> = { ...record };
  if (next === REMOVED) delete copy[segment];
  else copy[segment] = next;
  return copy;
}

function hasToJSON(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
