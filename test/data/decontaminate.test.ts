import { describe, expect, it } from "vitest";
import { buildNgramIndex, findContamination, ngramItems } from "../../src/data/decontaminate.js";
import { normalizeText } from "../../src/data/normalize-text.js";

const items = [
  { index: 0, text: "The quick brown fox jumps over the lazy dog\nyes\nno" },
  { index: 1, text: "A completely different question about the lazy dog today" },
  { index: 2, text: "Too short" },
];

describe("buildNgramIndex", () => {
  it("indexes each item's word n-grams of normalised text and lists items too short to have one", () => {
    const index = buildNgramIndex(items, 4);
    expect(ngramItems(index, "the quick brown fox")).toEqual([0]);
    expect(ngramItems(index, "lazy dog yes no")).toEqual([0]);
    expect(ngramItems(index, "quick brown fox jumped")).toBeUndefined();
    expect(index.ngrams).toBe(8 + 6);
    expect(index.tooShort).toEqual([2]);
    expect(index.items).toBe(3);
  });

  it("keeps every item that shares an n-gram", () => {
    const index = buildNgramIndex([{ index: 0, text: "one two three" }, { index: 5, text: "zero one two three" }], 3);
    expect(ngramItems(index, "one two three")).toEqual([0, 5]);
    expect(ngramItems(index, "zero one two")).toEqual([5]);
  });
});

describe("findContamination", () => {
  const index = buildNgramIndex(items, 4);
  it("matches a row that contains an item's n-gram, naming the item, the count and one n-gram", () => {
    const row = normalizeText("Q: the QUICK brown fox jumps, over!");
    expect(findContamination(index, row, 1)).toEqual({ item: 0, shared: 3, ngram: "the quick brown fox" });
  });

  it("counts distinct n-grams only and needs the threshold", () => {
    const row = normalizeText("the quick brown fox. the quick brown fox. the quick brown fox.");
    expect(findContamination(index, row, 1)?.shared).toBe(1);
    expect(findContamination(index, row, 2)).toBeNull();
  });

  it("picks the item with most shared n-grams, not the first one hit", () => {
    const row = normalizeText("The quick brown fox. A completely different question about the lazy dog today");
    expect(findContamination(index, row, 1)).toEqual({ item: 1, shared: 6, ngram: "a completely different question" });
  });

  it("breaks a tie by the lower item index", () => {
    const tied = buildNgramIndex([{ index: 3, text: "alpha beta gamma" }, { index: 1, text: "delta epsilon zeta" }], 3);
    expect(findContamination(tied, "alpha beta gamma delta epsilon zeta", 1)).toEqual({ item: 1, shared: 1, ngram: "delta epsilon zeta" });
  });

  it("leaves clean rows and rows shorter than n alone", () => {
    expect(findContamination(index, normalizeText("The fox is quick and brown."), 1)).toBeNull();
    expect(findContamination(index, normalizeText("lazy dog"), 1)).toBeNull();
    expect(findContamination(index, "", 1)).toBeNull();
  });
});

describe("the index's memory", () => {
  it("lies in SharedArrayBuffers, which worker threads share instead of copying, and finds every n-gram of every item", () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const bench = Array.from({ length: 200 }, (_, index) => ({ index, words: Array.from({ length: 4 + Math.floor(next() * 20) }, () => words[Math.floor(next() * words.length)]!) }));
    const index = buildNgramIndex(bench.map((b) => ({ index: b.index, text: b.words.join(" ") })), 3);
    for (const array of [index.slots, index.lists, index.bits, index.coarse]) expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
    const want = new Map<string, number[]>();
    for (const b of bench) {
      for (let i = 0; i + 3 <= b.words.length; i++) {
        const gram = b.words.slice(i, i + 3).join(" ");
        const list = want.get(gram) ?? [];
        if (list[list.length - 1] !== b.index) list.push(b.index);
        want.set(gram, list);
      }
    }
    expect(index.ngrams).toBe(want.size);
    for (const [gram, list] of want) expect(ngramItems(index, gram), gram).toEqual(list);
    expect(ngramItems(index, "w1 w2 w3 w4")).toBeUndefined();
  });
});

describe("the filters before the n-gram lookup", () => {
  it("let through every window of a row that is an item's n-gram: the same match as counted n-gram by n-gram", () => {
    const vocabulary = Array.from({ length: 2000 }, (_, i) => `v${i.toString(36)}`);
    let seed = 11;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const words = (count: number) => Array.from({ length: count }, () => vocabulary[Math.floor(next() * vocabulary.length)]!);
    const n = 5;
    const bench = Array.from({ length: 3000 }, (_, index) => ({ index, words: words(n + Math.floor(next() * 40)) }));
    const index = buildNgramIndex(bench.map((b) => ({ index: b.index, text: b.words.join(" ") })), n);
    const gramsOf = (ws: string[]) => Array.from({ length: Math.max(0, ws.length - n + 1) }, (_, i) => ws.slice(i, i + n).join(" "));
    const itemGrams = bench.map((b) => new Set(gramsOf(b.words)));
    let matched = 0;
    for (let r = 0; r < 400; r++) {
      // Pieces of several items between random words.
      const row = [...words(20)];
      for (let k = 0; k < 1 + (r % 4); k++) {
        const item = bench[Math.floor(next() * bench.length)]!;
        const from = Math.floor(next() * item.words.length);
        row.push(...item.words.slice(from, from + n + Math.floor(next() * 10)), ...words(3));
      }
      const rowGrams = gramsOf(row);
      let best: { item: number; shared: number; ngram: string } | null = null;
      for (const b of bench) {
        const shared = new Set(rowGrams.filter((g) => itemGrams[b.index]!.has(g)));
        if (shared.size === 0 || (best !== null && shared.size <= best.shared)) continue;
        best = { item: b.index, shared: shared.size, ngram: rowGrams.find((g) => shared.has(g))! };
      }
      if (best !== null) matched++;
      expect(findContamination(index, row.join(" "), 1), row.join(" ")).toEqual(best);
    }
    expect(matched).toBeGreaterThan(300);
  });

  it("keep the coarse filter sparse: at most a quarter of its bits set, at 8 or more bits per n-gram", () => {
    const bench = Array.from({ length: 2000 }, (_, index) => ({ index, text: Array.from({ length: 60 }, (_, w) => `w${(index * 7919 + w * 104729) % 50000}`).join(" ") }));
    const index = buildNgramIndex(bench, 13);
    let set = 0;
    for (const word of index.coarse) for (let b = word; b !== 0; b &= b - 1) set++;
    const bits = index.coarse.length * 32;
    expect(bits).toBeGreaterThanOrEqual(8 * index.ngrams);
    expect(set / bits).toBeLessThan(0.25);
    expect(set).toBeGreaterThan(index.ngrams);
  });
});
