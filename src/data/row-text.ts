import * as crypto from "node:crypto";
import { findContamination, findContaminationOfWords, wordArrays, type ContaminationMatch, type NgramIndex, type SharedNgramIndex } from "./decontaminate.js";
import { normalizeText, WORD_CHAR } from "./normalize-text.js";
import { NORMALIZE_ASCII_WASM } from "./wasm/normalize-ascii.generated.js";

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

/**
 * Writes `text` as UTF-8 into `buffer` at `at` (room checked by the caller); returns the bytes
 * written. Buffer's own utf8Write, where `write` first sorts out its optional arguments: a sixth
 * of the time of normalising a turn went there.
 */
const utf8Write: (buffer: Buffer, text: string, at: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buffer, text, at) => (buffer as unknown as { utf8Write(text: string, at: number): number }).utf8Write(text, at)
    : (buffer, text, at) => buffer.write(text, at, "utf8");

/** Node 20.12 and later hash a buffer in one call, without a Hash object. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: "buffer") => Buffer }).hash;

function sha256(data: Uint8Array): Buffer {
  return oneShot !== undefined ? oneShot("sha256", data, "buffer") : crypto.createHash("sha256").update(data).digest();
}

/**
 * The WebAssembly module that normalises ASCII text (wasm/normalize-ascii.wat), instantiated on
 * first use in each thread. Its memory holds two tables (each byte's lower-case form when it
 * belongs to words, else 0; and 1 for a byte JSON escapes), then the scratch text from TEXT on,
 * then the words' hashes.
 */
interface Normalizer {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  normalize: (start: number, end: number, hashes: number) => number;
  words: { value: number };
  escaped: { value: number };
}
/** What this module uses of the WebAssembly global (Node's types leave it to the DOM library). */
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } };
};
const TEXT = 1024;
let normalizer: Normalizer | null = null;
/** The memory from TEXT on, and all of it as 32-bit words: remade when the memory grows. */
let scratch = Buffer.alloc(0);
let memoryWords = new Int32Array(0);

function loadNormalizer(): Normalizer {
  const module = new WebAssembly.Module(Buffer.from(NORMALIZE_ASCII_WASM, "base64"));
  const exports = new WebAssembly.Instance(module).exports as unknown as Normalizer;
  const tables = new Uint8Array(exports.memory.buffer, 0, 512);
  for (let c = 0; c < 128; c++) {
    tables[c] = WORD_CHAR[c] === 1 ? String.fromCharCode(c).toLowerCase().charCodeAt(0) : 0;
    tables[256 + c] = c < 0x20 || c === 0x22 || c === 0x5c ? 1 : 0;
  }
  return exports;
}

/** Room for `bytes` of text and then `words` hashes; returns where the hashes go (bytes from 0). */
function reserve(bytes: number, words: number): number {
  const n = (normalizer ??= loadNormalizer());
  const hashes = (TEXT + bytes + 3) & ~3;
  const size = hashes + 4 * words;
  if (n.memory.buffer.byteLength < size || scratch.length === 0) {
    if (n.memory.buffer.byteLength < size) n.memory.grow(Math.ceil((size - n.memory.buffer.byteLength) / 65536));
    scratch = Buffer.from(n.memory.buffer, TEXT);
    memoryWords = new Int32Array(n.memory.buffer);
  }
  return hashes;
}

let turnStarts = new Int32Array(16);
let turnEnds = new Int32Array(16);

export interface RowCheck {
  /** The 32-byte dedupe key; null when not asked for. */
  key: Buffer | null;
  /** The benchmark item the row overlaps most; null when none reaches the threshold or not asked for. */
  match: ContaminationMatch | null;
  /**
   * Every turn's content is printable ASCII without `"` or `\`: its own JSON between quotes
   * (json-bytes.ts), found on the normalising pass. False when not known.
   */
  plain: boolean;
}

export function checkTurns(turns: readonly { role: string; content: string }[], dedupe: boolean, index: NgramIndex | SharedNgramIndex | null, threshold: number): RowCheck {
  let need = 0;
  // Room for each turn as UTF-8 (at most three bytes a UTF-16 unit), and the key's text after the n-gram text.
  let room = 1;
  for (const t of turns) {
    need += 4 * t.content.length + 3 * t.role.length + 4;
    room += t.content.length + 1;
  }
  const hashesAt = reserve(need, room);
  if (turnStarts.length < turns.length) {
    turnStarts = new Int32Array(turns.length * 2);
    turnEnds = new Int32Array(turns.length * 2);
  }
  const s = scratch;
  const p = normalizeAscii(turns, s, hashesAt, room);
  if (p === -1) return checkStrings(turns, dedupe, index, threshold);
  let key: Buffer | null = null;
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
  return { key, match: index === null ? null : findContaminationOfWords(index, s, p, words, threshold), plain: escaped === 0 };
}

/** Words of the last normalizeAscii, and whether it met a byte that JSON escapes (1) or not (0). */
let words = 0;
let escaped = 0;

/**
 * Writes the n-gram text of ASCII turns to `s` from 0 (each turn normalised as normalizeText
 * does, the non-empty ones joined by a space), notes where each turn lies (turnStarts, turnEnds)
 * and fills the hashes of wordArrays() and `words`; returns where the text ends, or -1 when a turn is not ASCII.
 */
function normalizeAscii(turns: readonly { content: string }[], s: Buffer, hashesAt: number, room: number): number {
  const { hashes } = wordArrays(room);
  const n = normalizer!;
  n.escaped.value = 0;
  let p = 0;
  let w = 0;
  for (let i = 0; i < turns.length; i++) {
    const text = turns[i]!.content;
    const start = p === 0 ? 0 : p + 1;
    // Copied as UTF-8 (as many bytes as characters only for ASCII), then normalised in place:
    // the normalised text never runs ahead of what it is made from.
    const end = start + utf8Write(s, text, start);
    if (end - start !== text.length) return -1;
    const q = n.normalize(TEXT + start, TEXT + end, hashesAt + 4 * w) - TEXT;
    w += n.words.value;
    turnStarts[i] = start;
    turnEnds[i] = q;
    if (q > start) {
      if (p > 0) s[p] = 32;
      p = q;
    }
  }
  hashes.set(memoryWords.subarray(hashesAt >>> 2, (hashesAt >>> 2) + w));
  words = w;
  escaped = n.escaped.value;
  return p;
}

/** The same for any text: normalised strings. */
function checkStrings(turns: readonly { role: string; content: string }[], dedupe: boolean, index: NgramIndex | SharedNgramIndex | null, threshold: number): RowCheck {
  const normalized = turns.map((m) => normalizeText(m.content));
  let key: Buffer | null = null;
  if (dedupe) {
    let text = "";
    for (let i = 0; i < turns.length; i++) text += turns[i]!.role + "\u0000" + normalized[i]! + "\u0001";
    key = crypto.createHash("sha256").update(text).digest();
  }
  return { key, match: index === null ? null : findContamination(index, normalized.filter((t) => t.length > 0).join(" "), threshold), plain: false };
}
