import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const CODE = "INTERN_RECIPE_INVALID";

describe("data rule", () => {
  it("needs a fraction on every dataset once one has one", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/one", fraction: 0.5 }, { id: "a/two" }] } });
    const d = find(diagnosticsOf(text), CODE, "data.datasets[1] has no fraction while others do");
    expect(d.hint).toBe("give every dataset a fraction or a number of rows, or leave fractions out for an equal mix");
    expect(d.location?.line).toBe(lineOf(text, "id: a/two"));
  });

  it("needs fractions that add up to 1", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/one", fraction: 0.5 }, { id: "a/two", fraction: 0.3 }] } });
    const d = find(diagnosticsOf(text), CODE, "dataset fractions add up to 0.8, not 1");
    expect(d.location).toMatchObject({ line: lineOf(text, "datasets:"), col: 3 });
  });

  it("tolerates floating-point rounding in the sum", () => {
    const { validated } = compileText(recipeYaml({ data: { datasets: [0.1, 0.2, 0.7].map((fraction, i) => ({ id: `a/d${i}`, fraction })) } }));
    expect(validated.recipe.data.datasets!.map((d) => d.fraction)).toEqual([0.1, 0.2, 0.7]);
  });

  it("gives an equal share to datasets without fractions", () => {
    const { validated } = compileText(recipeYaml({ data: { datasets: [{ id: "a/one" }, { id: "a/two" }, { id: "a/three" }, { id: "a/four" }] } }));
    expect(validated.recipe.data.datasets!.map((d) => d.fraction)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("takes a number of rows instead of a fraction: the others share what is left", () => {
    const { validated } = compileText(recipeYaml({ data: { datasets: [{ id: "a/one", rows: 500 }, { id: "a/two" }, { id: "a/three" }], max_rows: 2000 } }));
    expect(validated.recipe.data.datasets!.map((d) => [d.rows, d.fraction])).toEqual([[500, null], [null, 0.5], [null, 0.5]]);
    // Fractions are those of the datasets without rows: 0.4 + 0.6 is a whole.
    const weighted = compileText(recipeYaml({ data: { datasets: [{ id: "a/one", rows: 500 }, { id: "a/two", fraction: 0.4 }, { id: "a/three", fraction: 0.6 }] } }));
    expect(weighted.validated.recipe.data.datasets!.map((d) => d.fraction)).toEqual([null, 0.4, 0.6]);
  });

  it("refuses a dataset with both rows and a fraction", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/one", fraction: 1, rows: 10 }] } });
    const d = find(diagnosticsOf(text), CODE, "data.datasets[0] has both `fraction` and `rows`; keep one");
    expect(d.location?.line).toBe(lineOf(text, "rows: 10"));
  });

  it("refuses counts that add up to more than data.max_rows", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/one", rows: 600 }, { id: "a/two", rows: 500 }], max_rows: 1000 } });
    const d = find(diagnosticsOf(text), CODE, "data.max_rows is 1000, below the 1100 rows the datasets' `rows` ask for");
    expect(d.location?.line).toBe(lineOf(text, "max_rows: 1000"));
  });

  it("refuses prompt/completion columns in the conversational format", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b", columns: { prompt: "q", completion: "a" } }] } });
    const d = find(diagnosticsOf(text), CODE, "columns.prompt/completion map to the `prompt-completion` format; set format: prompt-completion or map columns.messages");
    expect(d.location).toMatchObject({ line: lineOf(text, "columns:"), col: 7 });
  });

  it("refuses a messages column in the prompt-completion format", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b", format: "prompt-completion", columns: { messages: "conv" } }] } });
    const d = find(diagnosticsOf(text), CODE, "columns.messages belongs to the `conversational` format");
    expect(d.location?.line).toBe(lineOf(text, "messages: conv"));
  });

  it("maps prompt-completion columns with defaults", () => {
    const { validated } = compileText(recipeYaml({ data: { datasets: [{ id: "a/b", format: "prompt-completion", columns: { prompt: "q" } }] } }));
    expect(validated.recipe.data.datasets![0]!.columns).toEqual({ messages: null, prompt: "q", completion: "completion", system: null, text: null });
  });

  it("takes a list of columns for a prompt, and a text column for the text format", () => {
    const { validated } = compileText(
      recipeYaml({ data: { datasets: [{ id: "a/b", format: "prompt-completion", columns: { prompt: ["instruction", "input"], completion: "output" } }] } }),
    );
    expect(validated.recipe.data.datasets![0]!.columns).toMatchObject({ prompt: ["instruction", "input"], completion: "output" });
    const text = compileText(recipeYaml({ data: { datasets: [{ id: "a/b", format: "text" }] } }));
    expect(text.validated.recipe.data.datasets![0]!.columns).toEqual({ messages: null, prompt: null, completion: null, system: null, text: "text" });
  });

  it("refuses columns that do not belong to the text format, and a text column elsewhere", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b", format: "text", columns: { system: "sys" } }, { id: "a/c", format: "text", columns: { text: "body" } }] } });
    expect(find(diagnosticsOf(text), CODE, "columns.system does not apply to the `text` format, which reads one column").location?.line).toBe(lineOf(text, "system: sys"));
    const conv = recipeYaml({ data: { datasets: [{ id: "a/b", columns: { text: "body" } }] } });
    expect(find(diagnosticsOf(conv), CODE, "columns.text belongs to the `text` format, not `conversational`").location?.line).toBe(lineOf(conv, "text: body"));
  });

  it("refuses a mix of text and conversations: one training file holds one TRL format", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b" }, { id: "a/c", format: "text" }] } });
    const d = find(diagnosticsOf(text), CODE, "data.datasets[1] is `text` but data.datasets[0] is conversational; one training file holds one TRL format");
    expect(d.location?.line).toBe(lineOf(text, "format: text"));
    const synthetic = recipeYaml({ data: { datasets: [{ id: "a/c", format: "text" }] }, sources: { synthetic: { allow: true } } });
    find(diagnosticsOf(synthetic), CODE, "synthetic data is conversations, and the datasets are `text`; they cannot share a training file");
  });

  it("refuses an empty list of prompt columns, with the schema's words", () => {
    const text = recipeYaml({ data: { datasets: [{ id: "a/b", format: "prompt-completion", columns: { prompt: [] } }] } });
    expect(diagnosticsOf(text).some((d) => d.location?.line === lineOf(text, "prompt: []"))).toBe(true);
  });
});

