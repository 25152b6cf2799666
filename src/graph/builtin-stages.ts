import type { Recipe } from "../recipe/types.js";
import { isChained } from "../recipe/phases.js";
import { passId, type StageDraft } from "./draft.js";
import { chainPrepareStages, laterTrainStages, rewardFilesOf } from "./phase-stages.js";

/** The lm-eval task intern writes for a local multiple-choice file. */
export const LM_EVAL_TASK_TEMPLATE = "lm-eval/task.yaml.hbs";

/** The TRL config template of the recipe's method (`trl/sft.yaml.hbs`, `trl/dpo.yaml.hbs`). */
export function trlTemplate(r: Recipe): string {
  return `trl/${r.training.method}.yaml.hbs`;
}

/**
 * Whether intern writes the lm-eval task: `harness: lm-eval` with a local benchmark file and no
 * `task` of the harness's own (with a `task`, the file only names what training must not contain).
 */
export function writesLmEvalTask(r: Recipe): boolean {
  return r.benchmark.harness === "lm-eval" && r.benchmark.task === null && r.benchmark.data.kind === "local";
}

/** Templates a job stage renders: its own plus the backend's job wrapper. */
export function jobTemplates(recipe: Recipe, own: string[]): string[] {
  const wrapper = recipe.compute.backend === "slurm" ? ["slurm/job.sbatch.hbs"] : recipe.compute.backend === "kubernetes" ? ["kubernetes/job.yaml.hbs"] : [];
  return [...own, "jobs/job.sh.hbs", ...wrapper];
}

function agentParams(r: Recipe): Record<string, unknown> {
  const a = r.agent;
  return { provider: a.provider, model: a.model, temperature: a.temperature, seed: a.seed, max_steps: a.maxSteps, max_tokens: a.maxTokens, max_prompt_tokens: a.maxPromptTokens };
}

function benchmarkParams(r: Recipe): Record<string, unknown> {
  const { timeLimitSeconds: _t, ...b } = r.benchmark;
  return b;
}

function evalResources(r: Recipe) {
  return { nodes: 1, gpus: r.compute.evalGpus, gpusPerNode: r.compute.evalGpus, timeLimitSeconds: r.benchmark.timeLimitSeconds };
}

/**
 * What a job stage's key takes from where and how it runs: the Python environment, the backend
 * and, when pinned, the CPU kernels (which change a CPU job's numbers; `native`, the default,
 * adds nothing, so keys made before the setting existed stay the same).
 */
export function environment(r: Recipe): Record<string, unknown> {
  return { environment: r.compute.environment, backend: r.compute.backend, ...(r.compute.cpuKernels === "native" ? {} : { cpu_kernels: r.compute.cpuKernels }) };
}

/**
 * The built-in stages of one trial. Agentic stages appear only for what the recipe leaves
 * open: no pinned data -> research and discover; synthetic data allowed -> synthesize;
 * more than one pass -> a decide stage after each evaluation but the last.
 */
