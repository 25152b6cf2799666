import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

/** A GRPO recipe on prompt data with an answer column (the fixture's benchmark is lm-eval). */
const prompts = { path: "prompts.jsonl", format: "prompt", columns: { answer: "answer" } };
const grpo = (training: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) =>
  recipeYaml({ training: { method: "grpo", rewards: [{ builtin: "exact_answer" }], ...training }, data: { datasets: [prompts] }, ...rest });
const hp = (hyperparameters: Record<string, unknown>, rest: Record<string, unknown> = {}) => grpo({ hyperparameters }, rest);

describe("grpo: method and data", () => {
  it("validates on prompt data, with its keys checked against `trl grpo`'s table", () => {
    const recipe = compileText(hp({ num_generations: 4, per_device_train_batch_size: 8, max_completion_length: 16 })).validated.recipe;
    expect(recipe.training.method).toBe("grpo");
    expect(recipe.training.rewards).toEqual([{ kind: "builtin", builtin: "exact_answer", weight: 1 }]);
    expect(recipe.data.datasets![0]!.columns).toMatchObject({ prompt: "prompt", answer: "answer" });
    const typo = hp({ num_generation: 4 });
    expect(find(diagnosticsOf(typo), "INTERN_TRL_UNKNOWN_KEY", /`num_generation` is not a key of TRL 1.13.0/).hint).toBe("did you mean `num_generations`?");
    // num_generations is GRPO's: SFT does not know it.
    find(diagnosticsOf(recipeYaml({ training: { hyperparameters: { num_generations: 4 } } })), "INTERN_TRL_UNKNOWN_KEY", /`num_generations` is not a key of TRL 1.13.0/);
  });

  it("needs prompt data, and prompt data needs grpo", () => {
    const text = recipeYaml({ training: { method: "grpo" }, data: { datasets: [{ path: "train.jsonl", format: "conversational" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.method is grpo, which trains on prompts that reward functions score, but data.datasets[0] is `conversational`");
    expect(d.location?.line).toBe(lineOf(text, "format: conversational"));
    find(diagnosticsOf(recipeYaml({ data: { datasets: [prompts] } })), "INTERN_RECIPE_INVALID", "data.datasets[0] is `prompt`, which only training.method grpo trains on");
  });

  it("columns of other formats do not apply to prompt data", () => {
    const text = recipeYaml({ training: { method: "grpo" }, data: { datasets: [{ ...prompts, columns: { answer: "answer", completion: "reply" } }] } });
    find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "columns.completion does not apply to the `prompt` format (prompt, answer, keep)");
  });

  it("reserves the keys intern sets from training.rewards", () => {
    const d = find(diagnosticsOf(hp({ reward_funcs: ["accuracy_reward"] })), "INTERN_TRL_RESERVED_KEY", "`reward_funcs` is set by intern");
    expect(d.hint).toMatch(/training\.rewards/);
    find(diagnosticsOf(hp({ reward_weights: [1] })), "INTERN_TRL_RESERVED_KEY", "`reward_weights` is set by intern");
  });
});

describe("grpo: rewards", () => {
  it("rewards belong to grpo", () => {
    const text = recipeYaml({ training: { rewards: [{ builtin: "exact_answer" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.rewards score GRPO's completions, and training.method is sft");
    expect(d.location?.line).toBe(lineOf(text, "rewards:"));
  });

  it("an unknown builtin is an error at its value that lists the builtins", () => {
    const text = grpo({ rewards: [{ builtin: "exact_answr" }] });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", 'training.rewards[0].builtin must be one of "exact_answer", "accuracy_reward", "reasoning_accuracy_reward", "think_format_reward", not "exact_answr"');
    expect(d.location?.line).toBe(lineOf(text, "builtin: exact_answr"));
  });

  it("a reward is one builtin or one file's function", () => {
    const both = grpo({ rewards: [{ builtin: "exact_answer", file: "rewards.py", function: "score" }] });
    expect(find(diagnosticsOf(both), "INTERN_RECIPE_INVALID", "training.rewards[0] names both a builtin and a file's function; one reward is one of them").location?.line).toBe(lineOf(both, "file: rewards.py"));
    const noFunction = grpo({ rewards: [{ file: "rewards.py" }] });
    expect(find(diagnosticsOf(noFunction), "INTERN_RECIPE_INVALID", "training.rewards[0] names a file but not the function in it to call").hint).toMatch(/^add `function:`/);
    find(diagnosticsOf(grpo({ rewards: [{ function: "score" }] })), "INTERN_RECIPE_INVALID", "training.rewards[0] names a function but not the file that defines it");
    find(diagnosticsOf(grpo({ rewards: [{ weight: 2 }] })), "INTERN_RECIPE_INVALID", "training.rewards[0] names no reward function");
  });

  it("exact_answer needs an answer column on every dataset", () => {
    const text = grpo({}, { data: { datasets: [{ path: "prompts.jsonl", format: "prompt" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "exact_answer compares each completion with the row's answer, and data.datasets[0] maps no answer column");
    expect(d.location?.line).toBe(lineOf(text, "- path: prompts.jsonl"));
  });

  it("a multiple-choice benchmark defaults to exact_answer; another harness must name the rewards", () => {
    const builtin = { benchmark: { harness: "builtin", task: undefined, metric: "acc", data: { path: "bench.jsonl" } } };
    const recipe = compileText(recipeYaml({ training: { method: "grpo" }, data: { datasets: [prompts] }, ...builtin })).validated.recipe;
    expect(recipe.training.rewards).toEqual([{ kind: "builtin", builtin: "exact_answer", weight: 1 }]);
    const text = recipeYaml({ training: { method: "grpo" }, data: { datasets: [prompts] } });
    find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "GRPO needs reward functions, and benchmark.harness lm-eval is not multiple choice, so intern has no default");
  });

  it("TRL's accuracy_reward needs a kept solution column and math-verify", () => {
    const text = grpo({ rewards: [{ builtin: "accuracy_reward" }] });
    find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "TRL's accuracy_reward reads a `solution` column, which data.datasets[0] does not keep");
    const env = find(diagnosticsOf(text), "INTERN_ENV_MISSING_PACKAGE", "TRL's accuracy_reward needs math-verify, which the job environment does not install");
    expect(env.location?.line).toBe(lineOf(text, "builtin: accuracy_reward"));
    const ok = grpo({ rewards: [{ builtin: "accuracy_reward" }] }, {
      data: { datasets: [{ path: "prompts.jsonl", format: "prompt", columns: { keep: ["solution"] } }] },
      compute: { environment: { requirements: ["torch==2.13.0", "transformers==5.17.0", "trl==1.13.0", "accelerate==1.15.0", "datasets==5.0.1", "lm-eval[hf]==0.4.13", "math-verify==0.8.0"] } },
    });
    expect(compileText(ok).validated.recipe.data.datasets![0]!.columns.keep).toEqual(["solution"]);
  });
});

describe("grpo: generation settings", () => {
  it("refuses use_vllm unless the environment installs vllm", () => {
    const text = hp({ use_vllm: true });
    const d = find(diagnosticsOf(text), "INTERN_ENV_MISSING_PACKAGE", "use_vllm generates with vLLM, which the job environment does not install");
    expect(d.location?.line).toBe(lineOf(text, "use_vllm: true"));
    const requirements = ["torch==2.13.0", "transformers==5.17.0", "trl==1.13.0", "accelerate==1.15.0", "datasets==5.0.1", "lm-eval[hf]==0.4.13", "vllm==0.11.0"];
    expect(compileText(hp({ use_vllm: true }, { compute: { environment: { requirements } } })).validated.recipe.training.hyperparameters.use_vllm).toBe(true);
  });

  it("num_generations must divide the generation batch, as TRL's GRPOConfig requires", () => {
    const text = hp({ num_generations: 3, per_device_train_batch_size: 8 });
    const d = find(diagnosticsOf(text), "INTERN_TRL_VALUE", "the generation batch (per_device_train_batch_size 8 x gradient_accumulation_steps 1 = 8) must hold whole groups of num_generations (3) completions of one prompt");
    expect(d.location?.line).toBe(lineOf(text, "num_generations: 3"));
    // TRL's defaults (a batch of 8, 8 generations) fit; so does a batch grown by accumulation.
    compileText(grpo());
    compileText(hp({ num_generations: 6, per_device_train_batch_size: 3, gradient_accumulation_steps: 2 }));
    // Across GPUs the batch is per device x processes.
    compileText(hp({ num_generations: 16, per_device_train_batch_size: 4 }, { compute: { gpus: 4 } }));
    find(diagnosticsOf(hp({ num_generations: 16, per_device_train_batch_size: 4 }, { compute: { gpus: 2 } })), "INTERN_TRL_VALUE", /per_device_train_batch_size 4 x 2 processes x gradient_accumulation_steps 1 = 8\) must hold whole groups of num_generations \(16\)/);
  });

  it("refuses fewer than two generations, and a generation batch that is not a multiple of the global batch", () => {
    find(diagnosticsOf(hp({ num_generations: 1 })), "INTERN_TRL_VALUE", "GRPO compares each completion with the others of its prompt's group, so num_generations must be at least 2, not 1");
    find(diagnosticsOf(hp({ generation_batch_size: 12, per_device_train_batch_size: 8 })), "INTERN_TRL_VALUE", "generation_batch_size (12) must be a multiple of the global batch, per_device_train_batch_size 8 = 8");
    find(diagnosticsOf(hp({ generation_batch_size: 16, steps_per_generation: 2 })), "INTERN_TRL_VALUE", "generation_batch_size and steps_per_generation both set the generation batch; keep one");
  });
});
