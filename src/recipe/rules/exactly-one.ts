import type { Problem, Rule } from "./problem.js";

function exactlyOne(obj: Record<string, unknown> | undefined, keys: string[], path: (string | number)[], what: string): Problem[] {
  if (obj === undefined) return [];
  const present = keys.filter((k) => obj[k] !== undefined);
  if (present.length === 1) return [];
  if (present.length === 0) {
    const names = keys.map((k) => `\`${k}\``);
    return [{ path, code: "INTERN_RECIPE_INVALID", message: `${what} needs ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`, target: "key" }];
  }
  return [{ path: [...path, present[1]!], code: "INTERN_RECIPE_INVALID", message: `${what} has both \`${present[0]}\` and \`${present[1]}\`; keep one`, target: "key" }];
}

/** Places where the recipe must say exactly one thing: a Hub id, a local path, or a stage's output. */
export const exactlyOneSource: Rule = (r) => {
  const out: Problem[] = [];
  out.push(...exactlyOne(r.base_model as Record<string, unknown>, ["id", "path", "stage"], ["base_model"], "base_model"));
  if (r.base_model.id === undefined && r.base_model.revision !== undefined) {
    out.push({ path: ["base_model", "revision"], code: "INTERN_RECIPE_INVALID", message: `base_model.revision applies to Hub models only, not to a local \`${r.base_model.stage !== undefined ? "stage" : "path"}\``, target: "key" });
  }
  const stage = r.base_model.stage;
  if (stage !== undefined) {
    const own = r.stages?.find((s) => s.name === stage);
    if (!own) {
      out.push({ path: ["base_model", "stage"], code: "INTERN_UNKNOWN_NEED", message: `base_model.stage names \`${stage}\`, which is not one of the recipe's stages`, hint: r.stages?.length ? `stages: ${r.stages.map((s) => s.name).join(", ")}` : "add a stage under `stages:` that writes the model to $INTERN_STAGE_DIR/model" });
    } else if ((own.needs ?? []).some((n) => ["prepare", "train", "evaluate", "decide", "baseline"].includes(n))) {
      out.push({ path: ["base_model", "stage"], code: "INTERN_CYCLE", message: `stage ${stage} makes the base model, so it cannot need ${(own.needs ?? []).join(", ")}` });
    }
  }
  r.data?.datasets?.forEach((d, i) => {
    out.push(...exactlyOne(d as Record<string, unknown>, ["id", "path"], ["data", "datasets", i], `data.datasets[${i}]`));
  });
  const bench = r.benchmark;
  if (bench.data !== undefined) out.push(...exactlyOne(bench.data as Record<string, unknown>, ["dataset", "path"], ["benchmark", "data"], "benchmark.data"));
  if (bench.harness === "builtin" && bench.data?.path === undefined) {
    out.push({
      path: ["benchmark", "harness"],
      code: "INTERN_RECIPE_INVALID",
      message: "the builtin harness evaluates a local file: set benchmark.data.path",
      hint: "a JSONL file with `question`, `choices` and `answer` per line",
    });
  }
  if (bench.harness !== "builtin" && r.base_model.path !== undefined && /[,=]/.test(r.base_model.path)) {
    out.push({
      path: ["base_model", "path"],
      code: "INTERN_RECIPE_INVALID",
      message: `base_model.path contains \`,\` or \`=\`, which ${bench.harness}'s key=value model arguments would read as more keys`,
      hint: "rename the folder",
    });
  }
  if (bench.harness === "lighteval" && bench.task === undefined) {
    out.push({ path: ["benchmark"], code: "INTERN_RECIPE_INVALID", message: "benchmark.task is required with harness `lighteval`", hint: "a lighteval task spec, such as `lighteval|gpqa:diamond|0`", target: "key" });
  }
  if (bench.harness === "lm-eval" && bench.task === undefined && bench.data?.path === undefined) {
    out.push({
      path: ["benchmark"],
      code: "INTERN_RECIPE_INVALID",
      message: "harness `lm-eval` needs benchmark.task (a task lm-eval knows) or benchmark.data.path (a local file intern writes a task for)",
      hint: "for example `task: gpqa_diamond_zeroshot`",
      target: "key",
    });
  }
  return out;
};
