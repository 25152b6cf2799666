import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildNgramIndex, type NgramIndex } from "../data/decontaminate.js";
import type { DatasetReport, DecontaminationReport, PrepareManifest } from "../data/manifest.js";
import { planMix } from "../data/mix.js";
import { prepareRows, type PrepareProgress } from "../data/prepare-rows.js";
import { readBenchmark, readHubBenchmark } from "../data/read-benchmark.js";
import type { RecordSource } from "../data/read-records.js";
import { writeManifest } from "../data/write-manifest.js";
import { cancelled, InternError } from "../errors.js";
import type { PinnedDataset, Recipe } from "../recipe/types.js";

export type { PrepareManifest } from "../data/manifest.js";
export type { PrepareProgress } from "../data/prepare-rows.js";

export interface PrepareInput {
  recipe: Recipe;
  /** The recipe's folder: local dataset and benchmark paths are relative to it. */
  recipeDir: string;
  /** The stage folder; write data/train.jsonl and manifest.json in it */
  dir: string;
  /** Stops the work (Ctrl-C) before anything more is written. */
  signal?: AbortSignal;
  /**
   * Datasets chosen by the discover stage when the recipe pins none: each a downloaded Hub file
   * (`path`, named like the file in its repository) read like a local file; `label` names it in the
   * manifest (no machine path).
   */
  chosen?: { dataset: PinnedDataset; path: string; label: string }[];
  /**
   * The recipe's Hub datasets, resolved to a commit and downloaded by the stage: for each
   * data.datasets index, its files (`path`, named like the file in its repository, read in this
   * order) with their manifest labels, and the dataset's label.
   */
  hub?: { index: number; label: string; files: { path: string; label: string }[] }[];
  /**
   * Conversations the synthesize stage wrote (`path`), named `label` in the manifest. All of them
   * go into the mix, deduplicated and decontaminated like the rest; the other datasets share
   * what is left of data.max_rows by their fractions.
   */
  synthetic?: { path: string; label: string };
  /**
   * A Hub benchmark's split, downloaded by the stage at a commit (`label`, `hf://datasets/<id>@<sha>`):
   * its files (`path`, named like the repository file) are what training is decontaminated against.
   */
  hubBenchmark?: { label: string; files: { path: string; label: string }[] };
  /** Called about twice a second while the rows are read and written: rows, MB/s, ETA. */
  onProgress?: (progress: PrepareProgress) => void;
  /** Worker threads for the per-row work; by default one a core but one, at least two (see defaultThreads). */
  threads?: number;
  /**
   * The data.datasets indices this stage reads (a chained recipe prepares each method's datasets
   * in its own stage); all of them when undefined.
   */
  only?: readonly number[];
}

/**
 * INTERN_PREPARE_THREADS: worker threads for data preparation (0: the calling thread only), to
 * leave cores to others on a shared login node or to use them all; unset, intern chooses.
 */
export function preparationThreads(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.INTERN_PREPARE_THREADS;
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) > 256) {
    throw new InternError("INTERN_USAGE", `INTERN_PREPARE_THREADS is ${JSON.stringify(text)}, not a number of threads`, {
      hint: "set it to a whole number from 0 (no worker threads) to 256, or unset it to let intern choose",
    });
  }
  return Number(text);
}

/** How prepare reads the synthesize stage's file. */
export function syntheticDataset(label: string): PinnedDataset {
  return {
    source: { kind: "local", path: label },
    split: "train",
    license: null,
    format: "conversational",
    columns: { messages: "messages", prompt: null, completion: null, system: null, text: null },
    fraction: null,
    rows: null,
    maxRows: null,
  };
}

/** Where the training file goes, relative to the stage folder: TRL loads the folder as split `train`. */
export const TRAIN_FILE = "data/train.jsonl";

interface LocalDataset {
  dataset: PinnedDataset;
  /** Its name in the manifest. */
  path: string;
  /** Its files, in reading order, with their names in the manifest. */
  sources: RecordSource[];
  labels: string[];
}

