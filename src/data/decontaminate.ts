import { normalizeText } from "./normalize-text.js";

/** A benchmark item as decontamination sees it: its index and question plus choices. */
export interface BenchmarkText {
  /** 0-based position in the benchmark file (line number minus one). */
  index: number;
  text: string;
}

/** Word n-grams of every benchmark item, by n-gram text. */
/**
 * Word n-grams of every benchmark item, in typed arrays over SharedArrayBuffers, so that worker
 * threads share the one copy: n-grams are known by two independent 32-bit hashes of their text
 * (a false match needs both to collide, about one chance in 2^64 per lookup), each with the
 * ascending list of its items. A Map from n-gram text held 29 MB of heap for 340,000 n-grams, on
 * every thread, for the whole of a prepare; these arrays hold 18 MB once.
 */
export interface NgramIndex {
  n: number;
  /** Per slot: the two hashes, and where the slot's items start in `lists` (-1: empty). */
  slots: Int32Array;
  /** Item lists, each ended by -1. */
  lists: Int32Array;
  /** Distinct n-grams. */
  ngrams: number;
  /**
   * A bitmap of the rolling hashes of every n-gram, 32 to 64 bits per n-gram, two bits set for
   * each (the hash and its mix, see secondBit): a window with either bit clear cannot match, and
   * about 0.2% of the others are false alarms. Small enough to stay in a CPU cache (2 MB for
   * 10,000 benchmark items of 46 words).
   */
  bits: Uint32Array;
  /** The filter every window reads first, before `bits`: see coarseMix. */
  coarse: Uint32Array;
  items: number;
  /** Items with fewer than n words: they have no n-gram and can match nothing. */
  tooShort: number[];
}

export interface ContaminationMatch {
  /** Index of the benchmark item with the most n-grams in common (the first, on a tie). */
  item: number;
  /** Distinct n-grams the row shares with that item. */
  shared: number;
  /** The first shared n-gram, as normalised text. */
  ngram: string;
}

/**
 * Word positions and a rolling hash of every n-word window, so that most windows are rejected
 * by one integer lookup and only candidates are cut out as strings. Buffers are reused between
 * calls: the functions here are synchronous.
 */
let starts = new Int32Array(1024);
let wordHashes = new Int32Array(1024);
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const BASE = 0x5bd1e995;

/** Fills `starts` and `wordHashes` for normalised text (single spaces, none at the ends); returns the word count. */
function scanWords(text: string): number {
  if (text.length === 0) return 0;
  // At most one word per two characters, plus one.
  if (starts.length < (text.length >>> 1) + 1) {
    starts = new Int32Array(text.length + 1);
    wordHashes = new Int32Array(text.length + 1);
  }
  const s = starts;
  const h = wordHashes;
  let words = 1;
  let hash = FNV_OFFSET;
  s[0] = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      h[words - 1] = hash;
      hash = FNV_OFFSET;
      s[words++] = i + 1;
    } else hash = Math.imul(hash ^ c, FNV_PRIME);
  }
  h[words - 1] = hash;
  return words;
}

/**
 * The coarse filter: a window's hash, mixed (so that it says nothing of the bits `bits` reads),
 * picks one 32-bit word (its bits 10 and up) and two bits in it (its low ten). 8 to 16 bits per
 * n-gram: 512 KB for 340,000 n-grams. Every window reads it first, one word, and about 2% of
 * windows get through to `bits`. The rows' own work (their bytes, the spill, the young heap) runs
 * megabytes through the CPU's caches between two rows, so `bits`, four times the size, is mostly
 * read from memory: read first, it took 60-80 ns a window in a prepare of 100,000 rows, against
 * 15-20 ns in a loop with nothing else running.
 */
function coarseMix(hash: number): number {
  return Math.imul(hash ^ (hash >>> 13), 0x2c1b3c6d);
}

function coarsePair(mixed: number): number {
  return (1 << (mixed & 31)) | (1 << ((mixed >>> 5) & 31));
}

/** The bitmap's second bit for a window's hash: the hash mixed, so that its high bits count too. */
function secondBit(hash: number, mask: number): number {
  const x = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 13)) & mask;
}

/** The rolling hash of the window after the one at word w, given `hash`, the one at w. */
function roll(hash: number, w: number, n: number, top: number): number {
  return (Math.imul((hash - Math.imul(wordHashes[w]!, top)) | 0, BASE) + wordHashes[w + n]!) | 0;
}

