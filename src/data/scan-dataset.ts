import { createHash } from "node:crypto";
import type { MisfitSample } from "./manifest.js";
import type { MisfitReason } from "./map-row.js";
import type { ReadSummary } from "./read-records.js";

/** Samples of misfits kept per dataset: enough to see the problem, small enough to read. */
export const MAX_SAMPLES = 5;

/** One file of a dataset as it was read: its digest, size and the records read from it. */
export type FileScan = ReadSummary;

/**
 * The first pass over one dataset: which records fit, and why the others do not. A dataset may
 * be several files (shards), read in order: its records are numbered on across them, so indices
 * are the dataset's (the concatenation of its files). `sha256`, `bytes` and `records` cover the
 * whole dataset: for one file its own digest, for several {@link datasetDigest} of theirs.
 */
export interface DatasetScan extends ReadSummary {
  /** Each file's digest, size and records read, in reading order. */
  files: FileScan[];
  /** Record indices (dataset-level) of the rows that fit. */
  fitting: FittingRows;
  byReason: Partial<Record<MisfitReason, number>>;
  samples: MisfitSample[];
}

/**
 * A set of a dataset's record indices, one bit a record read: how many fit, and which, in a
 * megabyte and a quarter for ten million records. Iterates in ascending order.
 */
export class FittingRows implements Iterable<number> {
  private bits = new Uint8Array(1024);
  length = 0;

  add(index: number): void {
    const byte = index >>> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length * 2;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (index & 7);
    if ((this.bits[byte]! & bit) === 0) this.length++;
    this.bits[byte]! |= bit;
  }

  has(index: number): boolean {
    return ((this.bits[index >>> 3] ?? 0) & (1 << (index & 7))) !== 0;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let byte = 0; byte < this.bits.length; byte++) {
      const b = this.bits[byte]!;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) if ((b & (1 << bit)) !== 0) yield byte * 8 + bit;
    }
  }
}

/**
 * The sha256 of a dataset of several files: sha256 over the files' hex sha256s in reading order,
 * each followed by a line break (`sha256("<hex1>\n<hex2>\n")`). For one file, its own sha256.
 */
export function datasetDigest(sha256s: readonly string[]): string {
  if (sha256s.length === 1) return sha256s[0]!;
  return createHash("sha256").update(sha256s.map((s) => `${s}\n`).join("")).digest("hex");
}
