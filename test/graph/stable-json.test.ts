import { describe, expect, it } from "vitest";
import { sameJsonValue, stableJson, stableJsonMembers } from "../../src/graph/stable-json.js";

/**
 * The definition content keys were made with (locks record them): sorted keys at every level,
 * undefined members left out, anything else JSON cannot write (a function, a symbol, undefined
 * in a list) written as null.
 */
function reference(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const members = Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`);
  return `{${members.join(",")}}`;
}

describe("stableJson", () => {
  it.each([
    ["primitives", [true, false, null, 0, -0, 1.5e-7, NaN, Infinity, "", "a\"b\\c\n\u2028"]],
    ["nested objects in any key order", { b: { z: 1, a: [{ y: 2, x: null }] }, a: "s", "\u00e9": true, 10: 1, 2: 2, "a\"q": 3 }],
    ["undefined members and items", { a: undefined, b: [undefined, 1], c: { d: undefined } }],
    ["functions and symbols", { f: () => 1, s: Symbol("s"), list: [() => 1, Symbol("t")] }],
    ["an empty object and list", { o: {}, l: [] }],
  ])("writes %s as JSON with sorted keys", (_name, value) => {
    expect(stableJson(value)).toBe(reference(value));
  });

  it("sorts keys at every level", () => {
    expect(stableJson({ b: 1, a: [2, { d: null, c: "x", e: undefined }], 10: true, 9: false })).toBe('{"10":true,"9":false,"a":[2,{"c":"x","d":null}],"b":1}');
  });

  it("gives null for what JSON leaves out at the top", () => {
    expect([stableJson(undefined), stableJson(() => 1), stableJson(Symbol("s"))]).toEqual(["null", "null", "null"]);
  });

  it("is the same text for the same keys in another order, however many objects repeat them", () => {
    const a = Array.from({ length: 50 }, (_, i) => ({ lr: i, epochs: 1, "key with \"quotes\"": [i] }));
    const b = a.map(({ lr, epochs, ...rest }) => ({ ...rest, epochs, lr }));
    expect(stableJson(a)).toBe(stableJson(b));
    expect(stableJson(a)).toBe(reference(a));
  });

  it("stableJsonMembers with stableJson as the member text is stableJson", () => {
    const value = { b: [1, { y: 1, x: 2 }], a: undefined, c: "t" };
    expect(stableJsonMembers(value, (_k, v) => stableJson(v))).toBe(stableJson(value));
  });
});

describe("sameJsonValue", () => {
  const values: unknown[] = [
    null, true, false, 0, 1, "1", "", "a", [], {}, [1, 2], [2, 1], [1, [2]], [[1], 2], { a: 1 }, { a: "1" }, { b: 1 },
    { a: 1, b: 2 }, { b: 2, a: 1 }, { a: { c: [1, { d: null }] } }, { a: { c: [1, { d: false }] } }, { a: [] }, { a: {} }, [null], [{}], { "0": 1 }, [1],
  ];

  it("says yes exactly for the pairs stableJson writes alike, among values with no undefined or NaN", () => {
    for (const a of values) for (const b of values) expect(sameJsonValue(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(stableJson(a) === stableJson(b));
  });

  it("says yes for copies, whatever their key order", () => {
    const a = { model: { id: "m", revision: "main" }, hp: { lr: 2e-5, epochs: 1 }, env: ["torch==2", "trl==1"] };
    const b = { env: [...a.env], hp: { epochs: 1, lr: 2e-5 }, model: { revision: "main", id: "m" } };
    expect(sameJsonValue(a, b)).toBe(true);
    expect(sameJsonValue({ ...b, hp: { epochs: 1, lr: 3e-5 } }, a)).toBe(false);
  });

  it("may say no where the texts agree, never yes where they differ", () => {
    // An undefined member and a missing one write alike; telling them apart only costs a new text.
    expect(sameJsonValue({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(stableJson({ a: 1, b: undefined })).toBe(stableJson({ a: 1 }));
    expect(sameJsonValue(NaN, NaN)).toBe(false);
    expect(sameJsonValue({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameJsonValue([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameJsonValue([], {})).toBe(false);
  });
});
