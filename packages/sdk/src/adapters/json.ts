export type StrictJson = { readonly ok: true; readonly value: unknown; readonly duplicate: false } | { readonly ok: false; readonly duplicate: boolean };

/**
 * `JSON.parse`, and whether any object repeats a key: parsers disagree on which of two
 * values wins (the guard would decide on one, the vendor read the other), so such a body
 * is refused.
 *
 * A repeated key is the only way the text can name more object members than the parsed
 * value holds (`JSON.parse` keeps one member per name), so the check counts both: the
 * member names in the text (strings followed by `:`) and the own keys of the parsed
 * objects. No set of keys is built: on the common body this is a few `indexOf` calls.
 */
export function parseJsonStrict(text: string): StrictJson {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, duplicate: false };
  }
  // Text as JSON.stringify writes it (the common body) names each member once, so it holds no
  // repeat: one builtin call instead of the two walks, which cost more right after an I/O wait.
  if (typeof value === 'object' && value !== null && JSON.stringify(value) !== text && memberNamesInText(text) !== keysInValue(value)) {
    return { ok: false, duplicate: true };
  }
  return { ok: true, value, duplicate: false };
}

/** How many object member names valid JSON text holds: each string whose next non-space character is `:`. */
function memberNamesInText(text: string): number {
  let count = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
    if (close === -1) return -1;
    let i = close + 1;
    let c = text.charCodeAt(i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
    if (c === 0x3a /* : */) count++;
    open = text.indexOf('"', i);
  }
  return count;
}

/** Whether the quote at `at` is escaped: an odd number of backslashes before it. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
  return (backslashes & 1) === 1;
}

/** Own keys of every object in a parsed JSON value (parsed values are plain objects and arrays). */
function keysInValue(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) count += keysInValue(value[i]);
    return count;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  count = keys.length;
  for (let i = 0; i < keys.length; i++) count += keysInValue(record[keys[i]]);
  return count;
}
