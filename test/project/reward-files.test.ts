import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { RecipeInvalidError } from "../../src/errors.js";
import { loadRecipe } from "../../src/project/load.js";
import { definesFunction } from "../../src/project/reward-files.js";
import { lineOf, recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const REWARD = "def score(completions, answer, **kwargs):\n    return [1.0 if c[-1]['content'] == a else 0.0 for c, a in zip(completions, answer)]\n";

/** A GRPO recipe in the temp folder whose reward is `function` of rewards.py. */
function recipe(name: string, fn = "score"): string {
  const text = recipeYaml({
    training: { method: "grpo", rewards: [{ file: "rewards.py", function: fn, weight: 2 }] },
    data: { datasets: [{ path: "prompts.jsonl", format: "prompt", columns: { answer: "answer" } }] },
  });
  tmp.write(name, text);
  return text;
}

function trainKeys(file: string): { train: string; evaluate: string; inputs: Record<string, string> } {
  const { graph } = loadRecipe(tmp.dir, file);
  const train = graph.stages.find((s) => s.kind === "train")!;
  const evaluate = graph.stages.find((s) => s.kind === "evaluate" && s.needs.includes(train.id))!;
  return { train: train.key, evaluate: evaluate.key, inputs: train.inputs ?? {} };
}

function invalid(file: string): RecipeInvalidError {
  try {
    loadRecipe(tmp.dir, file);
  } catch (error) {
    if (error instanceof RecipeInvalidError) return error;
    throw error;
  }
  throw new Error("expected the recipe to be refused");
}

describe("a GRPO recipe's reward file", () => {
  it("joins the train stage's key: editing it trains (and evaluates) again", () => {
    recipe("grpo.yaml");
    tmp.write("prompts.jsonl", '{"prompt":"q","answer":"a"}\n');
    tmp.write("rewards.py", REWARD);
    const before = trainKeys("grpo.yaml");
    expect(before.inputs["file rewards.py"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(trainKeys("grpo.yaml")).toEqual(before);
    writeFileSync(`${tmp.dir}/rewards.py`, REWARD.replace("1.0 if", "2.0 if"));
    const after = trainKeys("grpo.yaml");
    expect(after.train).not.toBe(before.train);
    expect(after.evaluate).not.toBe(before.evaluate);
    expect(after.inputs["file rewards.py"]).not.toBe(before.inputs["file rewards.py"]);
  });

  it("a missing file is a located error", () => {
    const text = recipeYaml({ training: { method: "grpo", rewards: [{ file: "nowhere/rewards.py", function: "score" }] }, data: { datasets: [{ path: "prompts.jsonl", format: "prompt", columns: { answer: "answer" } }] } });
    tmp.write("missing.yaml", text);
    const d = invalid("missing.yaml").diagnostics[0]!;
    expect(d.message).toBe("reward file nowhere/rewards.py does not exist or is not a regular file");
    expect(d.location?.line).toBe(lineOf(text, "file: nowhere/rewards.py"));
  });

  it("a function the file does not define is a located error", () => {
    tmp.write("rewards.py", REWARD);
    const text = recipe("nofn.yaml", "scor");
    const d = invalid("nofn.yaml").diagnostics[0]!;
    expect(d.message).toBe("rewards.py defines no function `scor` at its top level");
    expect(d.location?.line).toBe(lineOf(text, "function: scor"));
  });

  it("finds top-level definitions only", () => {
    expect(definesFunction("import math\n\ndef score(completions, **kw):\n    pass\n", "score")).toBe(true);
    expect(definesFunction("async def score(x):\n    pass\n", "score")).toBe(true);
    expect(definesFunction("score = make_reward(0.5)\n", "score")).toBe(true);
    expect(definesFunction("class R:\n    def score(self):\n        pass\n", "score")).toBe(false);
    expect(definesFunction("def scores(x):\n    pass\n", "score")).toBe(false);
    expect(definesFunction("if score == 1:\n    pass\n", "score")).toBe(false);
  });
});

describe("GRPO as a later stage of a chain (SFT, then GRPO)", () => {
  /** SFT on conversations, then GRPO on prompts scored by rewards.py's `score`. */
  function chained(name: string, then: Record<string, unknown>[] = [{ method: "grpo", hyperparameters: { num_generations: 4, per_device_train_batch_size: 8 } }]): string {
    const text = recipeYaml({
      training: { method: "sft", rewards: [{ file: "rewards.py", function: "score" }], then },
      data: { datasets: [{ path: "train.jsonl", format: "conversational" }, { path: "prompts.jsonl", format: "prompt", columns: { answer: "answer" } }] },
    });
    tmp.write(name, text);
    return text;
  }

  it("the grpo stage starts from the sft model, and only its key holds the reward file", () => {
    chained("chain.yaml");
    tmp.write("train.jsonl", '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n');
    tmp.write("prompts.jsonl", '{"prompt":"q","answer":"a"}\n');
    tmp.write("rewards.py", REWARD);
    const keys = () => {
      const { graph, validated } = loadRecipe(tmp.dir, "chain.yaml");
      const recipe = validated.recipe;
      const grpo = graph.stages.find((s) => s.id === "train-grpo")!;
      const sft = graph.stages.find((s) => s.id === "train")!;
      return { recipe, grpo, sft };
    };
    const before = keys();
    expect(before.recipe.training.rewards).toEqual([{ kind: "file", file: "rewards.py", function: "score", weight: 1 }]);
    expect(before.grpo.needs).toEqual(expect.arrayContaining(["train", "prepare-grpo"]));
    expect(before.grpo.params.rewards).toEqual(before.recipe.training.rewards);
    expect(before.grpo.inputs?.["file rewards.py"]).toMatch(/^sha256:/);
    expect(before.sft.params.rewards).toBeUndefined();
    expect(before.sft.inputs?.["file rewards.py"]).toBeUndefined();
    writeFileSync(`${tmp.dir}/rewards.py`, REWARD.replace("1.0 if", "3.0 if"));
    const after = keys();
    expect(after.sft.key).toBe(before.sft.key);
    expect(after.grpo.key).not.toBe(before.grpo.key);
  });

  it("GRPO's generation rule reads the later stage's hyperparameters, located there", () => {
    const text = chained("chain-batch.yaml", [{ method: "grpo", hyperparameters: { num_generations: 3, per_device_train_batch_size: 8 } }]);
    const error = invalid("chain-batch.yaml");
    const d = error.diagnostics.find((x) => x.code === "INTERN_TRL_VALUE")!;
    expect(d.message).toMatch(/must hold whole groups of num_generations \(3\)/);
    expect(d.location?.line).toBe(lineOf(text, "num_generations: 3"));
  });

  it("one GRPO stage a recipe: a second is refused at its method", () => {
    const text = chained("chain-two.yaml", [
      { method: "grpo", hyperparameters: { num_generations: 4, per_device_train_batch_size: 8 } },
      { method: "sft" },
      { method: "grpo", hyperparameters: { num_generations: 4, per_device_train_batch_size: 8 } },
    ]);
    const d = invalid("chain-two.yaml").diagnostics.find((x) => x.code === "INTERN_UNSUPPORTED" && /one GRPO stage/.test(x.message))!;
    expect(d.location?.line).toBe(lineOf(text, "method: grpo", 2));
  });
});
