import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../process/run-process.js";
import { jobEnvironment, renderJob } from "./job-stage.js";
import type { ControlPlaneRunner, JobRunner } from "./types.js";

/** A user stage placed in the control plane: its command runs here, with a time limit. */
export const controlCommandRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const run = String(ctx.stage.params.run);
    const own = ctx.stage.params.time_limit_seconds;
    const limit = typeof own === "number" ? own : ctx.recipe.compute.timeLimitSeconds;
    await runCommand({ command: "bash", args: ["-c", run], cwd: ctx.dir, env: jobEnvironment(ctx), timeoutMs: limit * 1000, logFile: join(ctx.dir, "job.log") });
    return {};
  },
};

/** A user stage placed as a job: the rendered run.sh runs its command. */
export const jobCommandRunner: JobRunner = {
  placement: "job",
  async prepare(ctx, timeLimitSeconds) {
    return renderJob(ctx, timeLimitSeconds);
  },
  async collect() {
    return {};
  },
};
