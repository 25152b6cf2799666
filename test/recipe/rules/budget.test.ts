import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml, warningsOf } from "../../helpers/recipe.js";

const CODE = "INTERN_BUDGET_INVALID";

describe("budget rule", () => {
  it("needs at least one limit", () => {
    const text = recipeYaml({ budget: { gpu_hours: undefined, wall_clock: undefined, iterations: 1 } });
    const d = find(diagnosticsOf(text), CODE, "budget sets no limit");
    expect(d.hint).toBe("set at least one of gpu_hours, wall_clock, llm.tokens, llm.usd");
    expect(d.location).toMatchObject({ line: lineOf(text, "budget:"), col: 1 });
  });

  it("refuses an llm block that sets no limit", () => {
    const text = recipeYaml({ budget: { llm: {} } });
    const d = find(diagnosticsOf(text), CODE, "budget.llm sets no limit");
    expect(d.location).toMatchObject({ line: lineOf(text, "llm:"), col: 3 });
  });

  it.each([
    ["budget.wall_clock", { budget: { wall_clock: "0h" } }, "wall_clock: 0h"],
    ["training.time_limit", { training: { time_limit: "0s" } }, "time_limit: 0s"],
    ["benchmark.time_limit", { benchmark: { time_limit: "0m" } }, "time_limit: 0m"],
    ["compute.time_limit", { compute: { time_limit: "00:00" } }, "time_limit: 00:00"],
    ["agent.timeout", { agent: { timeout: "0s" } }, "timeout: 0s"],
    ["stages[0].time_limit", { stages: [{ name: "export", run: "echo hi", needs: ["train"], time_limit: "0d" }] }, "time_limit: 0d"],
  ])("refuses a zero %s", (path, changes, line) => {
    const text = recipeYaml(changes);
    const d = find(diagnosticsOf(text), CODE, `${path} is zero`);
    expect(d.hint).toBe("a limit of zero allows nothing; raise it or remove it");
    expect(d.location?.line).toBe(lineOf(text, line));
  });

  it("refuses a training time limit longer than the whole run", () => {
    const text = recipeYaml({ budget: { wall_clock: "2h" }, training: { time_limit: "3h" } });
    const d = find(diagnosticsOf(text), CODE, "training.time_limit (3h) is longer than budget.wall_clock (2h)");
    expect(d.hint).toMatch(/^a training job could never use its time limit/);
    expect(d.location?.line).toBe(lineOf(text, "time_limit: 3h"));
  });

  it("counts the default training time limit (4h), pointing at the budget when none is written", () => {
    const text = recipeYaml({ budget: { wall_clock: "2h" }, training: undefined });
    const d = find(diagnosticsOf(text), CODE, "training.time_limit (4h) is longer than budget.wall_clock (2h)");
    expect(d.location).toMatchObject({ line: lineOf(text, "wall_clock: 2h"), col: 15 });
  });

  it("compares durations, not their text", () => {
    expect(() => compileText(recipeYaml({ budget: { wall_clock: "90m" }, training: { time_limit: "01:30:00" } }))).not.toThrow();
  });

  it("needs an LLM budget when the recipe leaves the data open", () => {
    const text = recipeYaml({ data: undefined });
    const d = find(diagnosticsOf(text), CODE, "this recipe has agentic stages (it leaves the data or the next pass open) but no LLM budget");
    expect(d.hint).toMatch(/budget\.llm\.tokens/);
    expect(d.location).toMatchObject({ line: lineOf(text, "budget:"), col: 1 });
  });

  it("needs an LLM budget for several passes", () => {
    find(diagnosticsOf(recipeYaml({ budget: { iterations: 2 } })), CODE, /agentic stages .* but no LLM budget/);
  });

  it("needs an LLM budget when synthetic data is allowed", () => {
    find(diagnosticsOf(recipeYaml({ sources: { synthetic: { allow: true } } })), CODE, /agentic stages .* but no LLM budget/);
  });

  it("accepts an LLM budget in dollars alone", () => {
    expect(() => compileText(recipeYaml({ data: undefined, budget: { llm: { usd: 5 } } }))).not.toThrow();
  });

  it("warns about an LLM budget no stage can spend", () => {
    const text = recipeYaml({ budget: { llm: { tokens: 1000 } } });
    const [w] = warningsOf(text);
    expect(w).toMatchObject({ code: CODE, severity: "warning", message: "budget.llm is set but no stage of this recipe calls an LLM" });
    expect(w!.location?.line).toBe(lineOf(text, "llm:"));
  });
});
