import { requirementName } from "../derive.js";
import { methodsOfInput } from "../phases.js";
import type { RecipeInput } from "../types.js";
import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_RECIPE_INVALID";

/** TRL's rewards that compare with a `solution` column through math-verify. */
const SOLUTION_REWARDS = new Set(["accuracy_reward", "reasoning_accuracy_reward"]);

/** Whether the job environment installs `name`: an explicit list must name it; an interpreter is the user's to vouch for. */
function installs(r: RecipeInput, name: string): boolean {
  const env = r.compute?.environment;
  if (env?.python !== undefined) return true;
  return (env?.requirements ?? []).some((line) => requirementName(line) === name);
}

/**
 * The one GRPO stage of a recipe, as the rules read it: the recipe with that stage's
 * hyperparameters under `training`, and where they are written (`training`, or `training.then.<i>`
 * in a chain). Null when no stage trains with GRPO.
 */
function grpoStage(r: RecipeInput): { view: RecipeInput; at: (string | number)[] } | null {
  const t = r.training ?? {};
  if ((t.method ?? "sft") === "grpo") return { view: r, at: ["training"] };
  const i = (t.then ?? []).findIndex((p) => p.method === "grpo");
  if (i < 0) return null;
  const later = t.then![i]!;
  return { view: { ...r, training: { ...t, method: "grpo", hyperparameters: later.hyperparameters ?? {}, search_space: undefined } }, at: ["training", "then", i] };
}

/** The training rule's part for GRPO: reward functions that can run on the data, and generation settings TRL accepts. */
export const grpoRule: Rule = (r) => {
  const out: Problem[] = [];
  const t = r.training ?? {};
  const methods = methodsOfInput(r);
  const stage = grpoStage(r);
  if (t.rewards !== undefined && stage === null) {
    out.push({ path: ["training", "rewards"], code: CODE, message: `training.rewards score GRPO's completions, and training.method is ${t.method ?? "sft"}${(t.then ?? []).length > 0 ? " and no stage of training.then is grpo" : ""}`, hint: "set training.method: grpo (or add a grpo stage under training.then), or leave training.rewards out", target: "key" });
    return out;
  }
  if (stage === null) return out;
  const second = methods.indexOf("grpo", methods.indexOf("grpo") + 1);
  if (second > 0) {
    out.push({ path: ["training", "then", second - 1, "method"], code: "INTERN_UNSUPPORTED", message: "a recipe has one GRPO stage: training.rewards serve it", hint: "keep one grpo stage in the chain", target: "value" });
    return out;
  }
  if (t.rewards === undefined && r.benchmark.harness !== "builtin") {
    out.push({ path: ["training"], code: CODE, message: `GRPO needs reward functions, and benchmark.harness ${r.benchmark.harness} is not multiple choice, so intern has no default`, hint: "name them under training.rewards: `- builtin: exact_answer`, or `- file: rewards.py` with `function: name`", target: "key" });
  }
  const shapes = shapeProblems(r);
  out.push(...shapes);
  if (shapes.length === 0) out.push(...rewardProblems(r));
  out.push(...generationProblems(stage.view, stage.at));
  return out;
};

/** Each reward is one builtin, or one function of one file. */
function shapeProblems(r: RecipeInput): Problem[] {
  const out: Problem[] = [];
  (r.training?.rewards ?? []).forEach((reward, i) => {
    const w = reward as { builtin?: unknown; file?: unknown; function?: unknown };
    const at = ["training", "rewards", i];
    const hint = "name a builtin (`builtin: exact_answer`), or a function of a Python file beside the recipe (`file: rewards.py` and `function: score`)";
    if (w.builtin !== undefined && (w.file !== undefined || w.function !== undefined)) out.push({ path: [...at, w.file !== undefined ? "file" : "function"], code: CODE, message: `training.rewards[${i}] names both a builtin and a file's function; one reward is one of them`, hint, target: "key" });
    else if (w.builtin === undefined && w.file === undefined && w.function === undefined) out.push({ path: at, code: CODE, message: `training.rewards[${i}] names no reward function`, hint, target: "key" });
    else if (w.builtin === undefined && w.function === undefined) out.push({ path: [...at, "file"], code: CODE, message: `training.rewards[${i}] names a file but not the function in it to call`, hint: "add `function:` with the name of the reward function the file defines", target: "key" });
    else if (w.builtin === undefined && w.file === undefined) out.push({ path: [...at, "function"], code: CODE, message: `training.rewards[${i}] names a function but not the file that defines it`, hint: "add `file:` with the Python file's path, relative to the recipe", target: "key" });
  });
  return out;
}

