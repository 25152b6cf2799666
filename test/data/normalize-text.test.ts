import { describe, expect, it } from "vitest";
import { normalizeText } from "../../src/data/normalize-text.js";

describe("normalizeText", () => {
  it("lower-cases, strips punctuation and collapses whitespace", () => {
    expect(normalizeText("  Hello,   World!\n\tIt's  (really) me...  ")).toBe("hello world it s really me");
  });

  it("applies NFKC: ligatures, full-width forms and compatibility digits", () => {
    expect(normalizeText("ﬁne ＡＢＣ ①")).toBe("fine abc 1");
  });

  it("strips punctuation of any script but keeps symbols and letters", () => {
    expect(normalizeText("«Bonjour» — ¿qué? 2+2=4 日本語。")).toBe("bonjour qué 2+2=4 日本語");
  });

  it("maps texts that differ only in form to the same string", () => {
    expect(normalizeText("What colour is the DADAJU?")).toBe(normalizeText("what colour is   the dadaju"));
  });
});

describe("normalizeText: the ASCII fast path", () => {
  it("agrees with the general path on every kind of ASCII text", () => {
    // Appending a non-ASCII word sends the text down the general (regex) path.
    const alphabet = "aZ09 \t\n\r\v\f!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u0000\u001f\u007f";
    let seed = 1;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 2000; i++) {
      let s = "";
      for (let j = next() % 40; j > 0; j--) s += alphabet[next() % alphabet.length];
      expect(normalizeText(s + " é"), JSON.stringify(s)).toBe([normalizeText(s), "é"].filter((x) => x !== "").join(" "));
    }
  });
});
