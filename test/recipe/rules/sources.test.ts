import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const CODE = "INTERN_SOURCE_FORBIDDEN";

describe("source policy rule", () => {
  it("refuses a base model the deny list matches", () => {
    const text = recipeYaml({ sources: { models: { deny: ["Qwen/**"] } } });
    const d = find(diagnosticsOf(text), CODE, "base model Qwen/Qwen3-0.6B is forbidden by sources.models: denied by `Qwen/**`");
    expect(d.hint).toBe("change the base model or sources.models");
    expect(d.location).toMatchObject({ line: lineOf(text, "id: Qwen/Qwen3-0.6B"), col: 7 });
  });

  it("refuses a base model no allow pattern matches", () => {
    const text = recipeYaml({ sources: { models: { allow: ["meta-llama/*", "mistralai/*"] } } });
    find(diagnosticsOf(text), CODE, "base model Qwen/Qwen3-0.6B is forbidden by sources.models: not matched by any allow pattern (meta-llama/*, mistralai/*)");
  });

  it("refuses every base model with an empty allow list", () => {
    find(diagnosticsOf(recipeYaml({ sources: { models: { allow: [] } } })), CODE, /forbidden by sources\.models: the allow list is empty$/);
  });

  it("lets deny win over allow, case-insensitively", () => {
    const text = recipeYaml({ sources: { models: { allow: ["qwen/**"], deny: ["QWEN/qwen3-*"] } } });
    find(diagnosticsOf(text), CODE, /denied by `QWEN\/qwen3-\*`$/);
  });

  it("accepts a local base model whatever sources.models says", () => {
    expect(() => compileText(recipeYaml({ base_model: { id: undefined, path: "models/tiny" }, sources: { models: { allow: [] } } }))).not.toThrow();
  });

  it("refuses a pinned dataset the policy forbids", () => {
    const text = recipeYaml({ sources: { datasets: { deny: ["open-r1/*"] } } });
    const d = find(diagnosticsOf(text), CODE, "dataset open-r1/OpenThoughts-114k-math is forbidden by sources.datasets: denied by `open-r1/*`");
    expect(d.location?.line).toBe(lineOf(text, "id: open-r1/OpenThoughts-114k-math"));
  });

  it("never trains on the benchmark's own dataset", () => {
    const text = recipeYaml({ benchmark: { data: { dataset: "Idavidrein/GPQA" } }, data: { datasets: [{ id: "idavidrein/gpqa", license: "mit" }] } });
    const d = find(diagnosticsOf(text), CODE, "dataset idavidrein/gpqa is refused: it is the benchmark's own dataset, never used for training");
    expect(d.location?.line).toBe(lineOf(text, "id: idavidrein/gpqa"));
  });

  it("refuses a license outside sources.licenses", () => {
    const text = recipeYaml({ sources: { licenses: ["mit"] } });
    const d = find(diagnosticsOf(text), CODE, "license apache-2.0 is not in sources.licenses (mit)");
    expect(d.location).toMatchObject({ line: lineOf(text, "license: apache-2.0"), col: 16 });
  });

  it("checks licenses against the default list", () => {
    find(diagnosticsOf(recipeYaml({ data: { datasets: [{ id: "a/b", license: "cc-by-nc-4.0" }] } })), CODE, /^license cc-by-nc-4\.0 is not in sources\.licenses \(apache-2\.0, mit, /);
  });

  it("needs somewhere to look when the agent must find datasets", () => {
    const text = recipeYaml({ data: undefined, budget: { llm: { tokens: 100000 } }, sources: { datasets: { allow: [] } } });
    const d = find(diagnosticsOf(text), CODE, "the agent must find datasets (none are pinned) but sources.datasets.allow is empty");
    expect(d.location?.line).toBe(lineOf(text, "allow: []"));
  });
});
