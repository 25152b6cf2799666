import { mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PinnedDataset } from "../recipe/types.js";

/** One dataset of the mix discover chose: downloaded at a pinned commit, mapped like a pinned dataset. */
export interface MixEntry {
  /** `owner/name`. */
  id: string;
  /** The revision the model asked for. */
  revision: string;
  /** The commit it resolved to: what was read. */
  sha: string;
  config: string | null;
  split: string;
  /** The file in the repository (Parquet or JSONL). */
  file: string;
  sha256: string;
  bytes: number;
  /** The content in the download cache. */
  cachePath: string;
  format: PinnedDataset["format"];
  columns: PinnedDataset["columns"];
  fraction: number;
  license: string;
  why: string;
  rows: { checked: number; mapped: number };
}

/** A mix entry as the data preparation code reads datasets. */
export function pinnedOf(e: Pick<MixEntry, "id" | "sha" | "config" | "split" | "license" | "format" | "columns" | "fraction">): PinnedDataset {
  return {
    source: { kind: "hub", id: e.id, revision: e.sha, config: e.config },
    split: e.split,
    license: e.license,
    format: e.format,
    columns: { ...e.columns },
    fraction: e.fraction,
    rows: null,
    maxRows: null,
  };
}

/** How a Hub file is named in manifests: no machine path, the commit and the file. */
export function hubLabel(e: Pick<MixEntry, "id" | "sha" | "file">): string {
  return `hf://datasets/${e.id}@${e.sha}/${e.file}`;
}

/**
 * A link under `dir` to a cached blob, named like the file in the repository: the readers pick
 * JSON Lines or Parquet by the name, and cache blobs are named by digest only.
 */
export function linkCached(dir: string, e: Pick<MixEntry, "id" | "file" | "cachePath">): string {
  const path = join(dir, "hub", ...e.id.split("/"), ...e.file.split("/"));
  mkdirSync(dirname(path), { recursive: true });
  let current: string | null = null;
  try {
    current = readlinkSync(path);
  } catch {
    current = null;
  }
  if (current !== e.cachePath) {
    rmSync(path, { force: true });
    symlinkSync(e.cachePath, path);
  }
  return path;
}
