import * as crypto from "node:crypto";
import { findContamination, findContaminationOfCandidates, type ContaminationMatch, type NgramIndex } from "./decontaminate.js";
import { normalizeText, WORD_CHAR } from "./normalize-text.js";
import { NGRAM_WINDOWS_WASM } from "./wasm/ngram-windows.generated.js";
import { NORMALIZE_ASCII_WASM } from "./wasm/normalize-ascii.generated.js";
import { utf8Write } from "./buffer-writes.js";

/**
 * What dedupe and decontamination read of a row: its turns, normalised (normalize-text.ts). The
 * dedupe key is sha256 over each turn's role, a 0 byte, its normalised content and a 1 byte, so
 * rows that differ only in case, punctuation, spacing or Unicode compatibility forms are one row;
 * the n-gram text is the non-empty normalised turns joined by spaces.
 *
 * When every turn is ASCII (the common case) the turns are normalised straight into one reused
 * buffer, their words hashed for the n-gram check on the way, and the key is hashed there: no
 * strings are built. A row with any other character goes the string way. Both give the same key
 * and the same match.
 */

/** Node 20.12 and later hash a buffer in one call, without a Hash object. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array | string, encoding: "latin1") => string }).hash;

/**
 * The SHA-256 digest as a Latin-1 string, one character a byte: Node makes a string of the digest
 * in a third less time than a Buffer of it (1 KB rows: about 1.4 against 2.1 us a call).
 */
function sha256(data: Uint8Array | string): string {
  return oneShot !== undefined ? oneShot("sha256", data, "latin1") : crypto.createHash("sha256").update(data).digest("binary");
}

/**
 * The WebAssembly modules that normalise ASCII text (wasm/normalize-ascii.wat) and find a row's
 * candidate n-gram windows (wasm/ngram-windows.wat), instantiated on first use in each thread
 * over one memory:
 *
 * - [0, 512): two tables, each byte's lower-case form when it belongs to words (else 0), and 1
 *   for a byte JSON escapes;
 * - from FILTERS: the coarse filter and the bitmap of the benchmark index in use (none before one);
 * - from `textAt`: the scratch text (`scratch`), then the words' hashes, then the candidates.
 */
interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  normalize(start: number, end: number, hashes: number): number;
  words: { value: number };
  escaped: { value: number };
  windows(hashes: number, words: number, n: number, coarse: number, coarseWords: number, bits: number, mask: number, out: number): number;
}
/** What this module uses of the WebAssembly global (Node's types leave it to the DOM library). */
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports?: object) => { exports: unknown } };
};
const FILTERS = 1024;
let kernels: Kernels | null = null;
/** The coarse filter whose index's filters are in the memory, and where they lie. */
let filtersOf: Uint32Array | null = null;
let bitsAt = FILTERS;
let textAt = FILTERS;
/** The memory from textAt on, and all of it as 32-bit words: remade when either moves. */
let scratch = Buffer.alloc(0);
let memoryWords = new Int32Array(0);

function loadKernels(): Kernels {
  const instance = (bytes: string, imports?: object): Record<string, unknown> =>
    new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(bytes, "base64")), imports).exports as Record<string, unknown>;
  const normalizing = instance(NORMALIZE_ASCII_WASM);
  const windows = instance(NGRAM_WINDOWS_WASM, { normalize: { memory: normalizing.memory } });
  const k = { ...normalizing, windows: windows.windows } as unknown as Kernels;
  const tables = new Uint8Array(k.memory.buffer, 0, 512);
  for (let c = 0; c < 128; c++) {
    tables[c] = WORD_CHAR[c] === 1 ? String.fromCharCode(c).toLowerCase().charCodeAt(0) : 0;
    tables[256 + c] = c < 0x20 || c === 0x22 || c === 0x5c ? 1 : 0;
  }
  return k;
}

/** Grows the memory to at least `size` bytes, and remakes the views when asked or when it grew. */
function ensureMemory(k: Kernels, size: number, remake: boolean): void {
  const have = k.memory.buffer.byteLength;
  if (have < size) k.memory.grow(Math.ceil((size - have) / 65536));
  if (remake || have < size || scratch.length === 0) {
    scratch = Buffer.from(k.memory.buffer, textAt);
    memoryWords = new Int32Array(k.memory.buffer);
  }
}

/** Copies a benchmark index's filters into the memory (once per index), the scratch text after them. */
function loadFilters(k: Kernels, index: NgramIndex): void {
  bitsAt = FILTERS + index.coarse.byteLength;
  textAt = (bitsAt + index.bits.byteLength + 63) & ~63;
  ensureMemory(k, textAt + (1 << 16), true);
  new Uint32Array(k.memory.buffer, FILTERS, index.coarse.length).set(index.coarse);
  new Uint32Array(k.memory.buffer, bitsAt, index.bits.length).set(index.bits);
  filtersOf = index.coarse;
}

