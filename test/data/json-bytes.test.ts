import { describe, expect, it } from "vitest";
import { JsonBytes } from "../../src/data/json-bytes.js";

/** What JsonBytes writes for `value`, starting from a buffer of `size` bytes (so that it must grow). */
function written(value: unknown, size = 4, plain: string[] = []): string | undefined {
  const out = new JsonBytes(Buffer.alloc(size));
  out.plain.push(...plain);
  const wrote = out.value(value);
  return wrote ? out.buffer.toString("utf8", 0, out.length) : undefined;
}

const STRINGS = [
  "",
  "plain text, with punctuation! (and numbers: 1, 2)",
  'a "quoted" word',
  "back\\slash",
  "line\nbreak\ttab\rreturn\bback\fform",
  "\u0000\u0001\u001f control",
  "\u007f delete",
  "caf\u00e9 \u00ff latin-1",
  "\u4e2d\u6587 and \ud83d\ude00",
  "lone \ud800 high and \udc00 low surrogates",
  "\u2028\u2029 separators",
  "</script>",
];

describe("JsonBytes", () => {
  it("writes the bytes of JSON.stringify, for strings that need escapes and those that do not", () => {
    for (const s of STRINGS) expect(written(s), JSON.stringify(s)).toBe(JSON.stringify(s));
    expect(written(STRINGS)).toBe(JSON.stringify(STRINGS));
  });

  it("writes rows of every shape as JSON.stringify does", () => {
    const values: unknown[] = [
      { messages: [{ role: "user", content: STRINGS[1] }, { role: "assistant", content: STRINGS[2] }] },
      { prompt: [{ role: "user", content: "q" }], chosen: [], rejected: [{ role: "assistant", content: STRINGS[8] }] },
      { prompt: [], completion: [], label: false },
      // Integer-like keys come first, in JSON.stringify as in Object.keys.
      { b: 1, 2: "two", a: null, 1: true, "key \"quoted\"": -0, [Symbol("s")]: 1 },
      { gone: undefined, fn: () => 1, kept: [undefined, () => 1, NaN, Infinity, 1e21, 1.5e-7, -12] },
      { date: new Date(Date.UTC(2026, 11, 7)), custom: { toJSON: () => "custom" }, nested: { deeper: [[], {}, [{}]] } },
      Object.assign(Object.create(null) as object, { bare: "object" }),
      [1, "two", [3], { four: 4 }],
      null,
      true,
      3.25,
    ];
    for (const v of values) expect(written(v), JSON.stringify(v)).toBe(JSON.stringify(v));
    // One writer for all, twice over: keys and short strings come from what it kept the first time.
    const out = new JsonBytes(Buffer.alloc(1));
    for (const v of [...values, ...STRINGS, ...values, ...STRINGS]) {
      out.value(v);
      out.byte(10);
    }
    const want = [...values, ...STRINGS, ...values, ...STRINGS].map((v) => JSON.stringify(v) + "\n").join("");
    expect(out.buffer.toString("utf8", 0, out.length)).toBe(want);
  });

  it("writes nothing and says so where JSON.stringify gives undefined, and throws where it throws", () => {
    expect(written(undefined)).toBeUndefined();
    expect(written(() => 1)).toBeUndefined();
    expect(() => written({ big: 1n })).toThrow(TypeError);
  });

  it("writes the strings the caller vouches for as they are, and appends after what is written", () => {
    const out = new JsonBytes(Buffer.alloc(2));
    out.plain.push("vouched for");
    out.value({ a: "vouched for" });
    out.byte(10);
    out.plain.length = 0;
    out.value(["x\ny"]);
    expect(out.buffer.toString("utf8", 0, out.length)).toBe('{"a":"vouched for"}\n["x\\ny"]');
  });
});
