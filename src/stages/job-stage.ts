import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobSpec } from "../executors/types.js";
import { secretValues } from "../process/redact.js";
import { renderStage } from "../render/render-stage.js";
import type { StageContext } from "./types.js";

/** The environment a job gets: PATH with the job environment first, intern's run variables, and pass-through secrets (env only, never files). */
export function jobEnvironment(ctx: StageContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  if (ctx.pythonEnv?.binDir) env.PATH = `${ctx.pythonEnv.binDir}:${env.PATH ?? "/usr/bin:/bin"}`;
  env.INTERN_RUN_DIR = ctx.loc.runDir;
  env.INTERN_STAGE_DIR = ctx.dir;
  env.INTERN_RECIPE_DIR = ctx.recipeDir;
  for (const need of ctx.stage.needs) env[`INTERN_${need.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}_DIR`] = ctx.loc.stageDirs?.[need] ?? join(ctx.loc.runDir, "stages", need);
  // Tokenizers and torch pick their thread counts from the cores; keep them from fighting.
  env.TOKENIZERS_PARALLELISM ??= "false";
  return env;
}

/** Renders the stage's files into its folder and describes the job that runs them. */
export function renderJob(ctx: StageContext, timeLimitSeconds: number, overrides: Record<string, unknown> = {}): JobSpec {
  mkdirSync(ctx.dir, { recursive: true });
  const files = renderStage(ctx.renderer, ctx.recipe, ctx.graph, ctx.stage, ctx.loc, overrides, timeLimitSeconds);
  const secrets = secretValues(ctx.env);
  for (const f of files) {
    // Templates never see secrets; this is the last line of defence if one ever did.
    if (secrets.some((s) => f.content.includes(s))) throw new Error(`rendered ${f.path} would contain a secret value`);
    const path = join(ctx.dir, f.path);
    writeFileSync(path, f.content);
    if (f.executable) chmodSync(path, 0o755);
  }
  const wrapper = { slurm: "job.sbatch", kubernetes: "job.yaml", local: "run.sh" }[ctx.recipe.compute.backend];
  return { stageId: ctx.stage.id, dir: ctx.dir, script: join(ctx.dir, wrapper), env: jobEnvironment(ctx), timeLimitSeconds, gpus: ctx.stage.resources?.gpus ?? 0 };
}
