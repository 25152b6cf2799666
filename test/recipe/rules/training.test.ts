import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, colOf, only, recipeYaml, warningsOf } from "../../helpers/recipe.js";

const hp = (hyperparameters: Record<string, unknown>) => recipeYaml({ training: { hyperparameters } });
/** A search space on a recipe that fixes no learning rate (unless `hyperparameters` does). */
const space = (search_space: Record<string, unknown>, hyperparameters: Record<string, unknown> = {}) =>
  recipeYaml({ data: undefined, budget: { llm: { tokens: 1_000_000 } }, training: { hyperparameters: { learning_rate: undefined, ...hyperparameters }, search_space } });

describe("TRL version", () => {
  it("needs a trl== pin in the requirements", () => {
    const text = recipeYaml({ compute: { environment: { requirements: ["torch==2.13.0", "trl>=1.0"] } } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "compute.environment.requirements has no `trl==VERSION` pin");
    expect(d.hint).toMatch(/^pin TRL/);
    expect(d.location?.line).toBe(lineOf(text, "- torch==2.13.0"));
  });

  it("accepts a pin with extras", () => {
    expect(compileText(recipeYaml({ compute: { environment: { requirements: ["trl[peft]==1.13.0", "lm-eval[hf]==0.4.13"] } } })).validated.recipe.compute.trlVersion).toBe("1.13.0");
  });

  it("warns, and checks no keys, for a TRL version it has no table for", () => {
    const text = recipeYaml({ compute: { environment: { requirements: ["trl==0.9.6", "lm-eval[hf]==0.4.13"] } }, training: { hyperparameters: { max_seq_length: 2048 } } });
    const warnings = warningsOf(text);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "INTERN_TRL_VERSION_UNKNOWN", severity: "warning", message: "intern has no key table for `trl sft` of TRL 0.9.6 (it knows 1.13.0)" });
    expect(warnings[0]!.hint).toMatch(/scripts\/extract-trl-keys\.py sft /);
  });

  it("checks keys against the default stack's TRL when the recipe names an interpreter", () => {
    find(diagnosticsOf(recipeYaml({ compute: { environment: { python: "/opt/venv/bin/python" } }, training: { hyperparameters: { max_seq_length: 1 } } })), "INTERN_TRL_UNKNOWN_KEY", /^`max_seq_length`/);
  });
});

describe("hyperparameters", () => {
  it.each([
    ["max_seq_length", 2048, "max_length", "TRL renamed `max_seq_length` to `max_length`"],
    ["torch_dtype", "bfloat16", "dtype", "transformers renamed `torch_dtype` to `dtype`"],
    ["warmup_ratio", 0.03, "warmup_steps", "transformers 5 dropped `warmup_ratio`; `warmup_steps` takes a fraction below 1 (`warmup_steps: 0.03`)"],
    ["evaluation_strategy", "steps", "eval_strategy", "transformers renamed `evaluation_strategy` to `eval_strategy`"],
  ])("points a renamed key %s at %s", (key, value, to, note) => {
    const text = hp({ [key]: value });
    const d = only(diagnosticsOf(text), "INTERN_TRL_UNKNOWN_KEY");
    expect(d.message).toBe(`\`${key}\` is not a key of TRL 1.13.0`);
    expect(d.hint).toBe(`did you mean \`${to}\`? ${note}`);
    expect(d.location).toMatchObject({ line: lineOf(text, `${key}:`), col: 5 });
  });

  it("suggests the key meant for a typo and says what TRL would do with it", () => {
    const text = hp({ learning_rat: 1.0e-5 });
    const d = only(diagnosticsOf(text), "INTERN_TRL_UNKNOWN_KEY");
    expect(d.message).toBe('`learning_rat` is not a key of TRL 1.13.0 (`trl sft` would pass it on to accelerate, which fails with "unrecognized arguments")');
    expect(d.hint).toBe("did you mean `learning_rate`?");
    expect(d.location?.line).toBe(lineOf(text, "learning_rat:"));
  });

  it("gives no hint for a key close to nothing", () => {
    expect(only(diagnosticsOf(hp({ zzzzzzzz: 1 })), "INTERN_TRL_UNKNOWN_KEY").hint).toBeUndefined();
  });

  it("refuses a value of the wrong type, at the value, with TRL's help", () => {
    const text = hp({ learning_rate: "fast" });
    const d = only(diagnosticsOf(text), "INTERN_TRL_VALUE");
    expect(d.message).toBe("`learning_rate` must be number for TRL 1.13.0, not string");
    expect(d.hint).toBe("The initial learning rate for AdamW.");
    expect(d.location).toMatchObject({ line: lineOf(text, "learning_rate: fast"), col: colOf(text, "fast") });
  });

  it("refuses a fraction for an integer key and accepts null where TRL does", () => {
    expect(only(diagnosticsOf(hp({ max_length: 1024.5 })), "INTERN_TRL_VALUE").message).toBe("`max_length` must be integer for TRL 1.13.0, not number");
    expect(() => compileText(hp({ max_length: null }))).not.toThrow();
  });

  it("refuses a value outside the key's choices", () => {
    const text = hp({ lr_scheduler_type: "cosinus" });
    const d = only(diagnosticsOf(text), "INTERN_TRL_VALUE");
    expect(d.message).toMatch(/^`lr_scheduler_type` must be one of "linear", "cosine", .*, not "cosinus"$/);
    expect(d.location?.line).toBe(lineOf(text, "lr_scheduler_type: cosinus"));
  });

  it.each([
    ["output_dir", "/tmp/out", "intern places outputs in the run's stage folder"],
    ["model_name_or_path", "Qwen/Qwen3-0.6B", "set from `base_model`"],
    ["hub_token", "hf_x", "tokens come from HF_TOKEN in the environment and are never written to a config"],
  ])("refuses the reserved key %s", (key, value, why) => {
    const text = hp({ [key]: value });
    const d = only(diagnosticsOf(text), "INTERN_TRL_RESERVED_KEY");
    expect(d.message).toBe(`\`${key}\` is set by intern`);
    expect(d.hint).toBe(why);
    expect(d.location?.line).toBe(lineOf(text, `${key}:`));
  });

  it("reports every bad key at once", () => {
    const diagnostics = diagnosticsOf(hp({ max_seq_length: 1, learning_rate: "fast", output_dir: "x" }));
    expect(diagnostics.map((d) => d.message.split(" ")[0]).sort()).toEqual(["`learning_rate`", "`max_seq_length`", "`output_dir`"]);
  });
});

