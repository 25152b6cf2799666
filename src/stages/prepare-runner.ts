import { join } from "node:path";
import { InternError } from "../errors.js";
import type { MixWeight } from "./decide.js";
import { hubLabel, linkCached, pinnedOf, type MixEntry } from "./hub-data.js";
import { prepareData, type PrepareInput } from "./prepare.js";
import { formatPrepareProgress } from "./prepare-progress.js";
import { SYNTHETIC_FILE } from "./synthesize.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** The datasets discover chose, as prepare reads them; undefined when the recipe pins its data. */
function chosenDatasets(ctx: StageContext): PrepareInput["chosen"] {
  if (ctx.recipe.data.datasets !== null) return undefined;
  const kinds = new Map(ctx.graph.stages.map((s) => [s.id, s.kind]));
  const discover = [...ctx.needOutputs].find(([id]) => kinds.get(id) === "discover")?.[1];
  const mix = discover?.mix as MixEntry[] | undefined;
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
  const kinds = new Map(ctx.graph.stages.map((s) => [s.id, s.kind]));
  const decide = [...ctx.needOutputs].find(([id]) => kinds.get(id) === "decide")?.[1];
  return Array.isArray(decide?.mix) ? (decide.mix as MixWeight[]) : undefined;
}

/** The conversations the synthesize stage wrote, when the recipe has one. */
function syntheticData(ctx: StageContext): PrepareInput["synthetic"] {
  const kinds = new Map(ctx.graph.stages.map((s) => [s.id, s.kind]));
  const found = [...ctx.needOutputs].find(([id]) => kinds.get(id) === "synthesize");
  if (found === undefined) return undefined;
  const [id, out] = found;
  if (typeof out.file !== "string") throw new InternError("INTERN_DATA_NOT_PINNED", `stage ${id} reported no synthetic data file`, { hint: `run ${id} again` });
  return { path: out.file, label: `${id}/${SYNTHETIC_FILE}` };
}

/** Data preparation runs inside intern: read, map, mix, dedupe, decontaminate, write. */
export const prepareRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    const chosen = chosenDatasets(ctx);
    const synthetic = syntheticData(ctx);
    const progress = ctx.progress;
    const manifest = await prepareData({
      recipe: ctx.recipe, recipeDir: ctx.recipeDir, dir: ctx.dir, signal: ctx.signal, ...(chosen ? { chosen } : {}), ...(synthetic ? { synthetic } : {}),
      ...(progress ? { onProgress: (p) => progress(formatPrepareProgress(p)) } : {}),
    });
    return { data: join(ctx.dir, "data"), manifest };
  },
};
