import { describe, expect, it } from "vitest";
import { MAX_DEPTH } from "../../../src/recipe/rules/structure.js";
import { diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

describe("what no field can carry to a job", () => {
  it("refuses hyperparameters nested deeper than the job's YAML reader goes, at the level that crosses it", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = { k: deep };
    const text = recipeYaml({ training: { hyperparameters: { model_init_kwargs: deep } } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", `nested more than ${MAX_DEPTH} levels deep; the job's YAML reader would fail on it`);
    expect(d.path).toMatch(/^training\.hyperparameters\.model_init_kwargs(\.k)+$/);
    expect(d.path!.split(".").length).toBe(MAX_DEPTH + 1);
  });

  it("refuses a NUL byte in a free-text field, located, instead of failing at render", () => {
    const text = recipeYaml({ goal: "raise the score\u0000 quietly" });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "a NUL byte cannot reach a job (no shell word, YAML file or command line holds one)");
    expect(d.location?.line).toBe(lineOf(text, "goal:"));
  });

  it("finds a NUL byte or too deep a value that only one matrix trial brings, though the trials share the rest of the recipe", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = { k: deep };
    const text = recipeYaml({ matrix: { goal: ["fine", "fine too", "not\u0000fine"], "training.hyperparameters.model_init_kwargs": [{ a: 1 }, deep] } });
    const diagnostics = diagnosticsOf(text);
    expect(find(diagnostics, "INTERN_RECIPE_INVALID", "in matrix trial 5 (goal=not\u0000fine model_init_kwargs={\"a\":1}): a NUL byte cannot reach a job (no shell word, YAML file or command line holds one)").location?.line).toBe(lineOf(text, "goal:", 2));
    expect(diagnostics.some((d) => d.message.startsWith("in matrix trial 2 (") && d.message.endsWith(`nested more than ${MAX_DEPTH} levels deep; the job's YAML reader would fail on it`))).toBe(true);
  });
});
