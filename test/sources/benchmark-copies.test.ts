import { describe, expect, it } from "vitest";
import { benchmarkCopies } from "../../src/recipe/benchmark-copies.js";
import { checkDataset, createSourcePolicy } from "../../src/sources/index.js";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../helpers/recipe.js";

const ok = { licenses: ["cc-by-4.0"], gated: false as const };

/** The policy of an open-data recipe whose benchmark is a local file, with `benchmark` changes. */
function localBenchmarkPolicy(benchmark: Record<string, unknown>, hasToken = true) {
  const text = recipeYaml({
    benchmark: { data: { path: "bench.jsonl" }, ...benchmark },
    sources: { datasets: { allow: ["**"], deny: [] }, allow_gated: true, licenses: ["cc-by-4.0"] },
    data: undefined,
    budget: { llm: { tokens: 100000 } },
  });
  return createSourcePolicy(compileText(text).validated.recipe, { hasToken });
}

describe("the benchmark's Hub identity is denied alongside a local file", () => {
  it("also_known_as ids and globs are refused whatever sources.datasets allows, gated or not", () => {
    const p = localBenchmarkPolicy({ name: "my-science-exam", also_known_as: ["examcorp/science-exam", "*/science-exam-*"] });
    expect(checkDataset(p, { id: "examcorp/science-exam", ...ok, gated: "manual" })).toEqual({
      ok: false,
      reason: "benchmark.also_known_as names it (`examcorp/science-exam`): it holds the benchmark, never used for training",
    });
    expect(checkDataset(p, { id: "mirror/Science-Exam-v2", ...ok }).ok).toBe(false);
    expect(checkDataset(p, { id: "openscience/science-qa", ...ok })).toEqual({ ok: true });
  });

  it("a well-known benchmark denies its Hub home and copies by name, even when the recipe reads a local file", () => {
    const p = localBenchmarkPolicy({ name: "gpqa-diamond" });
    expect(checkDataset(p, { id: "Idavidrein/gpqa", ...ok, gated: "manual" })).toEqual({ ok: false, reason: "it looks like a copy of GPQA, the benchmark (`Idavidrein/gpqa`), never used for training" });
    expect(checkDataset(p, { id: "someone/GPQA-train-copy", ...ok }).ok).toBe(false);
    // The owner is not the name: an owner that happens to contain the word is not refused for it.
    expect(checkDataset(p, { id: "gpqa-fans/physics-notes", ...ok })).toEqual({ ok: true });
  });

  it("the harness task names the benchmark too", () => {
    expect(benchmarkCopies({ name: "exam", task: "mmlu_pro" }).map((c) => c.pattern)).toContain("cais/mmlu");
    expect(benchmarkCopies({ name: "creature-colours" })).toEqual([]);
  });

  it("validate refuses a pinned dataset that is a copy of the benchmark, at its id", () => {
    const text = recipeYaml({
      benchmark: { name: "gpqa-diamond", data: { path: "bench.jsonl" }, also_known_as: ["examcorp/gpqa-mirror"] },
      data: { datasets: [{ id: "examcorp/gpqa-mirror", revision: "main", split: "train", format: "prompt-completion", columns: { prompt: "q", completion: "a" } }] },
    });
    const d = find(diagnosticsOf(text), "INTERN_SOURCE_FORBIDDEN", "dataset examcorp/gpqa-mirror is refused: benchmark.also_known_as names it (`examcorp/gpqa-mirror`): it holds the benchmark, never used for training");
    expect(d.location?.line).toBe(lineOf(text, "id: examcorp/gpqa-mirror"));
  });
});
