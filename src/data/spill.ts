import { closeSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import type { TaskResult } from "./row-task.js";

/**
 * Where data preparation keeps the rows that fit between reading and writing: their rendered
 * lines in a spill file, their 32-byte dedupe keys in a second one, and in memory about 6.5
 * bytes a row: each line's length (ChunkedLengths), where every sixteenth line starts, and the
 * first 4 bytes of each key. Ten million rows hold about 65 MB.
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

const CHUNK_BITS = 16;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/**
 * Unsigned 32-bit numbers in chunks of 65,536: a list that grows without copying what it holds
 * and never holds more than one chunk it does not use, where doubling would hold up to twice
 * the rows and, while it copies, three times.
 */
export class ChunkedUint32 {
  private readonly chunks: Uint32Array[] = [];
  length = 0;

  push(value: number): void {
    const chunk = this.length >>> CHUNK_BITS;
    if (chunk === this.chunks.length) this.chunks.push(new Uint32Array(CHUNK_MASK + 1));
    this.chunks[chunk]![this.length & CHUNK_MASK] = value;
    this.length++;
  }

  get(index: number): number {
    return this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK]!;
  }
}

/**
 * Row lengths in chunks of 65,536, as ChunkedUint32 keeps numbers, in two bytes each: the high
 * two bytes are kept only for a chunk that holds a row of 64 KB or more. Ten million rows of
 * usual lengths hold 20 MB rather than 40.
 */
export class ChunkedLengths {
  private readonly low: Uint16Array[] = [];
  private readonly high: (Uint16Array | null)[] = [];
  length = 0;

  push(value: number): void {
    const chunk = this.length >>> CHUNK_BITS;
    if (chunk === this.low.length) {
      this.low.push(new Uint16Array(CHUNK_MASK + 1));
      this.high.push(null);
    }
    const at = this.length & CHUNK_MASK;
    this.low[chunk]![at] = value & 0xffff;
    if (value > 0xffff) (this.high[chunk] ??= new Uint16Array(CHUNK_MASK + 1))[at] = value >>> 16;
    this.length++;
  }

  get(index: number): number {
    const chunk = index >>> CHUNK_BITS;
    const at = index & CHUNK_MASK;
    const high = this.high[chunk]!;
    return high === null ? this.low[chunk]![at]! : this.low[chunk]![at]! + high[at]! * 0x10000;
  }
}

/** Rows between two recorded starting offsets: a row's offset is the last recorded one plus at most 15 lengths. */
const BLOCK_BITS = 4;

/** A fitting row that a benchmark item contaminates, with where it came from. */
export interface SpilledMatch {
  dataset: number;
  /** The record's index in its dataset. */
  record: number;
  item: number;
  shared: number;
  ngram: string;
}

/** Every fitting row of every dataset, in file order, as it lies in the spill files. */
export class Spill {
  private readonly fd: number;
  private keysFd: number | null = null;
  private position = 0;
  private readonly lengths = new ChunkedLengths();
  /** The byte offset of every 16th row. */
  private readonly blockStarts = new Growing(new Float64Array(1024));
  /** The first 4 bytes of each row's key, as a little-endian word; empty when dedupe is off. */
  private readonly prefixes = new ChunkedUint32();
  /** The rows a benchmark item contaminates, by row number. */
  readonly matches = new Map<number, SpilledMatch>();
  private readonly keyA = Buffer.alloc(KEY_BYTES);
  private readonly keyB = Buffer.alloc(KEY_BYTES);

  constructor(readonly path: string) {
    this.fd = openSync(path, "w+");
  }

  get rows(): number {
    return this.lengths.length;
  }