/** The hash of the first window, and BASE^(n-1): the weight of the word that leaves it. */
function firstWindow(n: number): { hash: number; top: number } {
  let top = 1;
  for (let j = 1; j < n; j++) top = Math.imul(top, BASE);
  let hash = 0;
  for (let j = 0; j < n; j++) hash = (Math.imul(hash, BASE) + wordHashes[j]!) | 0;
  return { hash, top };
}

/** The text of the window of n words starting at word w. */
function gramAt(text: string, words: number, w: number, n: number): string {
  return text.slice(starts[w]!, w + n < words ? starts[w + n]! - 1 : text.length);
}

export function buildNgramIndex(items: readonly BenchmarkText[], n: number): NgramIndex {
  const grams = new Map<string, number | number[]>();
  const hashes: number[] = [];
  const tooShort: number[] = [];
  for (const item of items) {
    const text = normalizeText(item.text);
    const words = scanWords(text);
    if (words < n) {
      tooShort.push(item.index);
      continue;
    }
    let { hash, top } = firstWindow(n);
    for (let w = 0; w + n <= words; w++) {
      if (w > 0) hash = roll(hash, w - 1, n, top);
      hashes.push(hash);
      const gram = gramAt(text, words, w, n);
      const seen = grams.get(gram);
      if (seen === undefined) grams.set(gram, item.index);
      else if (typeof seen === "number") {
        if (seen !== item.index) grams.set(gram, [seen, item.index]);
      } else if (seen[seen.length - 1] !== item.index) seen.push(item.index);
    }
  }
  let size = 1 << 16;
  while (size < hashes.length * 32 && size < 1 << 30) size *= 2;
  const bits = shared(Uint32Array, size / 32);
  const mask = size - 1;
  for (const hash of hashes) {
    const bit = hash & mask;
    bits[bit >>> 5]! |= 1 << (bit & 31);
    const second = secondBit(hash, mask);
    bits[second >>> 5]! |= 1 << (second & 31);
  }
  let coarseSize = 1 << 12;
  while (coarseSize < hashes.length * 8 && coarseSize < 1 << 27) coarseSize *= 2;
  const coarse = shared(Uint32Array, coarseSize / 32);
  const words = coarse.length - 1;
  for (const hash of hashes) {
    const mixed = coarseMix(hash);
    coarse[(mixed >>> 10) & words]! |= coarsePair(mixed);
  }
  // The Map is garbage from here: what a lookup needs is packed into the slots.
  return { n, ...packGrams(grams), ngrams: grams.size, bits, coarse, items: items.length, tooShort };
}

/**
 * The benchmark item a training row overlaps most, when it shares at least `threshold` distinct
 * n-grams with it; null otherwise. `text` is the row's normalised text (turns joined by spaces).
 */
export function findContamination(index: NgramIndex, text: string, threshold: number): ContaminationMatch | null {
  const words = scanWords(text);
  return bestMatch(index, words, threshold, (w) => gramAt(text, words, w, index.n));
}

/**
 * findContamination for a row's normalised text when it is ASCII, as bytes `bytes[0..end)`, of
 * `words` words, whose candidate windows (those that pass the coarse filter and the bitmap, as
 * bestMatch finds them; row-text.ts has wasm/ngram-windows.wat find them) are
 * `candidates[from..from+count)`: the same answer, without making the text a string (only candidate
 * n-grams become strings).
 */
export function findContaminationOfCandidates(
  index: NgramIndex,
  bytes: Buffer,
  end: number,
  words: number,
  candidates: ArrayLike<number>,
  from: number,
  count: number,
  threshold: number,
): ContaminationMatch | null {
  if (count === 0) return null;
  const n = index.n;
  if (starts.length < words) {
    // The two grow together: scanWords sizes both by `starts`.
    starts = new Int32Array(words);
    wordHashes = new Int32Array(words);
  }
  let k = 1;
  starts[0] = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 32) starts[k++] = i + 1;
  const list: number[] = [];
  for (let i = from; i < from + count; i++) list.push(candidates[i]!);
  return matchCandidates(index, list, threshold, (w) => bytes.toString("latin1", starts[w]!, w + n < words ? starts[w + n]! - 1 : end));
}