describe("preference data and the dpo method", () => {
  const pairs = { path: "pairs.jsonl", format: "preference" };
  it("dpo needs preference data, at the dataset's format", () => {
    const text = recipeYaml({ training: { method: "dpo" }, data: { datasets: [{ path: "train.jsonl", format: "conversational" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.method is dpo, which trains on preference pairs, but data.datasets[0] is `conversational`");
    expect(d.hint).toBe("set format: preference and map columns prompt, chosen and rejected");
    expect(d.location?.line).toBe(lineOf(text, "format: conversational"));
  });

  it("preference data needs dpo", () => {
    const text = recipeYaml({ data: { datasets: [pairs] } });
    find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "data.datasets[0] is `preference`, which only training.method dpo trains on");
  });

  it("columns belong to their format", () => {
    const text = recipeYaml({ training: { method: "dpo" }, data: { datasets: [{ ...pairs, columns: { completion: "answer" } }] } });
    find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "columns.completion does not apply to the `preference` format (prompt, chosen, rejected)");
    const chat = recipeYaml({ data: { datasets: [{ path: "train.jsonl", columns: { chosen: "good" } }] } });
    find(diagnosticsOf(chat), "INTERN_RECIPE_INVALID", "columns.chosen belongs to the `preference` format, not `conversational`");
  });

  it("a dpo recipe with preference data validates, and its keys are checked against `trl dpo`'s table", () => {
    const ok = recipeYaml({ training: { method: "dpo", hyperparameters: { beta: 0.1, learning_rate: 1e-5 } }, data: { datasets: [pairs] } });
    expect(compileText(ok).validated.recipe.training.method).toBe("dpo");
    const typo = recipeYaml({ training: { method: "dpo", hyperparameters: { betta: 0.1 } }, data: { datasets: [pairs] } });
    expect(find(diagnosticsOf(typo), "INTERN_TRL_UNKNOWN_KEY", /`betta` is not a key of TRL 1.13.0/).hint).toBe("did you mean `beta`?");
    // beta is DPO's: SFT does not know it.
    const sft = recipeYaml({ training: { hyperparameters: { beta: 0.1 } } });
    find(diagnosticsOf(sft), "INTERN_TRL_UNKNOWN_KEY", /`beta` is not a key of TRL 1.13.0/);
  });
});

describe("unpaired preference data and the kto method", () => {
  const rows = { path: "rows.jsonl", format: "unpaired-preference" };
  it("kto needs unpaired-preference data, and that data needs kto", () => {
    const text = recipeYaml({ training: { method: "kto" }, data: { datasets: [{ path: "pairs.jsonl", format: "preference" }] } });
    const d = find(diagnosticsOf(text), "INTERN_RECIPE_INVALID", "training.method is kto, which trains on completions labelled desirable or not, but data.datasets[0] is `preference`");
    expect(d.hint).toBe("set format: unpaired-preference and map columns prompt, completion and label");
    expect(d.location?.line).toBe(lineOf(text, "format: preference"));
    const sft = find(diagnosticsOf(recipeYaml({ data: { datasets: [rows] } })), "INTERN_RECIPE_INVALID", "data.datasets[0] is `unpaired-preference`, which only training.method kto trains on");
    expect(sft.hint).toBe("set training.method: kto, or map the dataset to a conversational format");
  });

  it("columns belong to their format", () => {
    find(diagnosticsOf(recipeYaml({ training: { method: "kto" }, data: { datasets: [{ ...rows, columns: { chosen: "good" } }] } })), "INTERN_RECIPE_INVALID", "columns.chosen does not apply to the `unpaired-preference` format (prompt, completion, label)");
    find(diagnosticsOf(recipeYaml({ data: { datasets: [{ path: "t.jsonl", format: "prompt-completion", columns: { label: "ok" } }] } })), "INTERN_RECIPE_INVALID", "columns.label belongs to the `unpaired-preference` format, not `prompt-completion`");
  });

  it("a kto recipe validates with its columns mapped, and its keys are checked against `trl kto`'s table", () => {
    const ok = compileText(recipeYaml({ training: { method: "kto", hyperparameters: { beta: 0.1, desirable_weight: 1.5 } }, data: { datasets: [{ ...rows, columns: { completion: "answer", label: "good" } }] } }));
    expect(ok.validated.recipe.data.datasets![0]!.columns).toMatchObject({ prompt: "prompt", completion: "answer", label: "good" });
    const typo = recipeYaml({ training: { method: "kto", hyperparameters: { desirable_wieght: 1.5 } }, data: { datasets: [rows] } });
    expect(find(diagnosticsOf(typo), "INTERN_TRL_UNKNOWN_KEY", /`desirable_wieght` is not a key of TRL 1.13.0/).hint).toBe("did you mean `desirable_weight`?");
  });

  it("refuses what `trl kto` refuses at start-up: random sampling or a batch of one with a KL-estimating loss", () => {
    const text = recipeYaml({ training: { method: "kto", hyperparameters: { train_sampling_strategy: "random", per_device_train_batch_size: 1 } }, data: { datasets: [rows] } });
    const sampling = find(diagnosticsOf(text), "INTERN_TRL_VALUE", /^KTO's loss `kto` estimates the KL term from neighbouring rows of a batch, so train_sampling_strategy must be `sequential`, not `random`$/);
    expect(sampling.location?.line).toBe(lineOf(text, "train_sampling_strategy: random"));
    find(diagnosticsOf(text), "INTERN_TRL_VALUE", /so per_device_train_batch_size must be at least 2$/);
    // apo_zero_unpaired estimates no KL term: both are fine.
    const apo = recipeYaml({ training: { method: "kto", hyperparameters: { loss_type: "apo_zero_unpaired", train_sampling_strategy: "random", per_device_train_batch_size: 1 } }, data: { datasets: [rows] } });
    expect(compileText(apo).validated.recipe.training.method).toBe("kto");
  });
});