function localDatasets(recipe: Recipe, recipeDir: string, chosen?: PrepareInput["chosen"], hub?: PrepareInput["hub"], only?: readonly number[]): LocalDataset[] {
  const datasets = recipe.data.datasets;
  if (datasets === null && chosen !== undefined) {
    return chosen.map((c, i) => ({ dataset: c.dataset, path: c.label, sources: [{ path: c.path, key: `discover mix[${i}] (${c.label})` }], labels: [c.label] }));
  }
  if (datasets === null) {
    throw new InternError("INTERN_DATA_NOT_PINNED", "data.datasets is not set, and choosing datasets comes with the agentic stages", {
      hint: "pin the training data under data.datasets: a Hub dataset (id, revision, split) or a path to a local .jsonl, .jsonl.gz, .jsonl.zst or .parquet file",
    });
  }
  return datasets.flatMap((dataset, i) => (only === undefined || only.includes(i) ? [{ dataset, i }] : [])).map(({ dataset, i }) => {
    if (dataset.source.kind === "hub") {
      const got = hub?.find((h) => h.index === i);
      if (got === undefined || got.files.length === 0) {
        throw new InternError("INTERN_DATA_NOT_PINNED", `data.datasets[${i}]: the Hub dataset ${dataset.source.id} was not downloaded before data preparation`, {
          hint: "run the prepare stage (intern apply), which resolves the revision and downloads the files",
        });
      }
      return { dataset, path: got.label, sources: got.files.map((f) => ({ path: f.path, key: `data.datasets[${i}] (${f.label})` })), labels: got.files.map((f) => f.label) };
    }
    return { dataset, path: dataset.source.path, sources: [{ path: resolve(recipeDir, dataset.source.path), key: `data.datasets[${i}].path` }], labels: [dataset.source.path] };
  });
}

type Benchmark = { skipped: string } | { index: NgramIndex; report: Extract<DecontaminationReport, { benchmark: unknown }> };

async function loadBenchmark(recipe: Recipe, recipeDir: string, hub: PrepareInput["hubBenchmark"]): Promise<Benchmark> {
  const { enabled, ngram, threshold } = recipe.data.decontaminate;
  const data = recipe.benchmark.data;
  const local = "set benchmark.data.path to a local JSON Lines copy of the benchmark to check it";
  if (!enabled) return { skipped: "data.decontaminate.enabled is false" };
  if (data.kind === "harness") {
    const task = recipe.benchmark.task === null ? "" : ` task ${recipe.benchmark.task}`;
    return { skipped: `the benchmark's items live inside ${recipe.benchmark.harness}${task}, which intern cannot read; ${local}` };
  }
  if (data.kind === "hub") {
    if (hub === undefined) {
      throw new InternError("INTERN_BENCHMARK_UNREADABLE", `the benchmark ${data.dataset} was not downloaded, so training data cannot be decontaminated against it`, {
        hint: "run prepare as a stage of `intern apply`, which downloads it, or set data.decontaminate.enabled: false to train without the check",
      });
    }
    const { items, files } = await readHubBenchmark(hub.files.map((f) => ({ path: f.path, key: `benchmark.data (${f.label})` })));
    const index = buildNgramIndex(items, ngram);
    const sha256 = files.length === 1 ? files[0]!.sha256 : createHash("sha256").update(files.map((f) => f.sha256).join("\n")).digest("hex");
    return {
      index,
      report: {
        benchmark: { path: hub.label, sha256, items: items.length, itemsWithoutNgrams: index.tooShort.length, files: hub.files.map((f, i) => ({ path: f.label, sha256: files[i]!.sha256, bytes: files[i]!.bytes })) },
        ngram,
        threshold,
        removed: [],
      },
    };
  }
  const { items, digest } = await readBenchmark({ path: resolve(recipeDir, data.path), key: "benchmark.data.path" });
  const index = buildNgramIndex(items, ngram);
  return {
    index,
    report: { benchmark: { path: data.path, sha256: digest.sha256, items: items.length, itemsWithoutNgrams: index.tooShort.length }, ngram, threshold, removed: [] },
  };
}

