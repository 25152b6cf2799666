import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { sweepSeeds } from "../../src/audit/seed-spread.js";
import { compileText, recipeYaml } from "../helpers/recipe.js";

/** The seed each train stage's TRL config gets, by stage id. */
function trainSeeds(data: Record<string, unknown>): Record<string, unknown> {
  const { graph } = compileText(recipeYaml(data));
  return Object.fromEntries(graph.stages.filter((s) => s.kind === "train").map((s) => [s.id, (s.params.hyperparameters as Record<string, unknown>).seed]));
}

describe("audit --seeds' sweep", () => {
  it("trains every stage of a chain with each seed, also a later stage that pinned its own", () => {
    const data = parse(
      recipeYaml({
        data: { datasets: [{ path: "train.jsonl", format: "conversational" }, { path: "pairs.jsonl", format: "preference" }] },
        training: { hyperparameters: { seed: 0 }, then: [{ method: "dpo", hyperparameters: { beta: 0.1, seed: 0 } }] },
      }),
    ) as Record<string, unknown>;
    sweepSeeds(data, [1, 2]);
    expect(trainSeeds(data)).toEqual({ "train.t1": 1, "train-dpo.t1": 1, "train.t2": 2, "train-dpo.t2": 2 });
  });

  it("sweeps the one training stage of a recipe without a chain", () => {
    const data = parse(recipeYaml({ training: { hyperparameters: { seed: 3 } } })) as Record<string, unknown>;
    sweepSeeds(data, [4, 5, 6]);
    expect(trainSeeds(data)).toEqual({ "train.t1": 4, "train.t2": 5, "train.t3": 6 });
  });
});
