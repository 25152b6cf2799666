import { trlVersionOf } from "../derive.js";
import { parseDuration } from "../duration.js";
import { METHODS, methodOfFormat, TRAINED_METHODS } from "../methods.js";
import { methodsOfInput, phaseStagesOf } from "../phases.js";
import { checkTrlKey } from "../trl-keys.js";
import type { RecipeInput, TrainingMethod } from "../types.js";
import type { Problem, Rule, RuleContext } from "./problem.js";
import { KEY_PROBLEM_CODE, ktoProblems } from "./training.js";

const CODE = "INTERN_RECIPE_INVALID";

/** Where phase `i` (0 = `training`, 1 = `training.then[0]`, ...) names its method. */
function methodPath(r: RecipeInput, i: number): (string | number)[] {
  if (i > 0) return ["training", "then", i - 1, "method"];
  return r.training?.method !== undefined ? ["training", "method"] : ["training"];
}

/**
 * Chained training (`training.then`): every method in the chain trains, each has data and each
 * dataset a method that reads it, no method follows itself, every later stage's keys are its
 * TRL command's, and what a chain cannot do yet is refused rather than half done.
 */
export const chainRule: Rule = (r, ctx) => {
  const then = r.training?.then;
  if (then === undefined || then.length === 0) return [];
  const out: Problem[] = [];
  const methods = methodsOfInput(r);
  out.push(...notYet(r));
  const supported = methods.every((m) => TRAINED_METHODS.includes(m));
  then.forEach((t, i) => {
    if (!TRAINED_METHODS.includes(t.method)) {
      out.push({ path: ["training", "then", i, "method"], code: "INTERN_UNSUPPORTED", message: `training method \`${t.method}\` is not supported yet; intern trains with ${TRAINED_METHODS.map((m) => `\`${m}\``).join(", ")}`, target: "value" });
    }
    const previous = methods[i]!;
    if (t.method === previous) {
      out.push({
        path: ["training", "then", i, "method"],
        code: CODE,
        message: `training.then[${i}] is ${t.method} again, right after a ${previous} stage on the same data`,
        hint: `train one ${t.method} stage longer (num_train_epochs) instead of two in a row`,
        target: "value",
      });
    }
  });
  if (!supported) return out;
  // Each method trains on its formats; each dataset's format must belong to a method of the chain.
  const datasets = r.data?.datasets;
  if (datasets !== undefined) {
    const formats = datasets.map((d) => d.format ?? "conversational");
    methods.forEach((m, i) => {
      if (!formats.some((f) => METHODS[m]!.formats.includes(f))) {
        out.push({ path: methodPath(r, i), code: CODE, message: `${i === 0 ? "training.method" : `training.then[${i - 1}].method`} is ${m}, which trains on ${METHODS[m]!.data}, but no dataset has its format (${METHODS[m]!.formats.join(", ")})`, hint: `add a dataset for it under data.datasets: ${METHODS[m]!.hint}`, target: "value" });
      }
    });
    datasets.forEach((d, i) => {
      const owner = methodOfFormat(formats[i]!);
      if (!methods.includes(owner)) {
        out.push({
          path: d.format !== undefined ? ["data", "datasets", i, "format"] : ["data", "datasets", i],
          code: CODE,
          message: `data.datasets[${i}] is \`${formats[i]}\`, which only ${owner} trains on, and no training stage of the chain is ${owner} (${methods.join(", then ")})`,
          hint: `add a ${owner} stage under training.then, or remove the dataset`,
          target: d.format !== undefined ? "value" : "key",
        });
      }
    });
  }
  out.push(...laterKeyProblems(r, ctx), ...laterTimeLimits(r));
  // The chain's own stages take names a user stage may not shadow.
  const ids = new Set(phaseStagesOf(methods).flatMap((p) => [p.trainId, p.prepareId]));
  r.stages?.forEach((s, i) => {
    if (ids.has(s.name) && s.name !== "train" && s.name !== "prepare") {
      out.push({ path: ["stages", i, "name"], code: "INTERN_DUPLICATE_STAGE", message: `stage name \`${s.name}\` is a stage of the training chain`, hint: "pick another name; use `needs`/`before` to place your stage next to it" });
    }
  });
  return out;
};