/** The best match among the windows of the words just scanned; `gramOf(w)` is the text of the window at word w. */
function bestMatch(index: NgramIndex, words: number, threshold: number, gramOf: (w: number) => string): ContaminationMatch | null {
  const { n, bits, coarse } = index;
  const mask = bits.length * 32 - 1;
  const coarseWords = coarse.length - 1;
  if (words < n) return null;
  let candidates: number[] | null = null;
  let { hash, top } = firstWindow(n);
  for (let w = 0; w + n <= words; w++) {
    if (w > 0) hash = roll(hash, w - 1, n, top);
    const mixed = coarseMix(hash);
    const pair = coarsePair(mixed);
    if ((coarse[(mixed >>> 10) & coarseWords]! & pair) !== pair) continue;
    const bit = hash & mask;
    if ((bits[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
    const second = secondBit(hash, mask);
    if ((bits[second >>> 5]! & (1 << (second & 31))) !== 0) (candidates ??= []).push(w);
  }
  return candidates === null ? null : matchCandidates(index, candidates, threshold, gramOf);
}

/** The best match among the windows (word numbers, ascending) that passed the filters, each looked up by its text. */
function matchCandidates(index: NgramIndex, candidates: readonly number[], threshold: number, gramOf: (w: number) => string): ContaminationMatch | null {
  let hits = null as Map<number, { shared: number; ngram: string }> | null;
  let counted = null as Set<string> | null;
  for (const w of candidates) {
    const gram = gramOf(w);
    const items = ngramItems(index, gram);
    // Absent: two different n-grams with one hash. Counted: the row repeats this n-gram.
    if (items === undefined || counted?.has(gram) === true) continue;
    (counted ??= new Set()).add(gram);
    hits ??= new Map();
    for (const item of items) {
      const hit = hits.get(item);
      if (hit === undefined) hits.set(item, { shared: 1, ngram: gram });
      else hit.shared++;
    }
  }
  if (hits === null) return null;
  let best: ContaminationMatch | null = null;
  for (const [item, hit] of hits) {
    if (hit.shared < threshold) continue;
    if (best === null || hit.shared > best.shared || (hit.shared === best.shared && item < best.item)) best = { item, shared: hit.shared, ngram: hit.ngram };
  }
  return best;
}

function gramHashes(gram: string): [number, number] {
  let a = FNV_OFFSET;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < gram.length; i++) {
    const c = gram.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a, b];
}

function shared<T extends Int32Array | Uint32Array>(Type: new (buffer: SharedArrayBuffer) => T, length: number): T {
  return new Type(new SharedArrayBuffer(length * 4));
}

/** The n-grams' items by the two hashes of their text, in open addressing. */
function packGrams(grams: Map<string, number | number[]>): { slots: Int32Array; lists: Int32Array } {
  let size = 1024;
  while (size < grams.size * 2) size *= 2;
  const slots = shared(Int32Array, size * 3);
  for (let i = 0; i < size; i++) slots[i * 3 + 2] = -1;
  let total = 0;
  for (const items of grams.values()) total += (typeof items === "number" ? 1 : items.length) + 1;
  const lists = shared(Int32Array, total);
  const mask = size - 1;
  let at = 0;
  for (const [gram, list] of grams) {
    const [a, b] = gramHashes(gram);
    let slot = a & mask;
    while (slots[slot * 3 + 2] !== -1) slot = (slot + 1) & mask;
    slots[slot * 3] = a;
    slots[slot * 3 + 1] = b;
    slots[slot * 3 + 2] = at;
    for (const item of typeof list === "number" ? [list] : list) lists[at++] = item;
    lists[at++] = -1;
  }
  return { slots, lists };
}

/** The items that contain the n-gram `gram` (ascending), or undefined when none does. */
export function ngramItems(index: NgramIndex, gram: string): number[] | undefined {
  const { slots, lists } = index;
  const mask = slots.length / 3 - 1;
  const [a, b] = gramHashes(gram);
  for (let slot = a & mask; ; slot = (slot + 1) & mask) {
    const start = slots[slot * 3 + 2]!;
    if (start === -1) return undefined;
    if (slots[slot * 3] === a && slots[slot * 3 + 1] === b) {
      const out: number[] = [];
      for (let i = start; lists[i] !== -1; i++) out.push(lists[i]!);
      return out;
    }
  }
}
