import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildNgramIndex, findContamination } from "../../src/data/decontaminate.js";
import { normalizeText } from "../../src/data/normalize-text.js";
import { checkTurns } from "../../src/data/row-text.js";

/** The definitions, on strings: the key over role, 0, normalised content, 1; the n-gram text joined by spaces. */
function reference(turns: { role: string; content: string }[], index: Parameters<typeof findContamination>[0]) {
  const normalized = turns.map((t) => normalizeText(t.content));
  const key = createHash("sha256")
    .update(turns.map((t, i) => `${t.role}\u0000${normalized[i]}\u0001`).join(""))
    .digest();
  return { key, match: findContamination(index, normalized.filter((t) => t !== "").join(" "), 1) };
}

let seed = 7;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const WORDS = ["alpha", "Beta", "gamma", "DELTA", "eps", "zeta", "eta", "theta"];
const GLUE = [" ", "  ", ", ", "! ", "\n", " -- ", "...", "\t(", ") ", "'", ' "', "\\", "\u007f", " ", " ", " ", " "];

function text(words: number, nonAscii: boolean): string {
  let s = next() % 3 === 0 ? " " : "";
  for (let i = 0; i < words; i++) s += WORDS[next() % WORDS.length]! + GLUE[next() % GLUE.length]!;
  return nonAscii ? s + " ﬁne Ｇamma «x»" : s;
}

describe("checkTurns", () => {
  const benchmark = Array.from({ length: 20 }, (_, i) => ({ index: i, text: text(15, i % 5 === 0) }));
  const index = buildNgramIndex(benchmark, 4);

  it("gives the key and the match of the string definitions, ASCII or not", () => {
    let matched = 0;
    let plainRows = 0;
    for (let row = 0; row < 400; row++) {
      const turns = Array.from({ length: 1 + (next() % 4) }, (_, i) => ({
        role: i % 2 === 0 ? "user" : "assistant",
        // Some turns empty once normalised, some quoting a benchmark item, some not ASCII.
        content: next() % 7 === 0 ? "?!" : next() % 5 === 0 ? benchmark[next() % benchmark.length]!.text : text(next() % 30, next() % 9 === 0),
      }));
      const want = reference(turns, index);
      const got = checkTurns(turns, true, index, 1);
      expect(Buffer.from(got.key!, "latin1").equals(want.key), JSON.stringify(turns)).toBe(true);
      expect(got.match, JSON.stringify(turns)).toEqual(want.match);
      // Plain: each content is its own JSON between quotes (printable ASCII and DEL, no quote or backslash).
      const plain = turns.every((t) => JSON.stringify(t.content) === `"${t.content}"` && /^[\x00-\x7f]*$/.test(t.content));
      expect(got.plain, JSON.stringify(turns)).toBe(plain);
      expect(checkTurns(turns, false, index, 1)).toEqual({ key: null, match: want.match, plain });
      if (plain) plainRows++;
      if (want.match !== null) matched++;
    }
    // The rows above must exercise matches, not only misses.
    expect(matched).toBeGreaterThan(50);
    expect(plainRows).toBeGreaterThan(20);
    expect(plainRows).toBeLessThan(380);
  });

  it("gives the same for turns longer than the scratch memory holds at first, and for the rows after them", () => {
    const long = Array.from({ length: 3 }, () => text(40_000, false));
    const rows = [[{ role: "user", content: "a short turn, before" }], long.map((content, i) => ({ role: i === 1 ? "assistant" : "user", content })), [{ role: "user", content: "a short turn, after" }]];
    for (const turns of rows) {
      const want = reference(turns, index);
      const got = checkTurns(turns, true, index, 1);
      expect(Buffer.from(got.key!, "latin1").equals(want.key)).toBe(true);
      expect(got.match).toEqual(want.match);
    }
  });
});
