import type { Problem } from './domain-error';

/** Structural limits every JSON body is held to before it is parsed. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most elements in one array. */
  maxArrayLength: number;
  /** Most members in one object. */
  maxObjectKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxArrayLength: 100_000, maxObjectKeys: 10_000 };

/**
 * Keys that name the object model rather than data. A plain object never has them as
 * its own properties, and copying one (class-transformer, spread, merge) can reach the
 * prototype, so they are refused like any unknown property, at every depth.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

interface Frame {
  kind: 'object' | 'array';
  /** Elements (array) or members (object) seen so far. */
  count: number;
  /** An element or member has started since the last comma (arrays: anything but `]`). */
  open: boolean;
  keys: Set<string> | null;
  path: string;
  /** The key whose value comes next (objects). */
  key: string | null;
}

/**
 * One linear pass over JSON text, before `JSON.parse` builds anything: refuses nesting
 * deeper than `maxDepth`, arrays and objects over their size limits, duplicate keys and
 * prototype keys, each with its path and line. It stops at the first problem, so a 10 MB
 * array costs as much as its first `maxArrayLength` elements. Syntax errors are left to
 * `JSON.parse` (the scan returns null on text it cannot follow).
 */
export function scanJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Problem | null {
  const stack: Frame[] = [];
  let line = 1;
  let lineStart = 0;
  const at = (i: number) => `line ${line}, column ${i - lineStart + 1}`;
  const childPath = (frame: Frame | undefined): string => {
    if (!frame) return '';
    if (frame.kind === 'array') return `${frame.path}[${frame.count - 1}]`;
    const key = frame.key ?? '';
    const name = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
    return frame.path === '' ? name : /^[A-Za-z_$]/.test(name) ? `${frame.path}.${name}` : `${frame.path}[${name}]`;
  };
  const startValue = (): void => {
    const top = stack.at(-1);
    if (top?.kind === 'array' && !top.open) {
      top.open = true;
      top.count++;
    }
  };

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x0a: // \n
        line++;
        lineStart = i + 1;
        break;
      case 0x7b: // {
      case 0x5b: {
        // [
        startValue();
        const parent = stack.at(-1);
        const path = childPath(parent);
        if (stack.length >= limits.maxDepth) {
          return { path, message: `is nested more than ${limits.maxDepth} levels deep (at ${at(i)})` };
        }
        stack.push({ kind: c === 0x7b ? 'object' : 'array', count: 0, open: false, keys: c === 0x7b ? new Set() : null, path, key: null });
        break;
      }
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: {
        // ,
        const top = stack.at(-1);
        if (top) top.open = false;
        if (top?.kind === 'array' && top.count >= limits.maxArrayLength) {
          return { path: top.path, message: `must contain no more than ${limits.maxArrayLength} elements (at ${at(i)})` };
        }
        break;
      }
      case 0x22: {
        // "
        let end = i + 1;
        let escaped = false;
        for (; end < text.length; end++) {
          const d = text.charCodeAt(end);
          if (d === 0x5c) {
            escaped = true;
            end++;
          } else if (d === 0x22) break;
          else if (d === 0x0a) return null; // unterminated: JSON.parse says where
        }
        if (end >= text.length) return null;
        const top = stack.at(-1);
        if (top?.kind === 'object' && !top.open) {
          // A member name: the next non-space character must be a colon.
          let j = end + 1;
          while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r' || text[j] === '\n')) j++;
          if (text[j] === ':') {
            let key: string;
            try {
              key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
            } catch {
              return null;
            }
            top.open = true;
            top.count++;
            top.key = key;
            if (PROTOTYPE_KEYS.has(key)) {
              return { path: childPath(top), message: `is not a known property (at ${at(i)})` };
            }
            if (top.keys!.has(key)) {
              return { path: childPath(top), message: `is given more than once (duplicate key at ${at(i)})` };
            }
            if (top.count > limits.maxObjectKeys) {
              return { path: top.path, message: `must have no more than ${limits.maxObjectKeys} properties (at ${at(i)})` };
            }
            top.keys!.add(key);
          } else {
            startValue();
          }
        } else {
          startValue();
        }
        i = end;
        break;
      }
      case 0x20:
      case 0x09:
      case 0x0d:
      case 0x3a: // :
        break;
      default:
        startValue();
    }
  }
  return null;
}

/**
 * The same limits as `scanJson`, for a value already built (a YAML document): depth,
 * sizes and prototype keys, with the first problem's path. Iterative, so any depth is safe.
 */
export function limitProblem(value: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): Problem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limits.maxDepth) return { path, message: `is nested more than ${limits.maxDepth} levels deep` };
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayLength) return { path, message: `must contain no more than ${limits.maxArrayLength} elements` };
      v.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxObjectKeys) return { path, message: `must have no more than ${limits.maxObjectKeys} properties` };
    for (const key of keys) {
      const at = path === '' ? key : `${path}.${key}`;
      if (PROTOTYPE_KEYS.has(key)) return { path: at, message: 'is not a known property' };
      stack.push({ value: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}
