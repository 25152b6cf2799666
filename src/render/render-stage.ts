import { InternalError } from "../errors.js";
import type { Stage, StageGraph } from "../graph/types.js";
import { recipeOfStage } from "../recipe/phases.js";
import type { Recipe } from "../recipe/types.js";
import { LM_EVAL_TASK_TEMPLATE, trlTemplate, writesLmEvalTask } from "../graph/builtin-stages.js";
import { BUILTIN_REWARDS_MODULE, LM_EVAL_TASK_FILES, rewardModules, stageContext, trlConfigFile, type RunLocation } from "./context.js";
import { RenderedText, type Renderer } from "./environment.js";

export interface RenderedFile {
  /** Relative to the stage folder. */
  path: string;
  content: string;
  executable: boolean;
}

/** The template that runs a job stage's own command, by stage kind and harness. */
function commandTemplate(recipe: Recipe, stage: Stage): string {
  if (stage.kind === "train") return "jobs/train.sh.hbs";
  if (stage.kind === "evaluate") return `jobs/evaluate-${recipe.benchmark.harness}.sh.hbs`;
  return "jobs/command.sh.hbs";
}

/**
 * The Python modules a GRPO stage's `reward_funcs` name, written beside its config: intern's
 * builtin rewards, and each reward file of the recipe as it is now (its digest is in the stage's
 * key, so the file that trains is the file that was keyed).
 */
function rewardFiles(recipe: Recipe, loc: RunLocation): RenderedFile[] {
  const helper = `${BUILTIN_REWARDS_MODULE}.py`;
  const builtin = loc.pythonHelpers?.[helper];
  if (builtin === undefined) throw new InternalError(`a GRPO stage needs intern's ${helper} in RunLocation.pythonHelpers`);
  const out: RenderedFile[] = [{ path: helper, content: builtin, executable: false }];
  for (const [module, file] of Object.entries(rewardModules(recipe).files)) {
    const content = loc.rewardSources?.[file];
    if (content === undefined) throw new InternalError(`reward file ${file} is missing from RunLocation.rewardSources`);
    out.push({ path: module, content, executable: false });
  }
  return out;
}

/**
 * Renders every file a job stage needs: the stage's configs (TRL, accelerate), its `run.sh`,
 * and the backend's wrapper (an sbatch script, or a Kubernetes Job with a headless Service
 * and a ConfigMap carrying the other files). Pure: writing them is the caller's job.
 * `timeLimitSeconds` is the limit the job runs under when the budget cut the stage's own, so the
 * files show what runs (the sbatch `--time`, the Job's `activeDeadlineSeconds`).
 */
export function renderStage(renderer: Renderer, whole: Recipe, graph: StageGraph, stage: Stage, loc: RunLocation, overrides: Record<string, unknown> = {}, timeLimitSeconds?: number): RenderedFile[] {
  if (stage.placement !== "job") return [];
  // A later training stage of a chain renders its own method's config.
  const recipe = recipeOfStage(whole, stage);
  const ctx = stageContext(whole, graph, stage, loc, overrides, timeLimitSeconds);
  const files: RenderedFile[] = [];
  if (stage.kind === "train") {
    files.push({ path: trlConfigFile(recipe), content: renderer.render(trlTemplate(recipe), ctx), executable: false });
    files.push({ path: "accelerate.yaml", content: renderer.render(`accelerate/${recipe.compute.accelerate}.yaml.hbs`, ctx), executable: false });
    if (recipe.training.method === "grpo") files.push(...rewardFiles(recipe, loc));
  }
  if (stage.kind === "evaluate" && writesLmEvalTask(recipe)) {
    // The builtin evaluator's two prompt forms; the job picks one by the model's tokenizer.
    const builder = /\.parquet$/i.test(ctx.eval.data_path ?? "") ? "parquet" : "json";
    const forms = { plain: "Question: {{question}}\nAnswer:", chat: "{{question}}" } as const;
    for (const [form, file] of Object.entries(LM_EVAL_TASK_FILES) as [keyof typeof forms, string][]) {
      const task = { builder, doc_to_text: forms[form], doc_to_choice: "{{choices}}" };
      files.push({ path: file, content: renderer.render(LM_EVAL_TASK_TEMPLATE, { ...ctx, task }), executable: false });
    }
  }
  const command = new RenderedText(renderer.render(commandTemplate(recipe, stage), ctx));
  files.push({ path: "run.sh", content: renderer.render("jobs/job.sh.hbs", { ...ctx, body: command }), executable: true });
  if (recipe.compute.backend === "slurm") {
    files.push({ path: "job.sbatch", content: renderer.render("slurm/job.sbatch.hbs", ctx), executable: true });
  } else if (recipe.compute.backend === "kubernetes") {
    const carried: Record<string, string> = Object.fromEntries(files.map((f) => [f.path, f.content]));
    // intern's helpers run from the ConfigMap: pods need nothing of intern installed.
    const helpers = ["fingerprint.py", ...(stage.kind === "evaluate" && recipe.benchmark.harness === "builtin" ? ["evaluate_builtin.py"] : [])];
    for (const name of helpers) {
      const script = loc.pythonHelpers?.[name];
      if (script === undefined) throw new InternalError(`a Kubernetes job needs intern's ${name} in RunLocation.pythonHelpers`);
      carried[name] = script;
    }
    files.push({ path: "job.yaml", content: renderer.render("kubernetes/job.yaml.hbs", { ...ctx, files: carried }), executable: false });
  }
  return files;
}
