import { describe, expect, it } from "vitest";
import { matrixTrials, trialCount, trialLabel, withValue } from "../../src/recipe/matrix.js";
import type { RecipeInput } from "../../src/recipe/types.js";
import { compileText, diagnosticsOf, fixture, lineOf, only, recipeYaml } from "../helpers/recipe.js";

const TWO_DATASETS = { data: { datasets: [{ id: "a/one", fraction: 0.5 }, { id: "a/two", fraction: 0.5 }] } };

describe("matrixTrials", () => {
  it("is the cartesian product, first axis slowest", () => {
    const trials = matrixTrials({ a: [1, 2], b: ["x", "y", "z"] });
    expect(trials).toHaveLength(6);
    expect(trials.map((t) => t.values.map(([, v]) => v).join(""))).toEqual(["1x", "1y", "1z", "2x", "2y", "2z"]);
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("is one trial with no values without a matrix", () => {
    expect(matrixTrials(undefined)).toEqual([{ index: 0, values: [] }]);
    expect(trialCount(undefined)).toBe(1);
  });

  it("counts trials without making them", () => {
    expect(trialCount({ a: new Array(1000).fill(0), b: new Array(1000).fill(0) })).toBe(1_000_000);
  });

  it("labels a trial by the last segment of each path", () => {
    expect(trialLabel([["training.hyperparameters.learning_rate", 2e-5], ["data.seed", 1], ["training.peft", { r: 8 }]])).toBe('learning_rate=0.00002 seed=1 peft={"r":8}');
  });
});

describe("withValue", () => {
  const input = { name: "x", data: { datasets: [{ id: "a/b", fraction: 1 }] } } as unknown as RecipeInput;

  it("sets a value in a copy, leaving the input as it was", () => {
    const next = withValue(input, "data.datasets.0.fraction", 0.5) as RecipeInput;
    expect(next.data!.datasets![0]!.fraction).toBe(0.5);
    expect(input.data!.datasets![0]!.fraction).toBe(1);
  });

  it("creates missing mappings on the way", () => {
    const next = withValue(input, "training.hyperparameters.seed", 3) as RecipeInput;
    expect(next.training).toEqual({ hyperparameters: { seed: 3 } });
  });

  it("refuses an index past the end of a list", () => {
    expect(withValue(input, "data.datasets.1.fraction", 0.5)).toEqual({ error: "`data.datasets` has 1 entries, so index 1 does not exist" });
  });

  it("refuses a name where a list needs an index", () => {
    expect(withValue(input, "data.datasets.first.fraction", 0.5)).toEqual({ error: "`data.datasets` is a list; index it with a number" });
  });

  it("refuses a path through a value", () => {
    expect(withValue(input, "name.first", "y")).toEqual({ error: "`name` is a value, not a mapping or list" });
  });
});

describe("matrix validation", () => {
  it("makes one normalized recipe per trial", () => {
    const { validated } = compileText(fixture("recipes/matrix-lr.yaml"));
    expect(validated.trials.map((t) => t.label)).toEqual(["learning_rate=0.00001", "learning_rate=0.00002", "learning_rate=0.00005"]);
    expect(validated.trials.map((t) => t.recipe.training.hyperparameters.learning_rate)).toEqual([1e-5, 2e-5, 5e-5]);
    expect(validated.recipe.training.hyperparameters.learning_rate).toBeUndefined();
  });

  it("reports a path past the end of data.datasets at the matrix key", () => {
    const text = recipeYaml({ matrix: { "data.datasets.2.fraction": [0.5] } });
    const d = only(diagnosticsOf(text), "INTERN_MATRIX_INVALID");
    expect(d.message).toBe("matrix path `data.datasets.2.fraction`: `data.datasets` has 1 entries, so index 2 does not exist");
    expect(d.location).toMatchObject({ line: lineOf(text, "data.datasets.2.fraction:"), col: 3 });
  });

  it("reports a trial whose value breaks a rule at the matrix key, naming the trial", () => {
    const text = recipeYaml({ ...TWO_DATASETS, matrix: { "data.datasets.0.fraction": [0.5, 0.7] } });
    const d = only(diagnosticsOf(text), "INTERN_RECIPE_INVALID");
    expect(d.message).toBe("in matrix trial 2 (fraction=0.7): dataset fractions add up to 1.2, not 1");
    expect(d.location).toMatchObject({ line: lineOf(text, "data.datasets.0.fraction:"), col: 3 });
  });

  it("points at the axis that broke the rule, not at the first one", () => {
    const text = recipeYaml({ ...TWO_DATASETS, matrix: { "training.hyperparameters.seed": [1, 2], "data.datasets.0.fraction": [0.5, 0.7] } });
    // Trials 2 and 4 break it the same way: reported once.
    const d = only(diagnosticsOf(text), "INTERN_RECIPE_INVALID");
    expect(d.message).toBe("in matrix trial 2 (seed=1 fraction=0.7): dataset fractions add up to 1.2, not 1");
    expect(d.location?.line).toBe(lineOf(text, "data.datasets.0.fraction:"));
  });

  it("points at the axis whose value the schema refuses", () => {
    const text = recipeYaml({ matrix: { "training.hyperparameters.seed": [1, 2], "compute.gpus": [1, "two"] } });
    const d = diagnosticsOf(text)[0]!;
    expect(d.message).toBe('in matrix trial 2 (seed=1 gpus=two): compute.gpus must be integer, not "two"');
    expect(d.location?.line).toBe(lineOf(text, "compute.gpus:"));
  });

  it("points at the axis by the problem's path, not at an axis whose name its message contains", () => {
    // "benchmark.name must be string" contains `name`, the first axis; the problem is the second's.
    const text = recipeYaml({ matrix: { name: ["run-a", "run-b"], "benchmark.name": ["ok", 5] } });
    const d = diagnosticsOf(text)[0]!;
    expect(d.message).toBe("in matrix trial 2 (name=run-a name=5): benchmark.name must be string, not 5");
    expect(d.location?.line).toBe(lineOf(text, "benchmark.name:"));
  });

  it("reports a TRL key problem a trial brings in", () => {
    const text = recipeYaml({ matrix: { "training.hyperparameters.max_seq_length": [1024] } });
    const d = only(diagnosticsOf(text), "INTERN_TRL_UNKNOWN_KEY");
    expect(d.message).toBe("in matrix trial 1 (max_seq_length=1024): `max_seq_length` is not a key of TRL 1.13.0");
    expect(d.hint).toMatch(/^did you mean `max_length`\?/);
  });

  it("does not repeat a problem the recipe has without the matrix", () => {
    const text = recipeYaml({ compute: { gpus: 1, accelerate: "multi-gpu" }, matrix: { "data.seed": [1, 2] } });
    expect(diagnosticsOf(text).map((d) => d.message)).toEqual(["accelerate profile `multi-gpu` needs at least 2 GPUs, but compute.gpus is 1"]);
  });

  it("lists at most five trial problems", () => {
    const text = recipeYaml({ matrix: { "compute.gpus": [3, 5, 7, 9, 11, 13, 15], "compute.nodes": [2], "compute.backend": ["slurm"] } });
    const diagnostics = diagnosticsOf(text);
    expect(diagnostics).toHaveLength(5);
    expect(diagnostics[0]!.message).toBe("in matrix trial 1 (gpus=3 nodes=2 backend=slurm): compute.gpus (3) does not divide evenly across compute.nodes (2)");
  });

  it("refuses a matrix over the stage limit without making its trials", () => {
    const axis = Array.from({ length: 400 }, (_, i) => i);
    const text = recipeYaml({ matrix: { "data.seed": axis, "training.hyperparameters.seed": axis } });
    const started = performance.now();
    const d = only(diagnosticsOf(text), "INTERN_TOO_MANY_STAGES");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(d.message).toBe("matrix makes 160,000 trials of up to 4 stages each: 640,000 stages, over the limit of 100,000");
    expect(d.location?.line).toBe(lineOf(text, "matrix:"));
  });
});
