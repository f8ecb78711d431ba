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
