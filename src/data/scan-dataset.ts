import { createHash } from "node:crypto";
import type { PinnedDataset } from "../recipe/types.js";
import type { MisfitSample } from "./manifest.js";
import { isMisfit, mapRow, type MisfitReason } from "./map-row.js";
import { readRecords, type ReadSummary, type RecordSource } from "./read-records.js";

/** Samples of misfits kept per dataset: enough to see the problem, small enough to read. */
export const MAX_SAMPLES = 5;
const PREVIEW_CHARS = 200;
const REASONS: readonly MisfitReason[] = ["not-an-object", "missing-column", "wrong-type", "unknown-role", "empty-content", "no-assistant-turn"];

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

/** Columns a dataset's rows are read from. */
export function columnsOf(dataset: PinnedDataset): string[] {
  const c = dataset.columns;
  return [c.messages, c.prompt, c.completion, c.system, c.text].flatMap((x) => (x === null || x === undefined ? [] : typeof x === "string" ? [x] : [...x]));
}

function preview(row: unknown): string {
  // Parquet integers arrive as bigint, which JSON.stringify refuses.
  const json = JSON.stringify(row, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)) ?? String(row);
  return json.length > PREVIEW_CHARS ? json.slice(0, PREVIEW_CHARS) + "..." : json;
}

/**
 * Reads a dataset once, maps every record and keeps only the indices of those that fit (four
 * bytes a row), so memory does not grow with the rows' size.
 */
export async function scanDataset(source: RecordSource, dataset: PinnedDataset): Promise<DatasetScan> {
  let fitting = new Uint32Array(1024);
  let fit = 0;
  const counts = new Map<MisfitReason, number>();
  const samples: MisfitSample[] = [];
  const summary = await readRecords(source, { columns: columnsOf(dataset), limit: dataset.maxRows, only: null }, (index, value) => {
    const mapped = mapRow(value, dataset);
    if (!isMisfit(mapped)) {
      if (fit === fitting.length) {
        const grown = new Uint32Array(fitting.length * 2);
        grown.set(fitting);
        fitting = grown;
      }
      fitting[fit++] = index;
      return;
    }
    counts.set(mapped.reason, (counts.get(mapped.reason) ?? 0) + 1);
    if (samples.length < MAX_SAMPLES) samples.push({ row: index, reason: mapped.reason, detail: mapped.detail, preview: preview(value) });
  });
  const byReason: Partial<Record<MisfitReason, number>> = {};
  for (const reason of REASONS) if (counts.has(reason)) byReason[reason] = counts.get(reason)!;
  return { ...summary, files: [{ ...summary }], fitting: fitting.slice(0, fit), byReason, samples };
}
