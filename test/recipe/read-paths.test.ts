import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ruleContext } from "../../src/project/load.js";
import { withValue } from "../../src/recipe/matrix.js";
import { schemaProblems } from "../../src/recipe/check-schema.js";
import { parseRecipe } from "../../src/recipe/parse.js";
import { readPaths } from "../../src/recipe/read-paths.js";
import type { Problem } from "../../src/recipe/rules/problem.js";
import { RULES } from "../../src/recipe/rules/index.js";
import type { RecipeInput } from "../../src/recipe/types.js";
import { rulesOfTrials } from "../../src/recipe/validate.js";
import { ROOT } from "../helpers/recipe.js";

const path = (p: string) => p.split(".");

describe("readPaths", () => {
  const value = { a: { b: { c: 1 }, list: [{ x: 1 }, { x: 2 }] }, d: "s", e: null as unknown };

  it("sees a read at, under or on the way to a path, and nothing else", () => {
    const r = readPaths(value);
    const v = r.value as typeof value;
    expect(v.a.b.c).toBe(1);
    expect(r.touches(path("a.b.c"))).toBe(true);
    expect(r.touches(path("a.b"))).toBe(true);
    expect(r.touches(path("a"))).toBe(true);
    // Getting `a` and `a.b` on the way to `a.b.c` reads nothing else of them.
    expect(r.touches(path("a.list.0.x"))).toBe(false);
    expect(r.touches(path("a.b.z"))).toBe(false);
    expect(r.touches(path("d"))).toBe(false);
  });

  it("counts a listing of an object on the way, and `in`", () => {
    const r = readPaths(value);
    const v = r.value as typeof value;
    expect(Object.keys(v.a)).toEqual(["b", "list"]);
    expect(r.touches(path("a.new"))).toBe(true);
    expect(r.touches(path("a.b.c"))).toBe(true);
    expect(r.touches(path("d"))).toBe(false);
    const s = readPaths(value);
    expect("d" in (s.value as object)).toBe(true);
    expect(s.touches(path("d"))).toBe(true);
    expect(s.touches(path("a"))).toBe(false);
  });

  it("counts a read that found no object where a trial would make one", () => {
    const r = readPaths(value);
    const v = r.value as Record<string, Record<string, unknown> | undefined | null>;
    expect(v.missing?.deep).toBeUndefined();
    expect(v.e).toBeNull();
    expect(r.touches(path("missing.deep"))).toBe(true);
    expect(r.touches(path("e.x"))).toBe(true);
    expect(r.touches(path("a.b.c"))).toBe(false);
  });

  it("records what list methods, spreading and JSON read", () => {
    const r = readPaths(value);
    const v = r.value as typeof value;
    expect(v.a.list.map((i) => i.x)).toEqual([1, 2]);
    expect(r.touches(path("a.list.1.x"))).toBe(true);
    expect(r.touches(path("a.b.c"))).toBe(false);
    const s = readPaths(value);
    expect(JSON.stringify(s.value)).toBe(JSON.stringify(value));
    for (const p of ["a.b.c", "a.list.0.x", "d", "a.b.new"]) expect(s.touches(path(p)), p).toBe(true);
    const t = readPaths(value);
    expect({ ...(t.value as typeof value).a.b }).toEqual({ c: 1 });
    expect(t.touches(path("a.b.c"))).toBe(true);
  });

  it("hands out the same proxy for the same object, and frozen members as they are", () => {
    const frozen = { inner: Object.freeze({ k: Object.freeze({ z: 1 }) }) };
    const r = readPaths(frozen);
    const v = r.value as typeof frozen;
    expect(v.inner).toBe(v.inner);
    // A frozen member cannot be proxied: whatever lies under it counts as read.
    expect(v.inner.k).toBe(frozen.inner.k);
    expect(r.touches(path("inner.k.z"))).toBe(true);
  });
});

/** `path|message` of each problem: what validate compares a trial's problems with the recipe's by. */
const problemKeys = (problems: Problem[]) => new Set(problems.map((p) => `${p.path.join(".")}|${p.message}`));

