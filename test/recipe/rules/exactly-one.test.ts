import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const CODE = "INTERN_RECIPE_INVALID";

describe("exactly one of id and path", () => {
  it("needs base_model.id or base_model.path", () => {
    const text = recipeYaml({ base_model: { id: undefined, trust_remote_code: false } });
    const d = find(diagnosticsOf(text), CODE, "base_model needs `id`, `path` or `stage`");
    expect(d.location).toMatchObject({ line: lineOf(text, "base_model:"), col: 1 });
  });

  it("refuses both base_model.id and base_model.path, at the path", () => {
    const text = recipeYaml({ base_model: { path: "models/tiny" } });
    const d = find(diagnosticsOf(text), CODE, "base_model has both `id` and `path`; keep one");
    expect(d.location).toMatchObject({ line: lineOf(text, "path: models/tiny"), col: 3 });
  });

  it("refuses a revision on a local base model", () => {
    const text = recipeYaml({ base_model: { id: undefined, path: "models/tiny", revision: "v1" } });
    const d = find(diagnosticsOf(text), CODE, "base_model.revision applies to Hub models only, not to a local `path`");
    expect(d.location?.line).toBe(lineOf(text, "revision: v1"));
  });

  it("needs an id or a path for each pinned dataset, pointing at the entry", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b" }, { license: "mit" }] } });
    const d = find(diagnosticsOf(text), CODE, "data.datasets[1] needs `id` or `path`");
    expect(d.location?.line).toBe(lineOf(text, "license: mit"));
  });

  it("refuses a dataset with both an id and a path", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b", path: "data/train.jsonl" }] } });
    const d = find(diagnosticsOf(text), CODE, "data.datasets[0] has both `id` and `path`; keep one");
    expect(d.location?.line).toBe(lineOf(text, "path: data/train.jsonl"));
  });

  it("needs benchmark.data.dataset or benchmark.data.path when benchmark.data is set", () => {
    const text = recipeYaml({ benchmark: { data: { split: "test" } } });
    const d = find(diagnosticsOf(text), CODE, "benchmark.data needs `dataset` or `path`");
    expect(d.location?.line).toBe(lineOf(text, "data:"));
  });

  it("refuses both benchmark.data.dataset and benchmark.data.path", () => {
    const text = recipeYaml({ benchmark: { data: { dataset: "Idavidrein/gpqa", path: "bench.jsonl" } } });
    const d = find(diagnosticsOf(text), CODE, "benchmark.data has both `dataset` and `path`; keep one");
    expect(d.location?.line).toBe(lineOf(text, "path: bench.jsonl"));
  });
});

describe("benchmark harness", () => {
  it("needs a local file for the builtin harness", () => {
    const text = recipeYaml({ benchmark: { harness: "builtin", task: undefined } });
    const d = find(diagnosticsOf(text), CODE, "the builtin harness evaluates a local file: set benchmark.data.path");
    expect(d.hint).toBe("a JSONL file with `question`, `choices` and `answer` per line");
    expect(d.location).toMatchObject({ line: lineOf(text, "harness: builtin"), col: 12 });
  });

  it("accepts the builtin harness with a local file and no task", () => {
    expect(() => compileText(recipeYaml({ benchmark: { harness: "builtin", task: undefined, data: { path: "bench.jsonl" } } }))).not.toThrow();
  });

  it("needs a task with harness lighteval", () => {
    const text = recipeYaml({ benchmark: { harness: "lighteval", task: undefined } });
    const d = find(diagnosticsOf(text), CODE, "benchmark.task is required with harness `lighteval`");
    expect(d.location).toMatchObject({ line: lineOf(text, "benchmark:"), col: 1 });
  });

  it("needs a task or a local file with harness lm-eval", () => {
    const text = recipeYaml({ benchmark: { harness: "lm-eval", task: undefined } });
    const d = find(diagnosticsOf(text), CODE, "harness `lm-eval` needs benchmark.task (a task lm-eval knows) or benchmark.data.path (a local file intern writes a task for)");
    expect(d.location).toMatchObject({ line: lineOf(text, "benchmark:"), col: 1 });
    expect(() => compileText(recipeYaml({ benchmark: { harness: "lm-eval", task: undefined, data: { path: "bench.jsonl" } } }))).not.toThrow();
  });
});

describe("a local base model evaluated by a harness", () => {
  it("may not carry `,` or `=` into the harness's model arguments", () => {
    const text = recipeYaml({ base_model: { id: undefined, revision: undefined, path: "models/tiny,trust_remote_code=True" } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "base_model.path contains `,` or `=`, which lm-eval's key=value model arguments would read as more keys");
    expect(d.location?.line).toBe(lineOf(text, "path: models/tiny,trust_remote_code=True"));
  });
});
