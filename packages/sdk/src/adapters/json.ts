export type StrictJson = { readonly ok: true; readonly value: unknown; readonly duplicate: false } | { readonly ok: false; readonly duplicate: boolean };

/**
 * `JSON.parse`, and whether any object repeats a key: parsers disagree on which of two
 * values wins (the guard would decide on one, the vendor read the other), so such a body
 * is refused.
 */
export function parseJsonStrict(text: string): StrictJson {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, duplicate: false };
  }
  if (hasDuplicateKey(text)) return { ok: false, duplicate: true };
  return { ok: true, value, duplicate: false };
}

/** One pass over valid JSON text: a stack of key sets, one per open object (null for arrays). */
function hasDuplicateKey(text: string): boolean {
  if (!text.includes('{')) return false;
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const raw = text.slice(i + 1, j);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}
