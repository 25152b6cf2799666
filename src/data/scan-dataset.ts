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
  /** Record indices (dataset-level) of the rows that fit, ascending. */
  fitting: Uint32Array;
  byReason: Partial<Record<MisfitReason, number>>;
  samples: MisfitSample[];
}

/**
 * The sha256 of a dataset of several files: sha256 over the files' hex sha256s in reading order,
 * each followed by a line break (`sha256("<hex1>\n<hex2>\n")`). For one file, its own sha256.
 */
export function datasetDigest(sha256s: readonly string[]): string {
  if (sha256s.length === 1) return sha256s[0]!;
  return createHash("sha256").update(sha256s.map((s) => `${s}\n`).join("")).digest("hex");
}