export function builtinStages(r: Recipe): StageDraft[] {
  const out: StageDraft[] = [];
  const passes = r.budget.iterations;
  const dataOpen = r.data.datasets === null;
  // A base model made by one of the recipe's own stages: evaluation and training wait for it.
  const modelNeeds = r.baseModel.kind === "stage" ? [r.baseModel.stage] : [];
  const benchmarkFiles = r.benchmark.data.kind === "local" ? [r.benchmark.data.path] : [];
  const modelFiles = r.baseModel.kind === "local" ? [r.baseModel.path] : [];
  // A GRPO train stage's reward files: their content joins its key.
  const rewardFiles = r.training.method === "grpo" ? rewardFilesOf(r) : [];
  const dataFiles = (r.data.datasets ?? []).flatMap((d) => (d.source.kind === "local" ? [d.source.path] : []));
  const evalTemplates = [`jobs/evaluate-${r.benchmark.harness}.sh.hbs`, ...(writesLmEvalTask(r) ? [LM_EVAL_TASK_TEMPLATE] : [])];
  if (dataOpen) {
    out.push({
      localId: "research", name: "research", kind: "research", mode: "agentic", placement: "control-plane", needs: [], pass: null, conditional: false,
      params: { goal: r.goal, benchmark: { name: r.benchmark.name, task: r.benchmark.task, metric: r.benchmark.metric }, papers: { providers: r.sources.paperProviders, seed: r.sources.seedPapers, max: r.sources.maxPapers }, agent: agentParams(r) },
      resources: null, templates: [], outputs: ["candidates.json"], description: "read papers on the goal and benchmark; list candidate datasets with evidence",
    });
    out.push({
      localId: "discover", name: "discover", kind: "discover", mode: "agentic", placement: "control-plane", needs: ["research"], pass: null, conditional: false,
      params: { goal: r.goal, datasets: r.sources.datasets, licenses: r.sources.licenses, allow_gated: r.sources.allowGated, benchmark_data: r.benchmark.data, benchmark_copies: r.sources.benchmarkCopies.map((c) => c.pattern), agent: agentParams(r) },
      resources: null, templates: [], outputs: ["mix.json"], description: "inspect candidate datasets on the Hub; choose a mix with pinned revisions",
    });
  }
  if (r.sources.synthetic.allow) {
    out.push({
      localId: "synthesize", name: "synthesize", kind: "synthesize", mode: "agentic", placement: "control-plane", needs: dataOpen ? ["discover"] : [], pass: null, conditional: false,
      params: { goal: r.goal, max_examples: r.sources.synthetic.maxExamples, agent: agentParams(r) },
      resources: null, templates: [], outputs: ["synthetic.jsonl"], description: "generate training examples for gaps the agent names",
    });
  }
  out.push({
    localId: "baseline", name: "baseline", kind: "evaluate", mode: "deterministic", placement: "job", needs: [...modelNeeds], pass: null, conditional: false,
    params: { model: r.baseModel, benchmark: benchmarkParams(r), ...environment(r) },
    resources: evalResources(r), templates: [...evalTemplates], outputs: ["results.json"], description: `evaluate the base model on ${r.benchmark.name}`, files: [...benchmarkFiles, ...modelFiles],
  });
  // With pinned data and no synthesis, the data never changes between passes: prepare once.
  const preparePerPass = dataOpen || r.sources.synthetic.allow;
  const chained = isChained(r);
  const dataNeeds = [...(dataOpen ? ["discover"] : []), ...(r.sources.synthetic.allow ? ["synthesize"] : [])];
  const prepareParams = {
    datasets: r.data.datasets ?? "chosen by discover",
    seed: r.data.seed, max_rows: r.data.maxRows, dedupe: r.data.dedupe, decontaminate: r.data.decontaminate, benchmark_data: r.benchmark.data,
  };
  for (let p = 1; p <= passes; p++) {
    const decidePrev = p > 1 ? [passId("decide", p - 1, passes)] : [];
    const prepareId = preparePerPass ? passId("prepare", p, passes) : "prepare";
    if (chained) {
      out.push(...chainPrepareStages(r, prepareParams, benchmarkFiles));
    } else if (preparePerPass || p === 1) {
      out.push({
        localId: prepareId, name: "prepare", kind: "prepare", mode: "deterministic", placement: "control-plane", needs: [...dataNeeds, ...(preparePerPass ? decidePrev : [])],
        pass: preparePerPass && passes > 1 ? p : null, conditional: preparePerPass && p > 1,
        params: { ...prepareParams, pass: preparePerPass ? p : null },
        resources: null, templates: [], outputs: ["data/train.jsonl", "manifest.json"], description: "read, map, mix, dedupe and decontaminate the training data", files: [...dataFiles, ...benchmarkFiles],
      });
    }
    const trainId = passId("train", p, passes);
    out.push({
      localId: trainId, name: "train", kind: "train", mode: "deterministic", placement: "job", needs: [prepareId, ...decidePrev, ...modelNeeds], pass: passes > 1 ? p : null, conditional: p > 1,
      params: {
        method: r.training.method, base_model: r.baseModel, hyperparameters: r.training.hyperparameters, search_space: r.training.searchSpace, peft: r.training.peft,
        accelerate: r.compute.accelerate, mixed_precision: r.compute.mixedPrecision, trl: r.compute.trlVersion, pass: p, ...environment(r),
        ...(r.training.method === "grpo" ? { rewards: r.training.rewards } : {}),
      },
      resources: { nodes: r.compute.nodes, gpus: r.compute.gpus, gpusPerNode: r.compute.gpusPerNode, timeLimitSeconds: r.training.timeLimitSeconds },
      templates: jobTemplates(r, [trlTemplate(r), `accelerate/${r.compute.accelerate}.yaml.hbs`, "jobs/train.sh.hbs"]),
      outputs: ["model/"], files: [...modelFiles, ...rewardFiles], description: `${r.training.method} with TRL ${r.compute.trlVersion}${p > 1 ? " (hyperparameters and mix from the decide stage)" : ""}`,
    });
    // A chain's later train stages (validate keeps a chain to one pass); evaluation scores the last.
    const later = chained ? laterTrainStages(r, (method) => jobTemplates(r, [`trl/${method}.yaml.hbs`, `accelerate/${r.compute.accelerate}.yaml.hbs`, "jobs/train.sh.hbs"]), environment(r)) : [];
    out.push(...later);
    const lastTrainId = later.at(-1)?.localId ?? trainId;
    const evalId = passId("evaluate", p, passes);
    out.push({
      localId: evalId, name: "evaluate", kind: "evaluate", mode: "deterministic", placement: "job", needs: [lastTrainId], pass: passes > 1 ? p : null, conditional: p > 1,
      params: { model: `output of ${lastTrainId}`, benchmark: benchmarkParams(r), ...environment(r) },
      resources: evalResources(r), templates: jobTemplates(r, evalTemplates), outputs: ["results.json"], description: `evaluate the trained model on ${r.benchmark.name}`, files: benchmarkFiles,
    });
    if (p < passes) {
      out.push({
        localId: passId("decide", p, passes), name: "decide", kind: "decide", mode: "agentic", placement: "control-plane", needs: [evalId, "baseline"], pass: p, conditional: p > 1,
        params: { target: r.benchmark.target, higher_is_better: r.benchmark.higherIsBetter, search_space: r.training.searchSpace, data_open: dataOpen, agent: agentParams(r), pass: p, passes },
        resources: null, templates: [], outputs: ["decision.json"], description: "stop, or choose the next pass's hyperparameters and mix",
      });
    }
  }
  // The baseline stage's job wrapper follows the backend too.
  const baseline = out.find((s) => s.localId === "baseline")!;
  baseline.templates = jobTemplates(r, baseline.templates);
  return out;
}
