import * as crypto from "node:crypto";
import { findContamination, findContaminationOfWords, WORD_HASH, wordArrays, type ContaminationMatch, type NgramIndex, type SharedNgramIndex } from "./decontaminate.js";
import { normalizeText, WORD_CHAR } from "./normalize-text.js";

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
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: "buffer") => Buffer }).hash;

function sha256(data: Uint8Array): Buffer {
  return oneShot !== undefined ? oneShot("sha256", data, "buffer") : crypto.createHash("sha256").update(data).digest();
}

/** Per ASCII code: its lower-case form when it belongs to words, else a space. */
const LOWER_OR_SPACE = new Uint8Array(128);
for (let c = 0; c < 128; c++) LOWER_OR_SPACE[c] = WORD_CHAR[c] === 1 ? String.fromCharCode(c).toLowerCase().charCodeAt(0) : 32;

let scratch = Buffer.allocUnsafeSlow(1 << 16);
let turnStarts = new Int32Array(16);
let turnEnds = new Int32Array(16);

export interface RowCheck {
  /** The 32-byte dedupe key; null when not asked for. */
  key: Buffer | null;
  /** The benchmark item the row overlaps most; null when none reaches the threshold or not asked for. */
  match: ContaminationMatch | null;
}

export function checkTurns(turns: readonly { role: string; content: string }[], dedupe: boolean, index: NgramIndex | SharedNgramIndex | null, threshold: number): RowCheck {
  let need = 0;
  // Room for each turn as UTF-8 (at most three bytes a UTF-16 unit), and the key's text after the n-gram text.
  for (const t of turns) need += 4 * t.content.length + 3 * t.role.length + 4;
  if (scratch.length < need) scratch = Buffer.allocUnsafeSlow(Math.max(need, scratch.length * 2));
  if (turnStarts.length < turns.length) {
    turnStarts = new Int32Array(turns.length * 2);
    turnEnds = new Int32Array(turns.length * 2);
  }
  const s = scratch;
  const p = normalizeAscii(turns, s);
  if (p === -1) return checkStrings(turns, dedupe, index, threshold);
  let key: Buffer | null = null;
  if (dedupe) {
    // The key's text, from p to q.
    let q = p;
    for (let i = 0; i < turns.length; i++) {
      q += s.write(turns[i]!.role, q, "utf8");
      s[q++] = 0;
      q += s.copy(s, q, turnStarts[i]!, turnEnds[i]!);
      s[q++] = 1;
    }
    key = sha256(s.subarray(p, q));
  }
  return { key, match: index === null ? null : findContaminationOfWords(index, s, p, words, threshold) };
}

/** Words of the last normalizeAscii. */
let words = 0;

/**
 * Writes the n-gram text of ASCII turns to `s` from 0 (each turn normalised as normalizeText
 * does, the non-empty ones joined by a space), notes where each turn lies (turnStarts, turnEnds)
 * and fills the hashes of wordArrays() and `words`; returns where the text ends, or -1 when a turn is not ASCII.
 */
function normalizeAscii(turns: readonly { content: string }[], s: Buffer): number {
  let room = 1;
  for (const t of turns) room += t.content.length + 1;
  const { hashes } = wordArrays(room);
  const { offset, prime } = WORD_HASH;
  let p = 0;
  let w = 0;
  for (let i = 0; i < turns.length; i++) {
    const text = turns[i]!.content;
    const start = p === 0 ? 0 : p + 1;
    // Copied as UTF-8 (as many bytes as characters only for ASCII), then normalised in place:
    // the normalised text never runs ahead of what it is made from.
    const end = start + s.write(text, start, "utf8");
    if (end - start !== text.length) return -1;
    // Without branches on the text, which are hard to predict: every byte writes its lower-case
    // form or a space at q, and q moves on for a word's byte or the first byte after a word; a
    // word's hash is stored at every byte and kept (w moves on) at the first byte after it.
    let q = start;
    let hash = offset;
    let previous = 0;
    for (let j = start; j < end; j++) {
      const c = s[j]!;
      const word = WORD_CHAR[c]!;
      const out = LOWER_OR_SPACE[c]!;
      s[q] = out;
      const after = previous & (word ^ 1);
      q += word | after;
      hashes[w] = hash;
      w += after;
      const keep = -word;
      hash = (Math.imul(hash ^ out, prime) & keep) | (offset & ~keep);
      previous = word;
    }
    if (previous === 1) hashes[w++] = hash;
    // The space after the last word.
    else if (q > start) q--;
    turnStarts[i] = start;
    turnEnds[i] = q;
    if (q > start) {
      if (p > 0) s[p] = 32;
      p = q;
    }
  }
  words = w;
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
  return { key, match: index === null ? null : findContamination(index, normalized.filter((t) => t.length > 0).join(" "), threshold) };
}