/** Matrix axes and values that break rules of every kind, and some that do not. */
const AXES: Record<string, unknown[]> = {
  "compute.gpus": [0, 3, 16],
  "compute.nodes": [2],
  "compute.backend": ["slurm", "kubernetes"],
  "compute.accelerate": ["fsdp", "cpu"],
  "compute.environment.requirements": [["torch==2.0.0"]],
  "training.method": ["dpo", "grpo", "kto"],
  "training.hyperparameters.learning_rate": [1e-3, -1],
  "training.hyperparameters.num_train_epochs": [0.5, 3],
  "training.hyperparameters.not_a_trl_key": [1],
  "training.peft": [{ method: "lora", r: 8 }, null],
  "data.seed": [1, 2],
  "data.datasets.0.license": ["proprietary"],
  "data.datasets.0.fraction": [2, 0.1],
  "data.datasets.0.id": ["other/data"],
  "data.datasets": [[]],
  "data.decontaminate": [false],
  "benchmark.harness": ["lm-eval", "builtin"],
  "benchmark.target": [2],
  "base_model.id": ["someone/model"],
  "budget.gpu_hours": [0.001, 1000],
  "budget.iterations": [3],
  "sources.licenses": [["mit"]],
  "sources.datasets": [["nobody/*"]],
  "stages.0.needs": [["train", "nothing"]],
};

describe("rulesOfTrials", () => {
  const dirs = [join(ROOT, "recipes"), join(ROOT, "test", "fixtures", "recipes")];
  const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".yaml") && !f.endsWith(".lock.yaml")).map((f) => join(d, f)));

  it("leaves out only rules that find nothing new in any trial", () => {
    let left = 0;
    let checked = 0;
    let recipes = 0;
    for (const file of files) {
      const { data } = parseRecipe(file, readFileSync(file));
      // Rules read recipes the schema passed.
      if (schemaProblems(data).length > 0) continue;
      recipes++;
      const { matrix: _m, ...base } = data as RecipeInput;
      const baseProblems = new Map(RULES.map((rule) => [rule, problemKeys(rule(base as RecipeInput, ruleContext))]));
      for (const [axis, values] of Object.entries(AXES)) {
        const kept = new Set(rulesOfTrials(base as RecipeInput, { [axis]: values }, ruleContext));
        for (const value of values) {
          const trial = withValue(base as RecipeInput, axis, value);
          if ("error" in trial) continue;
          for (const rule of RULES) {
            if (kept.has(rule)) continue;
            left++;
            const known = baseProblems.get(rule)!;
            let problems: Problem[];
            try {
              problems = rule(trial, ruleContext);
            } catch (error) {
              throw new Error(`${rule.name} was left out for ${axis} = ${JSON.stringify(value)} in ${file}, but throws on the trial: ${String(error)}`);
            }
            for (const key of problemKeys(problems)) expect(known.has(key), `${rule.name}, left out for ${axis} = ${JSON.stringify(value)} in ${file}, finds ${key}`).toBe(true);
            checked++;
          }
        }
      }
    }
    // The check ran on many trials, and the rules were left out often enough to matter.
    expect(recipes).toBeGreaterThan(10);
    expect(checked).toBe(left);
    expect(left).toBeGreaterThan(1000);
  });

  it("keeps a rule that the matrix path breaks", () => {
    const file = join(ROOT, "test", "fixtures", "recipes", "minimal.yaml");
    const { data } = parseRecipe(file, readFileSync(file));
    const kept = (axis: string) => rulesOfTrials(data as RecipeInput, { [axis]: [1] }, ruleContext).map((r) => r.name);
    expect(kept("compute.gpus")).toContain("computeRule");
    expect(kept("training.hyperparameters.learning_rate")).toContain("trainingRule");
    expect(kept("budget.gpu_hours")).toContain("budgetRule");
    // Every rule reads the recipe somewhere: the structure rule reads it all.
    for (const axis of Object.keys(AXES)) expect(kept(axis)).toContain("structureRule");
    expect(kept("data.seed")).not.toContain("computeRule");
  });
});
