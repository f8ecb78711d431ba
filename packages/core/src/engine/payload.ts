import { MAX_PAYLOAD_DEPTH, type PathNode } from './policy.js';

/** What a payload carries: map fields (key → where found) and leaves no map path declares. */
export interface PayloadContents {
  /** Field key → the distinct normalized payload paths where it was found, in walk order. */
  readonly fields: Map<string, string[]>;
  /** Normalized paths of leaves (or unreadable subtrees) that no field of the map covers; null while none. */
  undeclared: Set<string> | null;
}

/**
 * Walks a JSON value alongside the path trie. A location matching a field's path is that
 * field, subtree included; the walk goes on below it only while deeper paths exist. Past
 * `MAX_PAYLOAD_DEPTH`, or at a cycle, an uncovered subtree counts as one undeclared leaf.
 */
export function readPayload(root: PathNode, payload: unknown, into: PayloadContents): void {
  visit(payload, root, root.path, false, 0, [], into);
}

function visit(
  value: unknown,
  node: PathNode | null,
  path: string,
  covered: boolean,
  depth: number,
  ancestors: object[],
  into: PayloadContents,
): void {
  if (!isJsonValue(value)) return; // JSON.stringify leaves it out: it is not sent
  if (node !== null && node.fields.length > 0) {
    covered = true;
    for (const key of node.fields) addPath(into.fields, key, path);
  }
  if (typeof value !== 'object' || value === null || !isContainer(value)) {
    if (!covered) addUndeclared(into, path);
    return;
  }
  if (depth >= MAX_PAYLOAD_DEPTH || ancestors.includes(value)) {
    if (!covered) addUndeclared(into, path);
    return;
  }
  ancestors.push(value);
  if (Array.isArray(value)) {
    const child = node?.each ?? null;
    if (child !== null || !covered) {
      const childPath = child?.path ?? `${path}[*]`;
      for (const element of value as readonly unknown[]) {
        visit(element, child, childPath, covered, depth + 1, ancestors, into);
      }
    }
  } else {
    const record = value as Readonly<Record<string, unknown>>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const child = node === null ? null : (node.props[name] ?? null);
      if (child === null && covered) continue;
      const childPath = child === null ? joinPath(path, name) : child.path;
      visit(record[name], child, childPath, covered, depth + 1, ancestors, into);
    }
  }
  ancestors.pop();
}

function addUndeclared(into: PayloadContents, path: string): void {
  (into.undeclared ??= new Set()).add(path);
}

function addPath(fields: Map<string, string[]>, key: string, path: string): void {
  const paths = fields.get(key);
  if (paths === undefined) fields.set(key, [path]);
  else if (!paths.includes(path)) paths.push(path);
}

/** What JSON.stringify writes (it drops undefined, functions and symbols). */
function isJsonValue(value: unknown): boolean {
  const type = typeof value;
  return type !== 'undefined' && type !== 'function' && type !== 'symbol';
}

/** Plain objects and arrays are walked; self-serializing objects (Date, Buffer) are a value. */
function isContainer(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return true;
  return typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

const PLAIN_NAME = /^[A-Za-z0-9_$-]+$/;

/** `customer` + `email` → `customer.email`; names a path cannot spell are quoted: `a["x.y"]`. */
export function joinPath(path: string, name: string): string {
  if (!PLAIN_NAME.test(name)) return `${path}[${JSON.stringify(name)}]`;
  return path === '' ? name : `${path}.${name}`;
}
