import { classifyText, type ValueKind } from './classify.js';
import { MAX_PAYLOAD_DEPTH, type Lookup, type PathNode, type UrlTemplate } from './policy.js';

/** What a payload carries: map fields (key → where found) and leaves no map path declares. */
export interface PayloadContents {
  /** Field key → the distinct normalized payload paths where it was found, in walk order. */
  readonly fields: Map<string, string[]>;
  /** Normalized paths of leaves (or unreadable subtrees) that no field of the map covers; null while none. */
  undeclared: Set<string> | null;
  /** Paths of values the classifiers recognise as a kind no field there may carry; null while none. */
  misfiled: Set<string> | null;
}

/** Field key → the kinds of value it may carry. */
type Kinds = Lookup<readonly ValueKind[]>;
const NO_FIELDS: readonly string[] = [];

/**
 * Walks a JSON value alongside the path trie. A location matching a field's path is that
 * field: its value, and the elements of an array there, but not an object's properties
 * below it (each is undeclared unless a path declares it too, or the path ends in `.**`). Every value a field covers
 * is classified: a kind none of the covering fields may carry is `misfiled`. Past
 * `MAX_PAYLOAD_DEPTH`, or at a cycle, the subtree counts as one undeclared leaf.
 */
export function readPayload(root: PathNode, kinds: Kinds, payload: unknown, into: PayloadContents): void {
  visit(payload, root, root.path, NO_FIELDS, NO_FIELDS, 0, [], kinds, into);
}

/**
 * `covering`: the fields this value is (a path ends here, or at the array holding it);
 * `below`: fields declared with `.**` above, covering everything down here.
 */
function visit(
  value: unknown,
  node: PathNode | null,
  path: string,
  covering: readonly string[],
  below: readonly string[],
  depth: number,
  ancestors: object[],
  kinds: Kinds,
  into: PayloadContents,
): void {
  if (!isJsonValue(value)) return; // JSON.stringify leaves it out: it is not sent
  if (node !== null && node.fields.length > 0) {
    covering = node.fields;
    for (const key of covering) addPath(into.fields, key, path);
    if (node.subtree.length > 0) below = node.subtree;
  } else if (covering.length === 0) covering = below;
  if (typeof value !== 'object' || value === null || !isContainer(value)) {
    if (covering.length === 0) addUndeclared(into, path);
    else if (misfiled(value, covering, kinds)) (into.misfiled ??= new Set()).add(path);
    return;
  }
  if (depth >= MAX_PAYLOAD_DEPTH || ancestors.includes(value)) {
    if (below.length === 0) addUndeclared(into, path);
    return;
  }
  ancestors.push(value);
  if (Array.isArray(value)) {
    const child = node?.each ?? null;
    const childPath = child?.path ?? `${path}[*]`;
    for (const element of value as readonly unknown[]) {
      visit(element, child, childPath, covering, below, depth + 1, ancestors, kinds, into);
    }
  } else {
    const record = value as Readonly<Record<string, unknown>>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const child = node === null ? null : (node.props[name] ?? null);
      const childPath = child === null ? joinPath(path, name) : child.path;
      visit(record[name], child, childPath, below, below, depth + 1, ancestors, kinds, into);
    }
  }
  ancestors.pop();
}

export function misfiled(value: unknown, covering: readonly string[], kinds: Kinds): boolean {
  const kind = classifyText(typeof value === 'string' || typeof value === 'number' ? value : null);
  if (kind === null) return false;
  for (const key of covering) if (kinds[key]?.includes(kind)) return false;
  return true;
}

/**
 * The request's URL path: each segment a template puts a field in is that field (and
 * classified like a payload value); any other segment the classifiers recognise as
 * personal is undeclared, under `url:/<index>`.
 */
export function readUrlPath(templates: readonly UrlTemplate[], kinds: Kinds, urlPath: string, into: PayloadContents): void {
  const segments = urlPath.split('/').slice(1).map(decodeSegment);
  const held = new Set<number>();
  for (const template of templates) {
    if (template.segments.length !== segments.length) continue;
    if (!template.segments.every((s, i) => s === null || s === segments[i])) continue;
    template.segments.forEach((s, i) => {
      if (s !== null) return;
      held.add(i);
      for (const key of template.fields) addPath(into.fields, key, template.path);
      if (misfiled(segments[i], template.fields, kinds)) (into.misfiled ??= new Set()).add(template.path);
    });
  }
  segments.forEach((segment, i) => {
    if (!held.has(i) && classifyText(segment) !== null) addUndeclared(into, `url:/${i}`);
  });
}

/** Whether `readUrlPath` without templates finds anything: a segment the classifiers recognise. */
export function anySegmentClassified(urlPath: string): boolean {
  // A pure function of the path, remembered per path string: a service calls the same few
  // vendor paths again and again, and classifying each segment on every call (2-3 µs right
  // after an I/O wait) was a large share of `guard.fetch`'s decision. Bounded (the memo
  // starts over when full), so paths built per user cannot grow it.
  const known = classifiedPaths.get(urlPath);
  if (known !== undefined) return known;
  const found = classifyPathSegments(urlPath);
  if (classifiedPaths.size >= MAX_CLASSIFIED_PATHS) classifiedPaths.clear();
  classifiedPaths.set(urlPath, found);
  return found;
}

const classifiedPaths = new Map<string, boolean>();
const MAX_CLASSIFIED_PATHS = 512;

function classifyPathSegments(urlPath: string): boolean {
  // The segments of `urlPath.split('/').slice(1)`, without building the array.
  let start = urlPath.indexOf('/');
  if (start === -1) return false;
  while (start !== -1) {
    const end = urlPath.indexOf('/', start + 1);
    const segment = urlPath.slice(start + 1, end === -1 ? urlPath.length : end);
    if (classifyText(decodeSegment(segment)) !== null) return true;
    start = end;
  }
  return false;
}

function decodeSegment(segment: string): string {
  // Without a `%` there is nothing to decode (and no try/catch to run).
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
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
export function isJsonValue(value: unknown): boolean {
  const type = typeof value;
  return type !== 'undefined' && type !== 'function' && type !== 'symbol';
}

/** Plain objects and arrays are walked; self-serializing objects (Date, Buffer) are a value. */
export function isContainer(value: object): boolean {
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
