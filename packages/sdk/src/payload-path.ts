import { classifyText, joinPath } from '@flowgate/core';

/** `[*]` in a normalized payload path: every element of an array. */
export const EACH: unique symbol = Symbol('each');
export type PathSegment = string | typeof EACH;

/**
 * Splits a normalized payload path, as the engine writes it, into segments:
 * `to[*].email` → `to`, EACH, `email`; `a["x.y"]` → `a`, `x.y`; `''` → none.
 * Throws on anything else (the guard fails closed on it).
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
    } else if (c === '[') {
      if (path.startsWith('[*]', i)) {
        segments.push(EACH);
        i += 3;
        continue;
      }
      const end = closingQuote(path, i + 1);
      segments.push(JSON.parse(path.slice(i + 1, end + 1)) as string);
      if (path[end + 1] !== ']') throw new SyntaxError(`bad payload path "${path}"`);
      i = end + 2;
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      segments.push(path.slice(i, j));
      i = j;
    }
  }
  return segments;
}

function closingQuote(path: string, start: number): number {
  if (path[start] !== '"') throw new SyntaxError(`bad payload path "${path}"`);
  for (let i = start + 1; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '"') return i;
  }
  throw new SyntaxError(`bad payload path "${path}"`);
}

/** What a payload key that looks like personal data is shown as, in errors, audit events and drift reports. */
export const PERSONAL_KEY = '<personal key>';

/**
 * `path` with every key the value classifiers recognise as personal data (an email, a
 * phone number, …) replaced by `<personal key>`: `recipients["carol@example.com"]` →
 * `recipients[<personal key>]`. Other paths are returned as they are.
 */
export function maskPath(path: string): string {
  if (!/[@\d%]/.test(path)) return path;
  let segments: PathSegment[];
  try {
    segments = parsePath(path);
  } catch {
    return classifyText(path) === null ? path : path.replace(/[^\s()[\]:"]+/g, (token) => (classifyText(token) === null ? token : PERSONAL_KEY));
  }
  let masked = false;
  const out = segments.map((segment) => {
    if (segment === EACH || classifyText(segment) === null) return segment;
    masked = true;
    return PERSONAL_KEY;
  });
  if (!masked) return path;
  let text = '';
  for (const segment of out) {
    if (segment === EACH) text += '[*]';
    else if (segment === PERSONAL_KEY) text += `[${PERSONAL_KEY}]`;
    else text = joinPath(text, segment);
  }
  return text;
}
