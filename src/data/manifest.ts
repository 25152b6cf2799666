import type { DatasetColumns, DatasetFormat } from "../recipe/types.js";
import type { MisfitReason } from "./map-row.js";

/**
 * What the prepare stage did, written as manifest.json beside data/train.jsonl. Built in a fixed
 * key order and free of times and absolute paths, so the same recipe and files give the same
 * bytes on every run and every machine.
 */
export interface PrepareManifest {
  /** Bumped when the shape changes. */
  version: 1;
  /** data.seed: picks the rows of each dataset and the order of the file. */
  seed: number;
  datasets: DatasetReport[];
  mix: {
    /** data.max_rows, or null. */
    maxRows: number | null;
    /** Rows that fit, over all datasets. */
    available: number;
    /** The rows asked for: the counted datasets' rows, and what the fractions apply to (their rows, capped by what data.max_rows leaves). */
    target: number;
    taken: number;
  };
  dedupe: { enabled: boolean; removed: number };
  decontamination: DecontaminationReport;
  totals: { afterMix: number; duplicatesRemoved: number; contaminatedRemoved: number; written: number };
  output: { path: string; rows: number; bytes: number; sha256: string };
}

export interface DatasetReport {
  /** `hub`: a file the discover stage chose and downloaded at a pinned commit. */
  source: "local" | "hub";
  /** As the recipe writes it, relative to the recipe's folder; for Hub files `hf://datasets/<id>@<commit>/<file>`. */
  path: string;
  format: DatasetFormat;
  columns: DatasetColumns;
  sha256: string;
  bytes: number;
  /** data.datasets[].fraction; null when the dataset asks for a number of rows. */
  fraction: number | null;
  /** data.datasets[].rows: exactly this many rows; null when it has a fraction. */
  requestedRows: number | null;
  maxRows: number | null;
  rows: {
    /** Records read (non-blank lines or Parquet rows), at most maxRows. */
    read: number;
    /** Mapped to the conversational format. */
    mapped: number;
    notFitting: number;
    /** round(fraction x what the counted datasets leave), or requestedRows. */
    wanted: number;
    taken: number;
  };
  /** Set when the dataset has fewer rows than its fraction or count asks for. */
  short: string | null;
  notFitting: { byReason: Partial<Record<MisfitReason, number>>; samples: MisfitSample[] };
}

export interface MisfitSample {
  /** 0-based record index in the file (JSON Lines: line number minus one). */
  row: number;
  reason: MisfitReason;
  detail: string;
  /** The row as JSON, cut to 200 characters. */
  preview: string;
}

export type DecontaminationReport =
  | { skipped: string }
  | {
      benchmark: { path: string; sha256: string; items: number; itemsWithoutNgrams: number };
      ngram: number;
      threshold: number;
      removed: RemovedRow[];
    };

export interface RemovedRow {
  /** Index into `datasets`. */
  dataset: number;
  /** 0-based record index in that dataset's file. */
  row: number;
  /** 0-based index of the benchmark item it overlaps. */
  benchmarkItem: number;
  sharedNgrams: number;
  /** One shared n-gram, as normalised text. */
  ngram: string;
}
