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