/** Room for `bytes` of text and then `words` hashes and as many candidates; returns where the hashes go (from 0). */
function reserve(k: Kernels, bytes: number, words: number): number {
  const hashes = (textAt + bytes + 3) & ~3;
  ensureMemory(k, hashes + 8 * words, false);
  return hashes;
}

let turnStarts = new Int32Array(16);
let turnEnds = new Int32Array(16);

export interface RowCheck {
  /** The 32-byte dedupe key as 32 Latin-1 characters; null when not asked for. */
  key: string | null;
  /** The benchmark item the row overlaps most; null when none reaches the threshold or not asked for. */
  match: ContaminationMatch | null;
  /**
   * Every turn's content is printable ASCII without `"` or `\`: its own JSON between quotes
   * (json-bytes.ts), found on the normalising pass. False when not known.
   */
  plain: boolean;
}

export function checkTurns(turns: readonly { role: string; content: string }[], dedupe: boolean, index: NgramIndex | null, threshold: number): RowCheck {
  let need = 0;
  // Room for each turn as UTF-8 (at most three bytes a UTF-16 unit), and the key's text after the n-gram text.
  let room = 1;
  for (const t of turns) {
    need += 4 * t.content.length + 3 * t.role.length + 4;
    room += t.content.length + 1;
  }
  const k = (kernels ??= loadKernels());
  if (index !== null && index.coarse !== filtersOf) loadFilters(k, index);
  const hashesAt = reserve(k, need, room);
  if (turnStarts.length < turns.length) {
    turnStarts = new Int32Array(turns.length * 2);
    turnEnds = new Int32Array(turns.length * 2);
  }
  const s = scratch;
  const p = normalizeAscii(k, turns, s, hashesAt);
  if (p === -1) return checkStrings(turns, dedupe, index, threshold);
  let key: string | null = null;
  if (dedupe) {
    // The key's text, from p to q.
    let q = p;
    for (let i = 0; i < turns.length; i++) {
      q += utf8Write(s, turns[i]!.role, q);
      s[q++] = 0;
      s.copyWithin(q, turnStarts[i]!, turnEnds[i]!);
      q += turnEnds[i]! - turnStarts[i]!;
      s[q++] = 1;
    }
    key = sha256(s.subarray(p, q));
  }
  let match: ContaminationMatch | null = null;
  if (index !== null) {
    const candidatesAt = hashesAt + 4 * room;
    const count = k.windows(hashesAt, words, index.n, FILTERS, index.coarse.length - 1, bitsAt, index.bits.length * 32 - 1, candidatesAt);
    match = findContaminationOfCandidates(index, s, p, words, memoryWords, candidatesAt >>> 2, count, threshold);
  }
  return { key, match, plain: escaped === 0 };
}

/** Words of the last normalizeAscii, and whether it met a byte that JSON escapes (1) or not (0). */
let words = 0;
let escaped = 0;

/**
 * Writes the n-gram text of ASCII turns to `s` from 0 (each turn normalised as normalizeText
 * does, the non-empty ones joined by a space), notes where each turn lies (turnStarts, turnEnds),
 * writes the words' hashes from `hashesAt` and sets `words` and `escaped`; returns where the text
 * ends, or -1 when a turn is not ASCII.
 */
function normalizeAscii(k: Kernels, turns: readonly { content: string }[], s: Buffer, hashesAt: number): number {
  k.escaped.value = 0;
  let p = 0;
  let w = 0;
  for (let i = 0; i < turns.length; i++) {
    const text = turns[i]!.content;
    const start = p === 0 ? 0 : p + 1;
    // Copied as UTF-8 (as many bytes as characters only for ASCII), then normalised in place:
    // the normalised text never runs ahead of what it is made from.
    const end = start + utf8Write(s, text, start);
    if (end - start !== text.length) return -1;
    const q = k.normalize(textAt + start, textAt + end, hashesAt + 4 * w) - textAt;
    w += k.words.value;
    turnStarts[i] = start;
    turnEnds[i] = q;
    if (q > start) {
      if (p > 0) s[p] = 32;
      p = q;
    }
  }
  words = w;
  escaped = k.escaped.value;
  return p;
}

/** The same for any text: normalised strings. */
function checkStrings(turns: readonly { role: string; content: string }[], dedupe: boolean, index: NgramIndex | null, threshold: number): RowCheck {
  const normalized = turns.map((m) => normalizeText(m.content));
  let key: string | null = null;
  if (dedupe) {
    let text = "";
    for (let i = 0; i < turns.length; i++) text += turns[i]!.role + "\u0000" + normalized[i]! + "\u0001";
    key = sha256(text);
  }
  return { key, match: index === null ? null : findContamination(index, normalized.filter((t) => t.length > 0).join(" "), threshold), plain: false };
}
