/**
 * JSON with object keys sorted at every level, so equal values hash equally. Every stage of
 * every trial is hashed through here, so it builds one string with no arrays in between.
 */
export function stableJson(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + stableJson(value[i]);
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  let out = "{";
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (out.length === 1 ? "" : ",") + JSON.stringify(k) + ":" + stableJson(v);
  }
  return out + "}";
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
    out += (out.length === 1 ? "" : ",") + JSON.stringify(k) + ":" + textOf(k, v);
  }
  return out + "}";
}
