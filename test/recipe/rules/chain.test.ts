import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const chat = { path: "train.jsonl", format: "conversational" };
const pairs = { path: "pairs.jsonl", format: "preference" };
const rows = { path: "rows.jsonl", format: "unpaired-preference" };

/** SFT on conversations, then DPO on pairs: the minimal fixture with a chain. */
function chain(changes: Record<string, unknown> = {}, then: unknown[] = [{ method: "dpo", hyperparameters: { beta: 0.1 } }]): string {
  return recipeYaml({ data: { datasets: [chat, pairs] }, training: { then }, ...changes });
}

describe("chained training (training.then)", () => {
  it("a chain of sft then dpo validates, each method's datasets fractioned on their own", () => {
    const { validated } = compileText(chain({ data: { datasets: [{ ...chat }, { path: "more.jsonl" }, { ...pairs }] } }));
    const r = validated.recipe;
    expect(r.training.then).toEqual([{ method: "dpo", hyperparameters: { beta: 0.1 }, timeLimitSeconds: 4 * 3600 }]);
    // Two conversational datasets share the sft mix; the pairs are the whole dpo mix.
    expect(r.data.datasets!.map((d) => d.fraction)).toEqual([0.5, 0.5, 1]);
  });

  it("checks a later stage's keys against its own method's table, located, with a did-you-mean", () => {
    const text = chain({}, [{ method: "dpo", hyperparameters: { betta: 0.1, learning_rate: 1e-6 } }]);
    const d = find(diagnosticsOf(text), "INTERN_TRL_UNKNOWN_KEY", /`betta` is not a key of TRL 1.13.0/);
    expect(d.hint).toBe("did you mean `beta`?");
    expect(d.location?.line).toBe(lineOf(text, "betta: 0.1"));
    // beta is DPO's: the first (sft) stage does not know it.
    const sft = recipeYaml({ data: { datasets: [chat, pairs] }, training: { hyperparameters: { beta: 0.1 }, then: [{ method: "dpo" }] } });
    expect(find(diagnosticsOf(sft), "INTERN_TRL_UNKNOWN_KEY", /`beta` is not a key of TRL 1.13.0/).location?.line).toBe(lineOf(sft, "beta: 0.1"));
  });

  it("refuses what `trl kto` refuses at start-up in a later kto stage, at its key", () => {
    const text = recipeYaml({ data: { datasets: [chat, rows] }, training: { then: [{ method: "kto", hyperparameters: { per_device_train_batch_size: 1 } }] } });
    const d = find(diagnosticsOf(text), "INTERN_TRL_VALUE", /so per_device_train_batch_size must be at least 2$/);
    expect(d.location?.line).toBe(lineOf(text, "per_device_train_batch_size: 1"));
  });

  it("a stage whose method has no dataset of its format is an error at its method", () => {
    const text = recipeYaml({ data: { datasets: [chat] }, training: { then: [{ method: "dpo" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.then[0].method is dpo, which trains on preference pairs, but no dataset has its format (preference)");
    expect(d.location?.line).toBe(lineOf(text, "method: dpo"));
    expect(d.hint).toBe("add a dataset for it under data.datasets: set format: preference and map columns prompt, chosen and rejected");
  });

  it("a dataset whose format no stage of the chain trains on is an error at its format", () => {
    const text = recipeYaml({ data: { datasets: [chat, pairs, rows] }, training: { then: [{ method: "dpo" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "data.datasets[2] is `unpaired-preference`, which only kto trains on, and no training stage of the chain is kto (sft, then dpo)");
    expect(d.location?.line).toBe(lineOf(text, "format: unpaired-preference"));
  });

  it("the same method twice in a row is an error at the second", () => {
    const text = recipeYaml({ data: { datasets: [chat, pairs] }, training: { then: [{ method: "dpo" }, { method: "dpo" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.then[1] is dpo again, right after a dpo stage on the same data");
    expect(d.location?.line).toBe(lineOf(text, "method: dpo", 2));
  });

  it("takes grpo as a later stage on prompt data; refuses the agent's choices, LoRA and synthetic data in a chain (not yet)", () => {
    const grpo = recipeYaml({ data: { datasets: [chat] }, training: { then: [{ method: "grpo" }] } });
    const noPrompts = find(diagnosticsOf(grpo), "INTERN_RECIPE_INVALID", /^training\.then\[0\]\.method is grpo, which trains on .*but no dataset has its format \(prompt\)/);
    expect(noPrompts.location?.line).toBe(lineOf(grpo, "method: grpo"));
    expect(diagnosticsOf(grpo).filter((d) => d.code === "INTERN_UNSUPPORTED")).toEqual([]);
    const prompts = { path: "prompts.jsonl", format: "prompt", columns: { answer: "answer" } };
    const withPrompts = recipeYaml({ data: { datasets: [chat, prompts] }, training: { rewards: [{ builtin: "exact_answer" }], then: [{ method: "grpo", hyperparameters: { num_generations: 4, per_device_train_batch_size: 8 } }] } });
    expect(compileText(withPrompts).validated.recipe.training.then.map((t) => t.method)).toEqual(["grpo"]);
    const search = chain({ budget: { iterations: 2 }, training: { search_space: { learning_rate: { values: [1e-5, 2e-5] } }, then: [{ method: "dpo" }] } });
    const passes = find(diagnosticsOf(search), "INTERN_UNSUPPORTED", "more than one pass (the decide stage) is not supported with chained training (training.then) yet");
    expect(passes.location?.line).toBe(lineOf(search, "iterations: 2"));
    expect(find(diagnosticsOf(search), "INTERN_UNSUPPORTED", "a search space for the agent is not supported with chained training (training.then) yet").location?.line).toBe(lineOf(search, "search_space:"));
    const lora = chain({ training: { peft: { r: 8 }, then: [{ method: "dpo" }] } });
    expect(find(diagnosticsOf(lora), "INTERN_UNSUPPORTED", "LoRA (training.peft) is not supported with chained training (training.then) yet").location?.line).toBe(lineOf(lora, "peft:"));
    const open = recipeYaml({ data: undefined, training: { then: [{ method: "dpo" }] } });
    find(diagnosticsOf(open), "INTERN_UNSUPPORTED", "leaving the data to the agent (no data.datasets) is not supported with chained training (training.then) yet");
  });

  it("each method's fractions add up to 1 among its own datasets", () => {
    const text = chain({ data: { datasets: [{ ...chat, fraction: 1 }, { ...pairs, fraction: 0.6 }, { path: "p2.jsonl", format: "preference", fraction: 0.3 }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "the fractions of the dpo datasets add up to 0.9, not 1");
    expect(d.location?.line).toBe(lineOf(text, "fraction: 0.6"));
    // The same fractions over sft 1 and dpo 0.6 + 0.4 are fine.
    const ok = chain({ data: { datasets: [{ ...chat, fraction: 1 }, { ...pairs, fraction: 0.6 }, { path: "p2.jsonl", format: "preference", fraction: 0.4 }] } });
    expect(compileText(ok).validated.recipe.data.datasets!.map((x) => x.fraction)).toEqual([1, 0.6, 0.4]);
  });

  it("a later stage's time limit fits the wall-clock budget, located at it (or at the stage, for the default)", () => {
    const text = chain({ budget: { wall_clock: "2h" } }, [{ method: "dpo", time_limit: "3h" }]);
    const d = find(diagnosticsOf(text), "INTERN_BUDGET_INVALID", "training.then[0].time_limit (3h) is longer than budget.wall_clock (2h)");
    expect(d.location?.line).toBe(lineOf(text, "time_limit: 3h"));
    const unset = chain({ budget: { wall_clock: "2h" } }, [{ method: "dpo" }]);
    expect(find(diagnosticsOf(unset), "INTERN_BUDGET_INVALID", "training.then[0].time_limit (4h) is longer than budget.wall_clock (2h)").location?.line).toBe(lineOf(unset, "- method: dpo"));
  });

  it("a user stage may not take a chain stage's name", () => {
    const text = chain({ stages: [{ name: "train-dpo", run: "true" }] });
    expect(find(diagnosticsOf(text), "INTERN_DUPLICATE_STAGE", "stage name `train-dpo` is a stage of the training chain").location?.line).toBe(lineOf(text, "name: train-dpo"));
  });
});
