import type { Problem, Rule } from "./problem.js";

function exactlyOne(obj: Record<string, unknown> | undefined, keys: [string, string], path: (string | number)[], what: string): Problem[] {
  if (obj === undefined) return [];
  const present = keys.filter((k) => obj[k] !== undefined);
  if (present.length === 1) return [];
  if (present.length === 0) {
    return [{ path, code: "INTERN_RECIPE_INVALID", message: `${what} needs \`${keys[0]}\` or \`${keys[1]}\``, target: "key" }];
  }
  return [{ path: [...path, keys[1]], code: "INTERN_RECIPE_INVALID", message: `${what} has both \`${keys[0]}\` and \`${keys[1]}\`; keep one`, target: "key" }];
}

/** Places where the recipe must say one of two things: a Hub id or a local path. */
export const exactlyOneSource: Rule = (r) => {
  const out: Problem[] = [];
  out.push(...exactlyOne(r.base_model as Record<string, unknown>, ["id", "path"], ["base_model"], "base_model"));
  if (r.base_model.path !== undefined && r.base_model.revision !== undefined) {
    out.push({ path: ["base_model", "revision"], code: "INTERN_RECIPE_INVALID", message: "base_model.revision applies to Hub models only, not to a local `path`", target: "key" });
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
  if (bench.harness !== "builtin" && bench.task === undefined) {
    out.push({ path: ["benchmark"], code: "INTERN_RECIPE_INVALID", message: `benchmark.task is required with harness \`${bench.harness}\``, target: "key" });
  }
  return out;
};