describe("search space", () => {
  it("refuses a key both fixed and open", () => {
    const text = space({ learning_rate: { min: 1e-6, max: 1e-4 } }, { learning_rate: 2e-5 });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "`learning_rate` is both fixed in training.hyperparameters and open in training.search_space; keep one");
    expect(d.location?.line).toBe(lineOf(text, "learning_rate:", 2));
  });

  it("refuses an unknown key with a hint", () => {
    const text = space({ warmup_ratio: { values: [0.1] } });
    const d = only(diagnosticsOf(text), "INTERN_TRL_UNKNOWN_KEY");
    expect(d.hint).toMatch(/^did you mean `warmup_steps`\?/);
    expect(d.location?.line).toBe(lineOf(text, "warmup_ratio:"));
  });

  it("refuses a reserved key", () => {
    expect(only(diagnosticsOf(space({ output_dir: { values: ["a"] } })), "INTERN_TRL_RESERVED_KEY").message).toBe("`output_dir` is set by intern");
  });

  it.each([
    ["neither values nor a range", {}],
    ["both values and a range", { values: [1e-5], min: 1e-6, max: 1e-4 }],
  ])("needs values or a range, not %s", (_what, range) => {
    find(diagnosticsOf(space({ learning_rate: range })), "INTERN_RECIPE_INVALID", "search_space.learning_rate needs either `values` or `min` and `max`");
  });

  it("needs both ends of a range", () => {
    find(diagnosticsOf(space({ learning_rate: { min: 1e-6 } })), "INTERN_RECIPE_INVALID", "search_space.learning_rate needs both `min` and `max`");
  });

  it("refuses min above max, at min", () => {
    const text = space({ learning_rate: { min: 0.1, max: 0.01 } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "search_space.learning_rate.min (0.1) is above max (0.01)");
    expect(d.location?.line).toBe(lineOf(text, "min: 0.1"));
  });

  it("needs a positive min on a log scale", () => {
    find(diagnosticsOf(space({ learning_rate: { min: 0, max: 0.01, log: true } })), "INTERN_RECIPE_INVALID", "search_space.learning_rate is on a log scale, so min must be > 0");
  });

  it("checks each end of a range against the key's type", () => {
    const text = space({ per_device_train_batch_size: { min: 1, max: 8.5 } });
    const d = only(diagnosticsOf(text), "INTERN_TRL_VALUE");
    expect(d.message).toBe("`per_device_train_batch_size` must be integer for TRL 1.13.0, not number");
    expect(d.location?.line).toBe(lineOf(text, "max: 8.5"));
  });

  it("checks each listed value against the key's choices", () => {
    const text = space({ lr_scheduler_type: { values: ["cosine", "cosinus"] } });
    const d = only(diagnosticsOf(text), "INTERN_TRL_VALUE");
    expect(d.message).toMatch(/not "cosinus"$/);
    expect(d.location?.line).toBe(lineOf(text, "- cosinus"));
  });

  it("accepts a log range and a list of values", () => {
    const { validated } = compileText(space({ learning_rate: { min: 1e-6, max: 1e-4, log: true }, lr_scheduler_type: { values: ["cosine", "linear"] } }));
    expect(validated.recipe.training.searchSpace.learning_rate).toEqual({ values: null, min: 1e-6, max: 1e-4, log: true, integer: false });
  });
});

describe("search space types follow TRL's key table", () => {
  it("refuses a range on a key that is not a number, pointing at the key", () => {
    const text = space({ packing: { min: 0, max: 1 } });
    const d = only(diagnosticsOf(text), "INTERN_TRL_VALUE");
    expect(d.message).toBe("search_space.packing is a range, but `packing` takes boolean for TRL 1.13.0");
    expect(d.hint).toBe("list the values to try under `values` instead");
    expect(d.location?.line).toBe(lineOf(text, "packing:"));
  });

  it("marks a range over an integer key as integer, and starts it on a whole number even on a log scale", async () => {
    const { initialChoice } = await import("../../../src/render/search-choice.js");
    const recipe = compileText(space({ gradient_accumulation_steps: { min: 1, max: 8, log: true }, learning_rate: { min: 1, max: 8, log: true } })).validated.recipe;
    const ga = recipe.training.searchSpace.gradient_accumulation_steps!;
    const lr = recipe.training.searchSpace.learning_rate!;
    expect(ga.integer).toBe(true);
    expect(lr.integer).toBe(false);
    expect(initialChoice(ga)).toBe(3);
    expect(initialChoice(lr)).toBeCloseTo(2.82843, 4);
  });
});
