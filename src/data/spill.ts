import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import type { TaskResult } from "./row-task.js";

/**
 * Where data preparation keeps the rows that fit between reading and writing: their rendered
 * lines in a spill file, and in memory only where each lies, its record index and its dedupe key.
 */

export const KEY_BYTES = 32;

/** A typed array that grows by doubling. */
export class Growing<T extends Uint32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(public data: T) {}
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let size = Math.max(1024, this.data.length * 2);
    while (size < this.length + extra) size *= 2;
    const grown = new (this.data.constructor as new (n: number) => T)(size);
    grown.set(this.data.subarray(0, this.length) as never);
    this.data = grown;
  }
  push(value: number): void {
    this.reserve(1);
    this.data[this.length++] = value;
  }
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values as never, this.length);
    this.length += values.length;
  }
}

/** Every fitting row of every dataset, in file order, as it lies in the spill file. */
export class Spill {
  readonly fd: number;
  private position = 0;
  readonly offsets = new Growing(new Float64Array(1024));
  readonly lengths = new Growing(new Uint32Array(1024));
  readonly rowIndex = new Growing(new Uint32Array(1024));
  readonly keys = new Growing(new Uint8Array(1024 * KEY_BYTES));
  readonly matches = new Map<number, { item: number; shared: number; ngram: string }>();

  constructor(readonly path: string) {
    this.fd = openSync(path, "w+");
  }

  get rows(): number {
    return this.lengths.length;
  }

  add(result: TaskResult): void {
    const first = this.rows;
    for (const m of result.matches) this.matches.set(first + m.at, { item: m.item, shared: m.shared, ngram: m.ngram });
    let written = 0;
    while (written < result.bytes.length) written += writeSync(this.fd, result.bytes, written, result.bytes.length - written, this.position + written);
    for (let i = 0; i < result.lengths.length; i++) {
      this.offsets.push(this.position);
      this.position += result.lengths[i]!;
    }
    this.lengths.append(result.lengths);
    this.rowIndex.append(result.fit);
    this.keys.append(result.keys);
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

/** Keeps the first row of each 32-byte key: an open-addressing table of row numbers. */
export class KeyTable {
  private readonly table: Int32Array;
  private readonly mask: number;
  removed = 0;

  constructor(
    private readonly keys: Uint8Array,
    capacity: number,
  ) {
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  isDuplicate(row: number): boolean {
    const k = this.keys;
    const at = row * KEY_BYTES;
    let slot = (k[at]! | (k[at + 1]! << 8) | (k[at + 2]! << 16) | (k[at + 3]! << 24)) & this.mask;
    for (;;) {
      const other = this.table[slot]!;
      if (other === -1) {
        this.table[slot] = row;
        return false;
      }
      const bt = other * KEY_BYTES;
      let same = true;
      for (let i = 0; i < KEY_BYTES; i++) {
        if (k[at + i] !== k[bt + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.removed++;
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}
