import { describe, expect, it } from "vitest";
import { makePlan } from "../../src/plan/make-plan.js";
import type { BudgetLine } from "../../src/plan/types.js";
import { compileText, fixture, recipeYaml } from "../helpers/recipe.js";

const planOf = (text: string, cache?: Parameters<typeof makePlan>[2]) => {
  const { graph, validated } = compileText(text);
  return makePlan(graph, validated.recipe, cache);
};
const line = (lines: BudgetLine[], resource: BudgetLine["resource"]) => lines.find((b) => b.resource === resource)!;

// open-data.yaml: 1 GPU, training 2h, evaluation 30m, three passes, default agent (30 steps of 16,384 + 4,096 tokens, 120s each).
const AGENT_TOKENS = 30 * (16384 + 4096);

describe("makePlan budget", () => {
  const plan = planOf(fixture("recipes/open-data.yaml"));

  it("plans every stage to run when nothing is cached", () => {
    expect(plan.stages.every((s) => s.action === "run" && s.reason === "no earlier run has this key")).toBe(true);
  });

  it("sums GPU-hours of the stages that always run and of every pass", () => {
    // Always: baseline 0.5 + train.p1 2 + evaluate.p1 0.5; each further pass: 2.5.
    expect(line(plan.budget, "gpu_hours")).toEqual({ resource: "gpu_hours", limit: 40, required: 3, all: 8 });
  });

  it("sums LLM tokens of agentic stages: research, discover and decide.p1 always; decide.p2 if decided", () => {
    expect(line(plan.budget, "llm_tokens")).toEqual({ resource: "llm_tokens", limit: 5_000_000, required: 3 * AGENT_TOKENS, all: 4 * AGENT_TOKENS });
    const usd = line(plan.budget, "llm_usd");
    expect(usd.limit).toBeNull();
    // mistral-large-latest: $2 in, $6 out per million tokens.
    expect(usd.all).toBeCloseTo(4 * (30 * 16384 * 2 + 30 * 4096 * 6) / 1e6, 9);
  });

  it("takes the longest path for wall-clock time, not the sum", () => {
    // research 1h, discover 1h, prepare 10m, train 2h, evaluate 30m, decide 1h, report 30s; baseline runs beside them.
    expect(line(plan.budget, "wall_clock").required).toBe(3600 + 3600 + 600 + 7200 + 1800 + 3600 + 30);
    expect(line(plan.budget, "wall_clock").all).toBe(3600 * 2 + 3 * (600 + 7200 + 1800) + 2 * 3600 + 30);
  });

  it("is within budget with no notes", () => {
    expect(plan.overBudget).toEqual([]);
    expect(plan.notes).toEqual([]);
  });
});

describe("makePlan limits", () => {
  it("is over budget when the stages that always run cross a limit", () => {
    const plan = planOf(recipeYaml({ compute: { gpus: 1 }, budget: { gpu_hours: 1 } }));
    expect(plan.overBudget).toEqual(["gpu_hours: the stages that always run may take 2 GPU-hours, over the budget of 1 GPU-hours"]);
  });

  it("is over budget on wall-clock time (prepare 10m, train 1h, evaluate 30m, report 30s)", () => {
    const plan = planOf(recipeYaml({ budget: { wall_clock: "1h" }, training: { time_limit: "1h" } }));
    expect(plan.overBudget).toEqual(["wall_clock: the stages that always run may take 1h40m, over the budget of 1h"]);
  });

  it("only notes that not every pass fits when the first pass does", () => {
    const plan = planOf(fixture("recipes/open-data.yaml").replace("gpu_hours: 40", "gpu_hours: 5"));
    expect(plan.overBudget).toEqual([]);
    expect(plan.notes).toEqual([
      "gpu_hours: all 3 passes may take 8 GPU-hours, over the budget of 5 GPU-hours; at worst 1 of 3 passes fit, and the run stops when the budget runs out",
    ]);
  });

  it("counts how many passes fit at worst", () => {
    const plan = planOf(fixture("recipes/open-data.yaml").replace("gpu_hours: 40", "gpu_hours: 5.5"));
    expect(plan.notes[0]).toMatch(/at worst 2 of 3 passes fit/);
  });

  it("checks an LLM limit in tokens and in dollars", () => {
    const text = fixture("recipes/open-data.yaml").replace("tokens: 5000000", `tokens: ${2 * AGENT_TOKENS}\n    usd: 1`);
    const plan = planOf(text);
    expect(plan.overBudget).toEqual([
      "llm_tokens: the stages that always run may take 1,843,200 tokens, over the budget of 1,228,800 tokens",
      "llm_usd: the stages that always run may take $5.16, over the budget of $1.00",
    ]);
  });

  it("ignores resources with no limit", () => {
    const plan = planOf(recipeYaml({ compute: { gpus: 8, accelerate: "multi-gpu" }, budget: { gpu_hours: undefined, wall_clock: "48h" } }));
    expect(line(plan.budget, "gpu_hours")).toMatchObject({ limit: null, required: 8 + 0.5 + 0.5 });
    expect(plan.overBudget).toEqual([]);
  });

  it("counts nothing for cached stages and says which run they come from", () => {
    const { graph, validated } = compileText(recipeYaml({ compute: { gpus: 1 }, budget: { gpu_hours: 1 } }));
    const train = graph.stages.find((s) => s.id === "train")!.key;
    const plan = makePlan(graph, validated.recipe, { lookup: (key) => (key === train ? { runId: "run-7" } : null) });
    expect(plan.stages.find((s) => s.stage.id === "train")).toMatchObject({ action: "cached", reason: "cached: same inputs as run run-7" });
    expect(line(plan.budget, "gpu_hours").required).toBe(1);
    expect(plan.overBudget).toEqual([]);
  });
});