/** Each reward's needs: the columns it reads on every dataset, the packages it imports. */
function rewardProblems(r: RecipeInput): Problem[] {
  const out: Problem[] = [];
  const datasets = r.data?.datasets ?? [];
  const rewards = r.training?.rewards ?? (r.benchmark.harness === "builtin" ? [{ builtin: "exact_answer" as const }] : []);
  const at = (i: number): (string | number)[] => (r.training?.rewards === undefined ? ["training"] : ["training", "rewards", i]);
  rewards.forEach((reward, i) => {
    if (!("builtin" in reward)) return;
    if (reward.builtin === "exact_answer") {
      datasets.forEach((d, j) => {
        if ((d.format ?? "conversational") === "prompt" && d.columns?.answer === undefined) {
          const named = r.training?.rewards === undefined ? "the default reward, exact_answer," : "exact_answer";
          out.push({ path: ["data", "datasets", j], code: CODE, message: `${named} compares each completion with the row's answer, and data.datasets[${j}] maps no answer column`, hint: "map it with columns.answer (the column holding the reference answer), or name other training.rewards", target: "key" });
        }
      });
    }
    if (SOLUTION_REWARDS.has(reward.builtin)) {
      datasets.forEach((d, j) => {
        if ((d.format ?? "conversational") === "prompt" && !(d.columns?.keep ?? []).includes("solution")) {
          out.push({ path: ["data", "datasets", j], code: CODE, message: `TRL's ${reward.builtin} reads a \`solution\` column, which data.datasets[${j}] does not keep`, hint: "add `solution` to columns.keep (a column of that name must hold the reference solution)", target: "key" });
        }
      });
      if (!installs(r, "math-verify")) {
        out.push({ path: [...at(i), "builtin"], code: "INTERN_ENV_MISSING_PACKAGE", message: `TRL's ${reward.builtin} needs math-verify, which the job environment does not install`, hint: "list `math-verify[antlr4_13_2]` (pinned with ==) in compute.environment.requirements", target: "value" });
      }
    }
  });
  return out;
}

/** A fixed whole number the recipe sets, or TRL's default; null when the key is open in the search space or not a number. */
function fixedInt(r: RecipeInput, key: string, fallback: number | null): number | null {
  if (r.training?.search_space?.[key] !== undefined) return null;
  const v = r.training?.hyperparameters?.[key];
  if (v === undefined || v === null) return fallback;
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}

/**
 * What GRPOConfig refuses at start-up, said at validate: vLLM without vLLM installed, fewer than
 * two generations, and a generation batch that does not hold whole groups of `num_generations`
 * (the batch is per_device_train_batch_size x processes x steps_per_generation, which defaults to
 * gradient_accumulation_steps, unless generation_batch_size is set).
 */
function generationProblems(r: RecipeInput, at: (string | number)[]): Problem[] {
  const out: Problem[] = [];
  const hp = r.training?.hyperparameters ?? {};
  const path = (key: string): (string | number)[] => [...at, "hyperparameters", key];
  if (hp.use_vllm === true && !installs(r, "vllm")) {
    out.push({ path: path("use_vllm"), code: "INTERN_ENV_MISSING_PACKAGE", message: "use_vllm generates with vLLM, which the job environment does not install", hint: "list vllm (pinned with ==) in compute.environment.requirements, or leave use_vllm off (TRL then generates with transformers)", target: "value" });
  }
  const generations = fixedInt(r, "num_generations", 8);
  if (generations !== null && generations < 2) {
    out.push({ path: path("num_generations"), code: "INTERN_TRL_VALUE", message: `GRPO compares each completion with the others of its prompt's group, so num_generations must be at least 2, not ${generations}`, target: "value" });
    return out;
  }
  const perDevice = fixedInt(r, "per_device_train_batch_size", 8);
  const accumulation = fixedInt(r, "gradient_accumulation_steps", 1);
  const processes = Math.max(1, r.compute?.gpus ?? 0);
  const global = perDevice === null ? null : perDevice * processes;
  const given = fixedInt(r, "generation_batch_size", null);
  const steps = fixedInt(r, "steps_per_generation", null);
  if (hp.generation_batch_size !== undefined && hp.generation_batch_size !== null && hp.steps_per_generation !== undefined && hp.steps_per_generation !== null) {
    out.push({ path: path("steps_per_generation"), code: "INTERN_TRL_VALUE", message: "generation_batch_size and steps_per_generation both set the generation batch; keep one", target: "key" });
    return out;
  }
  const processesText = processes > 1 ? ` x ${processes} processes` : "";
  let batch: number | null = null;
  let made = "";
  if (given !== null) {
    if (global !== null && given % global !== 0) {
      out.push({ path: path("generation_batch_size"), code: "INTERN_TRL_VALUE", message: `generation_batch_size (${given}) must be a multiple of the global batch, per_device_train_batch_size ${perDevice}${processesText} = ${global}`, target: "value" });
      return out;
    }
    batch = given;
    made = `generation_batch_size ${given}`;
  } else if (global !== null) {
    const s = steps ?? accumulation;
    if (s !== null) {
      batch = global * s;
      made = `per_device_train_batch_size ${perDevice}${processesText} x ${steps !== null ? "steps_per_generation" : "gradient_accumulation_steps"} ${s} = ${batch}`;
    }
  }
  if (batch !== null && generations !== null && batch % generations !== 0) {
    const key = hp.num_generations !== undefined ? "num_generations" : hp.per_device_train_batch_size !== undefined ? "per_device_train_batch_size" : "num_generations";
    out.push({ path: path(key), code: "INTERN_TRL_VALUE", message: `the generation batch (${made}) must hold whole groups of num_generations (${generations}) completions of one prompt`, hint: `make the batch a multiple of ${generations}, or num_generations a divisor of ${batch}`, target: hp[key] !== undefined ? "value" : "key" });
  }
  return out;
}
