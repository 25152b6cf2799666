import { join } from "node:path";
import { cancelled, InternError } from "../errors.js";
import { datasetIndicesOf } from "../recipe/phases.js";
import type { TrainingMethod } from "../recipe/types.js";
import { benchmarkReadPolicy, createSourceContext, createSourcePolicy, hubToken, type DownloadProgress } from "../sources/index.js";
import { hubCacheDir } from "./agent-stage.js";
import type { MixWeight } from "./decide.js";
import { fetchHubSplit, fetchPinnedHubData, hubDatasetLabel, hubLabel, linkCached, lockedHubData, pinnedOf, type LockedHubData, type PinnedHubData } from "./hub-data.js";
import { prepareData, preparationThreads, type PrepareInput } from "./prepare.js";
import { formatDownloadProgress, formatPrepareProgress } from "./prepare-progress.js";
import { SYNTHETIC_FILE } from "./synthesize.js";
import { needOutput } from "./outputs.js";
import { needOfKind } from "../graph/needs.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** The datasets discover chose, as prepare reads them; undefined when the recipe pins its data. */
function chosenDatasets(ctx: StageContext): PrepareInput["chosen"] {
  if (ctx.recipe.data.datasets !== null) return undefined;
  const mix = needOutput(ctx, "discover")?.mix;
  if (!Array.isArray(mix)) {
    throw new InternError("INTERN_DATA_NOT_PINNED", "the recipe pins no data.datasets and no discover stage chose a mix", { hint: "pin data.datasets, or run the discover stage first" });
  }
  const weights = decidedWeights(ctx);
  return mix.map((e) => {
    const fraction = weights?.find((w) => w.id === e.id && w.file === e.file)?.fraction ?? e.fraction;
    return { dataset: pinnedOf({ ...e, fraction }), path: linkCached(ctx.dir, e), label: hubLabel(e) };
  });
}

/**
 * The fractions the decide stage before this pass chose for discover's datasets; undefined in the
 * first pass. Only discover's datasets are read: a weight for any other matches none of them.
 */
function decidedWeights(ctx: StageContext): Pick<MixWeight, "id" | "file" | "fraction">[] | undefined {
  const mix = needOutput(ctx, "decide")?.mix;
  return Array.isArray(mix) ? mix : undefined;
}

/** The conversations the synthesize stage wrote, when the recipe has one. */
function syntheticData(ctx: StageContext): PrepareInput["synthetic"] {
  const out = needOutput(ctx, "synthesize");
  if (out === undefined) return undefined;
  const id = needOfKind(ctx.graph, ctx.stage, "synthesize")!.id;
  if (typeof out.file !== "string") throw new InternError("INTERN_DATA_NOT_PINNED", `stage ${id} reported no synthetic data file`, { hint: `run ${id} again` });
  return { path: out.file, label: `${id}/${SYNTHETIC_FILE}` };
}

/**
 * The recipe's Hub datasets, each resolved to a commit through the source policy, its config and
 * split's files chosen and downloaded into the Hub cache (files already there are not fetched).
 * A locked run reads the commit and files its lock records instead.
 */
async function pinnedHubData(ctx: StageContext, only: readonly number[] | undefined): Promise<PinnedHubData[]> {
  const datasets = ctx.recipe.data.datasets ?? [];
  if (!datasets.some((d, i) => d.source.kind === "hub" && (only === undefined || only.includes(i)))) return [];
  const sources = createSourceContext(ctx.env);
  const policy = createSourcePolicy(ctx.recipe, { hasToken: hubToken(ctx.env) !== null });
  const locked = ctx.lockedDatasets ? lockedHubData(datasets, ctx.lockedDatasets) : new Map<number, LockedHubData>();
  const out: PinnedHubData[] = [];
  for (const [i, d] of datasets.entries()) {
    if (ctx.signal.aborted) throw cancelled("data preparation");
    if (d.source.kind !== "hub" || (only !== undefined && !only.includes(i))) continue;
    const id = d.source.id;
    const progress = ctx.progress;
    out.push(await fetchPinnedHubData(sources, policy, d, i, hubCacheDir(ctx), locked.get(i), progress ? (p) => progress(formatDownloadProgress(id, p)) : undefined, ctx.signal));
  }
  return out;
}