/**
 * The prepare stage: reads the pinned datasets (local files, and Hub datasets the stage downloaded), maps them to TRL's conversational format,
 * mixes them by fraction with the recipe's seed, drops exact duplicates and rows that overlap
 * the benchmark, and writes `dir/data/train.jsonl` and `dir/manifest.json`. Same recipe and
 * files, same bytes.
 *
 * A dataset may be several files (a Hub dataset's shards): read in order, its rows numbered on
 * across them. One pass over each file, on worker threads for large inputs (data/prepare-rows.ts): the rows
 * that fit are spilled to disk as they will be written, and only about 50 bytes a row stay in
 * memory until the mix is planned and written.
 */
export async function prepareData(input: PrepareInput): Promise<PrepareManifest> {
  const { recipe, recipeDir, dir, signal } = input;
  const { seed, maxRows, dedupe } = recipe.data;
  const locals = localDatasets(recipe, recipeDir, input.chosen, input.hub, input.only);
  const fixed = input.synthetic ? 1 : 0;
  if (input.synthetic) {
    const { label, path } = input.synthetic;
    locals.push({ dataset: syntheticDataset(label), path: label, sources: [{ path, key: `synthetic data (${label})` }], labels: [label] });
  }
  const benchmark = await loadBenchmark(recipe, recipeDir, input.hubBenchmark);
  const threshold = recipe.data.decontaminate.threshold;

  if (signal?.aborted) throw cancelled("data preparation");
  await mkdir(join(dir, "data"), { recursive: true });
  const { scans, plan, afterMix: total, duplicatesRemoved, removed, output } = await prepareRows({
    datasets: locals,
    // Synthetic data goes in whole; the recipe's datasets give their counts or fractions.
    plan: (found) => planMix(found.map((s, i) => ({ available: s.fitting.length, fraction: locals[i]!.dataset.fraction, rows: i >= locals.length - fixed ? "all" : locals[i]!.dataset.rows })), maxRows),
    seed,
    dedupe,
    benchmark: "index" in benchmark ? { index: benchmark.index, threshold } : null,
    outputPath: join(dir, TRAIN_FILE),
    ...(signal ? { signal } : {}),
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    ...(input.threads !== undefined ? { pool: { threads: input.threads } } : {}),
  });

  const datasets: DatasetReport[] = locals.map(({ dataset, path, labels }, i) => {
    const scan = scans[i]!;
    const share = plan.shares[i]!;
    return {
      source: dataset.source.kind,
      path,
      format: dataset.format,
      columns: { ...dataset.columns },
      sha256: scan.sha256,
      bytes: scan.bytes,
      files: scan.files.map((f, j) => ({ path: labels[j]!, sha256: f.sha256, bytes: f.bytes, records: f.records })),
      fraction: dataset.fraction,
      requestedRows: dataset.rows,
      maxRows: dataset.maxRows,
      rows: { read: scan.records, mapped: scan.fitting.length, notFitting: scan.records - scan.fitting.length, wanted: share.wanted, taken: share.taken },
      short: share.taken < share.wanted ? `${dataset.rows !== null ? "`rows`" : "its fraction"} asks for ${share.wanted} rows but only ${share.available} fit; the mix has ${share.wanted - share.taken} fewer` : null,
      notFitting: { byReason: scan.byReason, samples: scan.samples },
    };
  });
  const manifest: PrepareManifest = {
    version: 1,
    seed,
    datasets,
    mix: { maxRows, available: plan.available, target: plan.target, taken: plan.taken },
    dedupe: { enabled: dedupe, removed: duplicatesRemoved },
    decontamination: "index" in benchmark ? { ...benchmark.report, removed } : { skipped: benchmark.skipped },
    totals: { afterMix: total, duplicatesRemoved, contaminatedRemoved: removed.length, written: output.rows },
    output: { path: TRAIN_FILE, rows: output.rows, bytes: output.bytes, sha256: output.sha256 },
  };
  await writeManifest(join(dir, "manifest.json"), manifest);
  if (output.rows === 0) {
    throw new InternError("INTERN_DATA_EMPTY", `no training rows are left (${plan.available} fit, ${total} mixed, ${duplicatesRemoved} duplicates, ${removed.length} contaminated)`, {
      hint: `see ${join(dir, "manifest.json")} for why rows did not fit; check data.datasets[].format and columns`,
    });
  }
  return manifest;
}