/** What a chain does not do yet: the agent's choices, LoRA and synthetic data, each located. */
function notYet(r: RecipeInput): Problem[] {
  const out: Problem[] = [];
  const refuse = (path: (string | number)[], what: string, hint: string, target: "key" | "value" = "key") =>
    out.push({ path, code: "INTERN_UNSUPPORTED", message: `${what} is not supported with chained training (training.then) yet`, hint, target });
  if ((r.budget.iterations ?? 1) > 1) refuse(["budget", "iterations"], "more than one pass (the decide stage)", "set budget.iterations: 1, or train one method without training.then", "value");
  if (r.training?.search_space !== undefined) refuse(["training", "search_space"], "a search space for the agent", "fix the hyperparameters under training.hyperparameters, or train one method without training.then");
  if (r.data?.datasets === undefined) refuse(["training", "then"], "leaving the data to the agent (no data.datasets)", "pin each method's datasets under data.datasets");
  if (r.sources?.synthetic?.allow === true) refuse(["sources", "synthetic", "allow"], "synthetic data", "turn sources.synthetic.allow off", "value");
  if (r.training?.peft !== undefined) refuse(["training", "peft"], "LoRA (training.peft)", "train the full model in a chain, or train one method with LoRA");
  return out;
}

/** Each later stage's hyperparameters against its method's TRL key table, with a did-you-mean. */
function laterKeyProblems(r: RecipeInput, ctx: RuleContext): Problem[] {
  const version = trlVersionOf(r);
  if (version === null) return [];
  const out: Problem[] = [];
  (r.training?.then ?? []).forEach((t, i) => {
    const at = ["training", "then", i, "hyperparameters"];
    const table = ctx.trlTable(version, t.method as TrainingMethod);
    if (table === null) {
      out.push({ path: ["training", "then", i, "method"], code: "INTERN_TRL_VERSION_UNKNOWN", message: `intern has no key table for \`trl ${t.method}\` of TRL ${version} (it knows ${ctx.trlVersions.join(", ")})`, severity: "warning", target: "value" });
      return;
    }
    const hp = t.hyperparameters ?? {};
    for (const [key, value] of Object.entries(hp)) {
      const p = checkTrlKey(table, key, value, { checkValue: true });
      if (p) out.push({ path: [...at, key], code: KEY_PROBLEM_CODE[p.kind], message: p.message, ...(p.hint ? { hint: p.hint } : {}), target: p.kind === "type" ? "value" : "key" });
    }
    if (t.method === "kto") out.push(...ktoProblems(hp, at));
  });
  return out;
}

/** A later stage's time limit: not zero, and within the wall-clock budget (as training.time_limit). */
function laterTimeLimits(r: RecipeInput): Problem[] {
  const out: Problem[] = [];
  const wall = r.budget.wall_clock === undefined ? null : parseDuration(r.budget.wall_clock);
  (r.training?.then ?? []).forEach((t, i) => {
    const limit = parseDuration(t.time_limit ?? "4h");
    const path = t.time_limit === undefined ? ["training", "then", i] : ["training", "then", i, "time_limit"];
    if (limit === 0) out.push({ path, code: "INTERN_BUDGET_INVALID", message: `training.then[${i}].time_limit is zero`, hint: "a limit of zero allows nothing; raise it or remove it" });
    else if (wall !== null && wall > 0 && limit !== null && limit > wall) {
      out.push({ path, code: "INTERN_BUDGET_INVALID", message: `training.then[${i}].time_limit (${t.time_limit ?? "4h"}) is longer than budget.wall_clock (${r.budget.wall_clock})`, hint: `a training job could never use its time limit; lower training.then[${i}].time_limit or raise budget.wall_clock`, target: t.time_limit === undefined ? "key" : "value" });
    }
  });
  return out;
}