  /** Adds a task's fitting rows, whose record indices (`fit`) are already the dataset's. */
  add(result: TaskResult, dataset: number): void {
    const first = this.rows;
    for (const m of result.matches) this.matches.set(first + m.at, { dataset, record: result.fit[m.at]!, item: m.item, shared: m.shared, ngram: m.ngram });
    writeAll(this.fd, result.bytes, this.position);
    for (let i = 0; i < result.lengths.length; i++) {
      if ((this.rows & ((1 << BLOCK_BITS) - 1)) === 0) this.blockStarts.push(this.position);
      this.lengths.push(result.lengths[i]!);
      this.position += result.lengths[i]!;
    }
    if (result.keys.length === 0) return;
    this.keysFd ??= openSync(`${this.path}.keys`, "w+");
    writeAll(this.keysFd, result.keys, first * KEY_BYTES);
    const words = new DataView(result.keys.buffer, result.keys.byteOffset, result.keys.byteLength);
    for (let at = 0; at < result.keys.length; at += KEY_BYTES) this.prefixes.push(words.getUint32(at, true));
  }

  length(row: number): number {
    return this.lengths.get(row);
  }

  offset(row: number): number {
    let at = this.blockStarts.data[row >>> BLOCK_BITS]!;
    for (let r = (row >>> BLOCK_BITS) << BLOCK_BITS; r < row; r++) at += this.lengths.get(r);
    return at;
  }

  /** Copies a row's line into `buffer` at `at`. */
  readRow(row: number, buffer: Buffer, at: number): void {
    readAt(this.fd, buffer, at, this.lengths.get(row), this.offset(row));
  }

  /** Bytes spilled so far. */
  get bytes(): number {
    return this.position;
  }

  /** The first four bytes of a row's key, as a little-endian word. */
  prefix(row: number): number {
    return this.prefixes.get(row);
  }

  /** Whether two rows' whole keys are equal, read back from the keys file. */
  sameKey(a: number, b: number): boolean {
    readKey(this.keysFd!, a, this.keyA);
    readKey(this.keysFd!, b, this.keyB);
    return this.keyA.equals(this.keyB);
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
    if (this.keysFd !== null) {
      closeSync(this.keysFd);
      rmSync(`${this.path}.keys`, { force: true });
    }
  }
}

/** Rows of a spill to read into one buffer, one after another: `count` rows at `offsets`, of `lengths`, `bytes` in all. */
export interface RowChunk {
  buffer: Buffer;
  offsets: Float64Array;
  lengths: Uint32Array;
  count: number;
  bytes: number;
}

/** A spill file opened for reading chunks of rows (spill-reader.ts), on whichever thread reads them. */
export class SpillFile {
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, "r");
  }
  read(chunk: RowChunk): void {
    let at = 0;
    for (let i = 0; i < chunk.count; i++) {
      readAt(this.fd, chunk.buffer, at, chunk.lengths[i]!, chunk.offsets[i]!);
      at += chunk.lengths[i]!;
    }
  }
  close(): void {
    closeSync(this.fd);
  }
}

function readAt(fd: number, buffer: Uint8Array, at: number, length: number, offset: number): void {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buffer, at + got, length - got, offset + got);
    if (n === 0) throw new Error(`the spill file ended at byte ${offset + got}, before the row it holds`);
    got += n;
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, position + written);
}

function readKey(fd: number, row: number, into: Buffer): void {
  let got = 0;
  while (got < KEY_BYTES) got += readSync(fd, into, got, KEY_BYTES - got, row * KEY_BYTES + got);
}

/**
 * Keeps the first row of each key: an open-addressing table of row numbers, placed and compared
 * by the first 4 bytes of the keys held in memory. The place is a multiplicative hash of those
 * bytes, so rows that meet in the table agree in all four only by chance (2^-32 a comparison)
 * or as duplicates; only then are their whole 32-byte keys read back and compared.
 */
export class KeyTable {
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  removed = 0;

  constructor(
    private readonly spill: Spill,
    capacity: number,
  ) {
    let bits = 10;
    while (2 ** bits < capacity * 1.5) bits++;
    this.table = new Int32Array(2 ** bits).fill(-1);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
  }

  isDuplicate(row: number): boolean {
    const spill = this.spill;
    const prefix = spill.prefix(row);
    let slot = Math.imul(prefix, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const other = this.table[slot]!;
      if (other === -1) {
        this.table[slot] = row;
        return false;
      }
      if (spill.prefix(other) === prefix && spill.sameKey(row, other)) {
        this.removed++;
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}
