/**
 * JSON with object keys sorted at every level, so equal values hash equally. Every stage of
 * every trial is hashed through here, so it builds one string with no arrays in between.
 */
export function stableJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return JSON.stringify(value) ?? "null";
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + stableJson(value[i]);
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 1) keys.sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length === 1 ? "" : ",") + quotedKey(k) + ":" + stableJson(v);
  }
  return out + "}";
}

/** JSON.stringify of an object's key, kept: a sweep's stages repeat the same few hundred keys thousands of times. */
const quotedKeys = new Map<string, string>();

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quotedKeys.size < 10_000) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * stableJson of a plain object whose defined members' texts `textOf(key, value)` gives (what
 * stableJson gives of the value, perhaps made earlier): the same text, for callers that keep or
 * already hold some members' texts. Members that are undefined are left out, as stableJson does.
 */
export function stableJsonMembers(obj: Record<string, unknown>, textOf: (key: string, value: unknown) => string): string {
  let out = "{";
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length === 1 ? "" : ",") + quotedKey(k) + ":" + textOf(k, v);
  }
  return out + "}";
}

/**
 * Whether `a` and `b` are the same JSON value: equal primitives, lists of the same items, objects
 * with the same keys (in any order) and the same members. When it says so, `stableJson` gives
 * both the same text, so a text made for one serves the other; it may say no for two values of
 * the same text (an undefined member against a missing one, NaN), which only costs a new text.
 * It allocates nothing but key lists, and costs a fifth of making the text.
 */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const list = Array.isArray(a);
  if (list !== Array.isArray(b)) return false;
  if (list) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJsonValue(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !sameJsonValue(x[k], y[k])) return false;
  }
  return true;
}
