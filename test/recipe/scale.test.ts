import { describe, expect, it } from "vitest";
import { MAX_STAGES, stageBound } from "../../src/recipe/scale.js";
import type { RecipeInput } from "../../src/recipe/types.js";
import { compileText, diagnosticsOf, fixture, lineOf, only, recipeYaml } from "../helpers/recipe.js";

const axis = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("the stage limit", () => {
  it("is 100,000 stages", () => {
    expect(MAX_STAGES).toBe(100_000);
  });

  it("refuses a legal 99,856-trial matrix at the matrix key, before making any trial", () => {
    const text = recipeYaml({ matrix: { "training.hyperparameters.seed": axis(316), "data.seed": axis(316) } });
    const started = performance.now();
    const d = only(diagnosticsOf(text), "INTERN_TOO_MANY_STAGES");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(d.message).toBe("matrix makes 99,856 trials of up to 4 stages each: 399,424 stages, over the limit of 100,000");
    expect(d.hint).toMatch(/^a recipe may compile to at most 100,000 stages; sweep fewer values/);
    expect(d.location).toMatchObject({ file: "recipe.yaml", line: lineOf(text, "matrix:"), col: 1 });
  });

  it("refuses a sweep of millions of trials as fast", () => {
    const text = recipeYaml({ matrix: { "training.hyperparameters.seed": axis(10_000), "data.seed": axis(10_000), "training.hyperparameters.learning_rate": [1e-5, 2e-5] } });
    const started = performance.now();
    const d = only(diagnosticsOf(text), "INTERN_TOO_MANY_STAGES");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(d.message).toBe("matrix makes 200,000,000 trials of up to 4 stages each: 800,000,000 stages, over the limit of 100,000");
  });

  it("accepts a sweep at the limit: 25,000 trials of 4 stages", () => {
    const { graph } = compileText(recipeYaml({ matrix: { "training.hyperparameters.seed": axis(125), "data.seed": axis(200) } }));
    // Per trial: train and evaluate; per data seed: prepare; baseline and report shared.
    expect(graph.stages).toHaveLength(2 * 25_000 + 200 + 2);
  }, 60_000);

  it("counts own stages once per pass, and refuses at the stages key without a matrix", () => {
    const stages = Array.from({ length: 2100 }, (_, i) => ({ name: `s${i}`, run: "x", needs: ["train"] }));
    const text = recipeYaml({ budget: { iterations: 50, llm: { tokens: 1_000_000 } }, stages });
    const d = only(diagnosticsOf(text), "INTERN_TOO_MANY_STAGES");
    expect(d.message).toBe("the recipe makes up to 105,151 stages (2,100 own stages in each of 50 passes, and the built-in ones), over the limit of 100,000");
    expect(d.hint).toMatch(/fewer passes \(budget\.iterations\)/);
    expect(d.location?.line).toBe(lineOf(text, "stages:"));
  });
});

describe("stageBound", () => {
  const base = (changes: Record<string, unknown> = {}) => ({ ...(JSON.parse(JSON.stringify(compileText(fixture("recipes/minimal.yaml")).validated.input)) as RecipeInput), ...changes }) as RecipeInput;

  it("is exact for a pinned one-pass recipe: baseline, prepare, train, evaluate", () => {
    expect(stageBound(base())).toEqual({ trials: 1, perTrial: 4, own: 0, passes: 1, total: 4 });
  });

  it("takes the most passes and own stages any trial may have from the axes that set them", () => {
    const b = stageBound(base({ matrix: { "budget.iterations": [1, 3], stages: [[], [{ name: "a", run: "x" }, { name: "b", run: "x" }]] } }));
    // research? no (datasets pinned); baseline 1; prepare once 1; train, evaluate 2 x 3; decide 2; own 2 x 3.
    expect(b).toEqual({ trials: 4, perTrial: 1 + 1 + 6 + 2 + 6, own: 2, passes: 3, total: 64 });
  });

  it("counts research, discover and prepare per pass when an axis may leave the data open", () => {
    const b = stageBound(base({ matrix: { data: [{ seed: 1 }] } }));
    expect(b.perTrial).toBe(1 + 2 + 1 + 2);
  });

  it("does not grow for axes that set something inside a list (a fraction, a need)", () => {
    expect(stageBound(base({ matrix: { "data.datasets.0.fraction": [0.5, 1] } })).perTrial).toBe(4);
  });

  it("is at least what the compiler makes", () => {
    const text = recipeYaml({ data: undefined, budget: { iterations: 3, llm: { tokens: 1_000_000 } }, sources: { synthetic: { allow: true } }, stages: [{ name: "a", run: "x", needs: ["train"] }, { name: "b", run: "x" }] });
    const { graph, validated } = compileText(text);
    // The report is the one stage outside every trial.
    expect(graph.stages.length - 1).toBeLessThanOrEqual(stageBound(validated.input).total);
  });
});