/**
 * A Hub benchmark's split, downloaded (through the same cache, at the commit its revision
 * resolves to) so training data is decontaminated against it; undefined when the benchmark is a
 * local file or the recipe turned decontamination off. A benchmark that cannot be read fails the
 * stage: training unchecked is the recipe's choice to make, not a fallback.
 */
async function hubBenchmark(ctx: StageContext): Promise<PrepareInput["hubBenchmark"]> {
  const data = ctx.recipe.benchmark.data;
  if (data.kind !== "hub" || !ctx.recipe.data.decontaminate.enabled) return undefined;
  const sources = createSourceContext(ctx.env);
  const policy = benchmarkReadPolicy(data.dataset, { hasToken: hubToken(ctx.env) !== null });
  const progress = ctx.progress;
  let got;
  try {
    got = await fetchHubSplit(sources, policy, { id: data.dataset, revision: data.revision, config: data.config, split: data.split }, { key: "benchmark.data", idField: "dataset" }, hubCacheDir(ctx), {
      ...(progress ? { onProgress: (p: DownloadProgress) => progress(formatDownloadProgress(data.dataset, p)) } : {}),
      signal: ctx.signal,
    });
  } catch (error) {
    if (!(error instanceof InternError) || error.code === "INTERN_CANCELLED") throw error;
    throw new InternError("INTERN_BENCHMARK_UNREADABLE", `cannot read the benchmark to decontaminate training data against it: ${error.message}`, {
      hint: `${error.hint ? `${error.hint}; ` : ""}or set data.decontaminate.enabled: false to train without the check (the report then says it was skipped)`,
    });
  }
  const label = `hf://datasets/${data.dataset}@${got.sha}`;
  return { label, files: got.files.map((f) => ({ path: linkCached(join(ctx.dir, "benchmark"), { id: data.dataset, file: f.file, cachePath: f.cachePath }), label: hubLabel({ id: data.dataset, sha: got.sha, file: f.file }) })) };
}

/** The downloaded files as prepare reads them: links named like the repository files, with their labels. */
function hubInputs(ctx: StageContext, pinned: readonly PinnedHubData[]): PrepareInput["hub"] {
  return pinned.map((p) => ({
    index: p.index,
    label: p.files.length === 1 ? hubLabel({ id: p.id, sha: p.sha, file: p.files[0]!.file }) : hubDatasetLabel(p),
    files: p.files.map((f) => ({ path: linkCached(ctx.dir, { id: p.id, file: f.file, cachePath: f.cachePath }), label: hubLabel({ id: p.id, sha: p.sha, file: f.file }) })),
  }));
}

/**
 * Data preparation runs inside intern: download the recipe's Hub datasets, then read, map, mix,
 * dedupe, decontaminate, write. `hub` reports each pinned Hub dataset's commit and files (the lock
 * records them).
 */
export const prepareRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    const chosen = chosenDatasets(ctx);
    const synthetic = syntheticData(ctx);
    const threads = preparationThreads(ctx.env);
    // A chained recipe's prepare stage names its method: it reads only that method's datasets.
    const method = ctx.stage.params.method;
    const only = typeof method === "string" ? datasetIndicesOf(ctx.recipe, method as TrainingMethod) : undefined;
    const pinned = await pinnedHubData(ctx, only);
    const hub = hubInputs(ctx, pinned);
    const benchmark = await hubBenchmark(ctx);
    const progress = ctx.progress;
    const manifest = await prepareData({
      recipe: ctx.recipe, recipeDir: ctx.recipeDir, dir: ctx.dir, signal: ctx.signal, ...(chosen ? { chosen } : {}), ...(synthetic ? { synthetic } : {}), ...(pinned.length > 0 ? { hub } : {}), ...(benchmark ? { hubBenchmark: benchmark } : {}),
      ...(progress ? { onProgress: (p) => progress(formatPrepareProgress(p)) } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(only !== undefined ? { only } : {}),
    });
    return { data: join(ctx.dir, "data"), manifest, hub: pinned };
  },
};
