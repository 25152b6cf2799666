/**
 * JSON written straight into a reusable buffer, the same bytes as `JSON.stringify` then UTF-8.
 *
 * A prepared row is mostly a few long strings. `JSON.stringify` scans each for characters to
 * escape, builds the line as a string, and writing it as UTF-8 scans it again: about 6 ns a byte
 * on two cores of an AMD EPYC. A string of printable ASCII without `"` or `\` (most text) is its
 * own JSON between quotes, and is found by one regular-expression test and copied as Latin-1:
 * about 1.5 ns a byte. Any other string, and any value but a plain object, an array or a string,
 * is written through `JSON.stringify`, so the output never differs from it.
 */

import { latin1Write, utf8Write } from "./buffer-writes.js";

/** A character `JSON.stringify` would not copy as it is, or one Latin-1 would not write as UTF-8. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** How many distinct object keys, and short strings, a writer keeps the JSON of. */
const KEYS_KEPT = 1024;
/** Strings up to this long are kept as keys are. */
const SHORT = 16;

export class JsonBytes {
  /** The bytes written so far are `buffer[0..length)`; the buffer is replaced when it grows. */
  buffer: Buffer;
  length = 0;
  /**
   * Strings the caller found plain (printable ASCII without `"` or `\`) on a pass of its own:
   * written without the test. Set it for one value and empty it after.
   */
  readonly plain: string[] = [];
  private readonly keys = new Map<string, Buffer>();
  private readonly short = new Map<string, Buffer>();

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  /** Makes room for `extra` more bytes, keeping what is written. */
  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  /** Text written as UTF-8, as it is (already JSON). */
  raw(text: string): void {
    // At most three bytes of UTF-8 a UTF-16 unit.
    this.reserve(3 * text.length);
    this.length += utf8Write(this.buffer, text, this.length);
  }

  /** A key and its colon, as JSON: the same few keys come back row after row. */
  private key(key: string): void {
    this.kept(this.keys, key, ":");
  }

  /** JSON for `text` and `suffix` from `kept`, made and kept there the first time (up to KEYS_KEPT). */
  private kept(kept: Map<string, Buffer>, text: string, suffix: string): void {
    let bytes = kept.get(text);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(text) + suffix);
      if (kept.size < KEYS_KEPT) kept.set(text, bytes);
    }
    this.reserve(bytes.length);
    const b = this.buffer;
    for (let i = 0; i < bytes.length; i++) b[this.length++] = bytes[i]!;
  }

  private known(text: string): boolean {
    const plain = this.plain;
    for (let i = 0; i < plain.length; i++) if (plain[i] === text) return true;
    return false;
  }

  string(text: string): void {
    // Short strings (roles, labels) repeat too.
    if (text.length <= SHORT) {
      this.kept(this.short, text, "");
      return;
    }
    if (!this.known(text) && NOT_PLAIN.test(text)) {
      this.raw(JSON.stringify(text));
      return;
    }
    this.reserve(text.length + 2);
    const b = this.buffer;
    b[this.length++] = 0x22;
    this.length += latin1Write(b, text, this.length);
    b[this.length++] = 0x22;
  }

  /**
   * `value` as JSON. Undefined (or a function) at the top writes nothing and returns false,
   * where `JSON.stringify` returns undefined.
   */
  value(value: unknown): boolean {
    if (typeof value === "string") {
      this.string(value);
      return true;
    }
    if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
      this.byte(0x5b);
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.byte(0x2c);
        if (!this.value(value[i])) this.raw("null");
      }
      this.byte(0x5d);
      return true;
    }
    if (typeof value === "object" && value !== null) {
      const proto: unknown = Object.getPrototypeOf(value);
      const record = value as Record<string, unknown>;
      if ((proto === Object.prototype || proto === null) && typeof record.toJSON !== "function") {
        this.byte(0x7b);
        let first = true;
        // for...in visits the own keys in Object.keys order: a plain object inherits none.
        for (const key in record) {
          const v = record[key];
          if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
          if (!first) this.byte(0x2c);
          first = false;
          this.key(key);
          this.value(v);
        }
        this.byte(0x7d);
        return true;
      }
    }
    // Numbers, booleans, null, bigint (which throws, as it does for JSON.stringify) and objects of
    // other kinds (a Date, an object with toJSON).
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) return false;
    this.raw(json);
    return true;
  }
}
