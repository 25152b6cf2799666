import { existsSync } from "node:fs";
import { join } from "node:path";
import { InternError } from "../errors.js";
import { renderJob } from "./job-stage.js";
import { needOutput } from "./outputs.js";
import type { JobRunner, StageContext } from "./types.js";

/** The search-space values the decide stage before this pass chose; none for the first pass. */
export function decidedHyperparameters(ctx: StageContext): Record<string, unknown> {
  const hp = needOutput(ctx, "decide")?.hyperparameters;
  return hp !== null && typeof hp === "object" ? hp : {};
}

/** `trl sft` with the rendered config, in the job environment; the model lands in `model/`. */
export const trainRunner: JobRunner = {
  placement: "job",
  async prepare(ctx, timeLimitSeconds) {
    return renderJob(ctx, timeLimitSeconds, decidedHyperparameters(ctx));
  },
  async collect(ctx) {
    const model = join(ctx.dir, "model");
    if (!existsSync(join(model, "config.json"))) {
      throw new InternError("INTERN_TRAIN_NO_MODEL", `training finished but left no model in ${model}`, { hint: `see the job log: ${ctx.executor.logPath(ctx)}` });
    }
    return { model };
  },
};
