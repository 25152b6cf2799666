import { describe, expect, it } from "vitest";
import { CONTROL_PLANE_SECONDS, estimateStage } from "../../src/plan/estimate.js";
import { compileText, fixture, recipeYaml } from "../helpers/recipe.js";

const compiled = (text: string) => {
  const { graph, validated } = compileText(text);
  return { recipe: validated.recipe, stage: (id: string) => graph.stages.find((s) => s.id === id)! };
};

describe("estimateStage", () => {
  it("bounds a job by its GPUs times its time limit", () => {
    const { recipe, stage } = compiled(recipeYaml({ compute: { gpus: 4, accelerate: "multi-gpu" }, budget: { gpu_hours: 100 }, training: { time_limit: "90m" } }));
    expect(estimateStage(stage("train"), recipe)).toEqual({ gpuHours: 6, wallSeconds: 5400, llmTokens: 0, llmUsd: 0 });
    // Evaluation uses one GPU for the benchmark's time limit (30m).
    expect(estimateStage(stage("baseline"), recipe)).toEqual({ gpuHours: 0.5, wallSeconds: 1800, llmTokens: 0, llmUsd: 0 });
  });

  it("counts no GPU-hours for a CPU job, but its wall time", () => {
    const { recipe, stage } = compiled(recipeYaml());
    expect(estimateStage(stage("train"), recipe)).toEqual({ gpuHours: 0, wallSeconds: 3600, llmTokens: 0, llmUsd: 0 });
  });

  it("bounds an agentic stage by steps x (prompt + completion) tokens at the model's price", () => {
    const text = recipeYaml({ data: undefined, budget: { llm: { tokens: 10_000_000 } }, agent: { model: "mistral-small-latest", max_steps: 10, max_prompt_tokens: 8000, max_tokens: 2000, timeout: "60s" } });
    const { recipe, stage } = compiled(text);
    const e = estimateStage(stage("research"), recipe);
    expect(e.llmTokens).toBe(10 * (8000 + 2000));
    // mistral-small-latest: $0.1 in, $0.3 out per million tokens.
    expect(e.llmUsd).toBeCloseTo((80_000 * 0.1 + 20_000 * 0.3) / 1e6, 12);
    expect(e.wallSeconds).toBe(10 * 60);
    expect(e.gpuHours).toBe(0);
  });

  it("uses the recipe's own prices over the table, and none for an unknown model", () => {
    const priced = compiled(recipeYaml({ data: undefined, budget: { llm: { tokens: 10_000_000 } }, agent: { model: "my-model", max_steps: 1, max_prompt_tokens: 1_000_000, max_tokens: 1_000_000, pricing: { input_usd_per_mtok: 1, output_usd_per_mtok: 3 } } }));
    expect(estimateStage(priced.stage("research"), priced.recipe).llmUsd).toBeCloseTo(4, 12);
    const unknown = compiled(recipeYaml({ data: undefined, budget: { llm: { tokens: 10_000_000 } }, agent: { model: "my-model" } }));
    expect(estimateStage(unknown.stage("research"), unknown.recipe)).toMatchObject({ llmTokens: 30 * (16384 + 4096), llmUsd: 0 });
  });

  it("gives control-plane steps a fixed allowance", () => {
    const { recipe, stage } = compiled(fixture("recipes/open-data.yaml"));
    expect(estimateStage(stage("prepare.p1"), recipe)).toEqual({ gpuHours: 0, wallSeconds: CONTROL_PLANE_SECONDS.prepare, llmTokens: 0, llmUsd: 0 });
    expect(estimateStage(stage("report"), recipe).wallSeconds).toBe(30);
  });

  it("counts a recipe's own control-plane command at its own time limit", () => {
    const { recipe, stage } = compiled(recipeYaml({ stages: [{ name: "fetch", run: "true", placement: "control-plane", time_limit: "25m" }] }));
    expect(estimateStage(stage("fetch"), recipe).wallSeconds).toBe(1500);
  });
});
