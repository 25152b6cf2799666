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
  /** `hub`: a Hub dataset downloaded at a pinned commit (chosen by the discover stage, or pinned by the recipe). */
  source: "local" | "hub";
  /**
   * As the recipe writes it, relative to the recipe's folder; for a Hub file
   * `hf://datasets/<id>@<commit>/<file>`; for a recipe-pinned Hub dataset of several files
   * `hf://datasets/<id>@<commit>?config=<config>&split=<split>` (`config=` only when the recipe sets one).
   */
  path: string;
  format: DatasetFormat;
  columns: DatasetColumns;
  /**
   * The content read: for one file its sha256; for several, sha256 over their hex sha256s in
   * `files` order, each followed by a line break (`sha256("<hex1>\n<hex2>\n...")`).
   */
  sha256: string;
  /** Bytes of all its files. */
  bytes: number;
  /**
   * Its files, in the order they were read (sorted by path): the dataset's rows are their rows,
   * numbered on across them. One entry for a local file.
   */
  files: { path: string; sha256: string; bytes: number; records: number }[];
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
  /**
   * 0-based record index in the dataset (JSON Lines: line number minus one). For a dataset of
   * several files, indices continue from one file to the next: the first record of a file is
   * numbered after the last index (line or row) of the files before it.
   */
  row: number;
  reason: MisfitReason;
  detail: string;
  /** The row as JSON, cut to 200 characters. */
  preview: string;
}

export type DecontaminationReport =
  | { skipped: string }
  | {
      /**
       * What was read: a local file (its path and sha256), or a Hub benchmark's split at a commit
       * (`hf://datasets/<id>@<sha>`, `sha256` over its files' digests in order, and `files`).
       */
      benchmark: { path: string; sha256: string; items: number; itemsWithoutNgrams: number; files?: { path: string; sha256: string; bytes: number }[] };
      ngram: number;
      threshold: number;
      removed: RemovedRow[];
    };

export interface RemovedRow {
  /** Index into `datasets`. */
  dataset: number;
  /** 0-based record index in that dataset, numbered like {@link MisfitSample.row} (on across its files). */
  row: number;
  /** 0-based index of the benchmark item it overlaps. */
  benchmarkItem: number;
  sharedNgrams: number;
  /** One shared n-gram, as normalised text. */
  ngram: string;
}
