import { mkdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { InternalError, InternError } from "../errors.js";
import type { LockedDataset } from "../sources/pinned-dataset.js";
import type { PinnedDataset } from "../recipe/types.js";
import { chooseDataFiles, datasetInfo, downloadDataset, listDatasetFiles, SourceRefusedError, type DownloadProgress, type SourceContext, type SourcePolicy } from "../sources/index.js";

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

/** One file of a recipe-pinned Hub dataset, downloaded at the commit its revision resolved to. */
export interface PinnedHubFile {
  /** The file in the repository. */
  file: string;
  sha256: string;
  bytes: number;
  /** The content in the download cache. */
  cachePath: string;
}

/** A Hub dataset the recipe pins (`data.datasets[index]`), resolved and downloaded. JSON-serialisable. */
export interface PinnedHubData {
  /** Index into data.datasets. */
  index: number;
  id: string;
  /** The revision as the recipe writes it. */
  revision: string;
  /** The commit it resolved to: what was read. */
  sha: string;
  config: string | null;
  split: string;
  /** The recipe's license, else the licenses the Hub declares, comma-separated. */
  license: string;
  /** How the files were chosen (`config default, data_files data/train-*`, `file names`). */
  chosenBy: string;
  /** The split's files, sorted by path: read in this order, their rows numbered on across files. */
  files: PinnedHubFile[];
  /** Files that were already in the download cache. */
  fromCache: string[];
}

/** How a recipe-pinned Hub dataset is named in manifests: the commit, the config and the split. */
export function hubDatasetLabel(d: Pick<PinnedHubData, "id" | "sha" | "config" | "split">): string {
  return `hf://datasets/${d.id}@${d.sha}?${d.config === null ? "" : `config=${encodeURIComponent(d.config)}&`}split=${encodeURIComponent(d.split)}`;
}

/** A recipe-pinned Hub dataset as a lock records it: the commit and the files read. */
export interface LockedHubData {
  sha: string;
  files: string[];
  license: string | null;
}

/**
 * The commit and files a lock records for each of the recipe's Hub datasets (by data.datasets
 * index). The lock lists the recipe's datasets in order, a local file as one entry and a Hub
 * dataset as one entry per file; a Hub dataset the lock did not resolve (no commit) is left out.
 */
export function lockedHubData(datasets: readonly PinnedDataset[], lock: readonly LockedDataset[]): Map<number, LockedHubData> {
  const out = new Map<number, LockedHubData>();
  let at = 0;
  for (const [i, d] of datasets.entries()) {
    if (d.source.kind === "local") {
      if (lock[at]?.source === "local") at++;
      continue;
    }
    const { id, revision } = d.source;
    type Hub = Extract<LockedDataset, { source: "hub" }>;
    const group: Hub[] = [];
    const next = (): Hub | null => {
      const e = lock[at];
      return e !== undefined && e.source === "hub" && e.id === id && e.revision === revision && !group.some((g) => g.file === e.file) ? e : null;
    };
    for (let e = next(); e !== null; e = next()) {
      group.push(e);
      at++;
    }
    const sha = group[0]?.sha ?? null;
    if (sha === null || group.some((g) => g.sha !== sha || g.file === null)) continue;
    out.set(i, { sha, files: group.map((g) => g.file!), license: group[0]!.license });
  }
  return out;
}

/** Files shown when none fits: enough to see what the repository holds. */
const LISTED = 12;

/**
 * Resolves a recipe-pinned Hub dataset to a commit (through the source policy: id, license,
 * gating), chooses the files of its config and split (the card's `configs:`, else the naming
 * conventions), and downloads them into the content-addressed cache; files already there are
 * not fetched again.
 */
export async function fetchPinnedHubData(
  sources: SourceContext,
  policy: SourcePolicy,
  dataset: PinnedDataset,
  index: number,
  cacheDir: string,
  locked?: LockedHubData,
  onProgress?: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<PinnedHubData> {
  const fetching = { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) };
  if (dataset.source.kind !== "hub") throw new InternalError(`data.datasets[${index}] is not a Hub dataset`);
  const { id, revision, config } = dataset.source;
  const key = `data.datasets[${index}]`;
  if (locked !== undefined) {
    // Nothing is resolved again: the lock's commit and files, from the cache when they are there.
    const download = await downloadDataset(sources, policy, { id, revision: locked.sha, files: locked.files, cacheDir, ...fetching });
    return {
      index, id, revision, sha: locked.sha, config, split: dataset.split, license: dataset.license ?? locked.license ?? "", chosenBy: "the lock",
      files: download.files.map((f) => ({ file: f.path, sha256: f.sha256, bytes: f.bytes, cachePath: f.cachePath })),
      fromCache: download.fromCache,
    };
  }
  const got = await fetchHubSplit(sources, policy, { id, revision, config, split: dataset.split }, { key, idField: "id" }, cacheDir, fetching);
  return { index, id, revision, sha: got.sha, config, split: dataset.split, license: dataset.license ?? got.licenses.join(", "), chosenBy: got.chosenBy, files: got.files, fromCache: got.fromCache };
}

/** The branch where the Hub keeps its Parquet conversion of a dataset (what the dataset viewer reads). */
const PARQUET_BRANCH = "refs/convert/parquet";

/**
 * A split's files in the Hub's Parquet conversion, for datasets whose own files intern cannot
 * read (CSV, scripts): `<config>/<split>/*.parquet` (or `partial-<split>` for large ones) at the
 * conversion branch's commit, which is what gets pinned. Null when there is no conversion or it
 * has no such split.
 */
async function parquetConversion(sources: SourceContext, policy: SourcePolicy, id: string, config: string | null, split: string): Promise<{ sha: string; files: string[]; how: string } | null> {
  let sha: string;
  try {
    sha = (await datasetInfo(sources, policy, id, PARQUET_BRANCH, { card: false })).sha;
  } catch (error) {
    if (error instanceof InternError && (error.code === "INTERN_CANCELLED" || error.code === "INTERN_SOURCE_REFUSED")) throw error;
    return null;
  }
  const parquet = (await listDatasetFiles(sources, policy, id, sha)).filter((f) => f.type === "file" && f.path.endsWith(".parquet")).map((f) => f.path);
  const configs = [...new Set(parquet.map((p) => p.split("/")[0]!))];
  const chosen = config ?? (configs.includes("default") ? "default" : configs.length === 1 ? configs[0]! : null);
  if (chosen === null) return null;
  for (const folder of [split, `partial-${split}`]) {
    const files = parquet.filter((p) => p.startsWith(`${chosen}/${folder}/`)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (files.length > 0) return { sha, files, how: `the Hub's Parquet conversion (${PARQUET_BRANCH}), config ${chosen}` };
  }
  return null;
}

/** One split of a Hub dataset, resolved to a commit and downloaded. */
export interface FetchedSplit {
  sha: string;
  licenses: string[];
  chosenBy: string;
  files: { file: string; sha256: string; bytes: number; cachePath: string }[];
  /** Files that were already in the download cache. */
  fromCache: string[];
}

/**
 * Resolves a Hub dataset's revision to a commit (through `policy`: id, license, gating), chooses
 * the files of its config and split (the card's `configs:`, else the naming conventions; for a
 * dataset with no Parquet or JSON Lines files, the Hub's Parquet conversion), and downloads them
 * into the cache. `where` names the recipe setting in errors (`data.datasets[0]`
 * and its `id`, `benchmark.data` and its `dataset`).
 */
export async function fetchHubSplit(
  sources: SourceContext,
  policy: SourcePolicy,
  ref: { id: string; revision: string; config: string | null; split: string },
  where: { key: string; idField: "id" | "dataset" },
  cacheDir: string,
  fetching: { onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
): Promise<FetchedSplit> {
  const { id, revision, config, split } = ref;
  const { key, idField } = where;
  let info;
  try {
    info = await datasetInfo(sources, policy, id, revision, { card: true, cardChars: 1_000_000 });
  } catch (error) {
    if (error instanceof SourceRefusedError) {
      throw new InternError("INTERN_SOURCE_REFUSED", `${key}: ${error.message}`, { hint: "the recipe's sources section (datasets, licenses, allow_gated) decides which Hub datasets may be read; widen it, or pin another dataset" });
    }
    if (error instanceof InternError && error.code !== "INTERN_CANCELLED") {
      throw new InternError(error.code, `${key}: ${error.message}`, { hint: `check ${key}.${idField} and .revision (a branch, tag or commit of the dataset); ${error.hint ?? ""}`.replace(/; $/, "") });
    }
    throw error;
  }
  const sha = info.sha;
  const listed = (await listDatasetFiles(sources, policy, id, sha))
    .filter((f) => f.type === "file")
    .map((f) => f.path)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const choice = chooseDataFiles({ files: listed, card: info.card, config, split });
  if (!choice.ok) {
    const converted = await parquetConversion(sources, policy, id, config, split);
    if (converted !== null) {
      const download = await downloadDataset(sources, policy, { id, revision: converted.sha, files: converted.files, cacheDir, ...fetching });
      return {
        sha: converted.sha,
        licenses: info.licenses,
        chosenBy: converted.how,
        files: download.files.map((f) => ({ file: f.path, sha256: f.sha256, bytes: f.bytes, cachePath: f.cachePath })),
        fromCache: download.fromCache,
      };
    }
    const shown = listed.slice(0, LISTED).join(", ") + (listed.length > LISTED ? `, and ${listed.length - LISTED} more` : "");
    throw new InternError("INTERN_DATA_NOT_FOUND", `${key}: ${id} at ${sha} has no data files for ${config === null ? "" : `config ${config}, `}split ${split}: ${choice.reason}, and the Hub has no Parquet conversion of that split; its files: ${shown || "none"}`, {
      hint: `set ${key}.config or .split to one the dataset has, or use a dataset whose files are Parquet or JSON Lines (.parquet, .jsonl, .jsonl.gz, .jsonl.zst)`,
    });
  }
  const download = await downloadDataset(sources, policy, { id, revision: sha, files: choice.files, cacheDir, ...fetching });
  return {
    sha,
    licenses: info.licenses,
    chosenBy: choice.how,
    files: download.files.map((f) => ({ file: f.path, sha256: f.sha256, bytes: f.bytes, cachePath: f.cachePath })),
    fromCache: download.fromCache,
  };
}

