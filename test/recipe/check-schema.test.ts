import { describe, expect, it } from "vitest";
import { formatDiagnostic, formatDiagnostics } from "../../src/cli/print-diagnostics.js";
import { diagnosticsOf, fixture, lineOf, colOf, only, recipeYaml } from "../helpers/recipe.js";

/** The one schema diagnostic for a recipe with `changes`, with the text it came from. */
function schemaError(changes: Record<string, unknown>) {
  const text = recipeYaml(changes);
  const diagnostics = diagnosticsOf(text);
  expect(diagnostics).toHaveLength(1);
  return { text, d: only(diagnostics, "INTERN_RECIPE_INVALID") };
}

describe("schema errors", () => {
  it("prints budget.gpu_hours: 0 as FILE:LINE:COL: message (CODE) with a caret", () => {
    const { text, d } = schemaError({ budget: { gpu_hours: 0 } });
    const line = lineOf(text, "gpu_hours: 0");
    expect(d.message).toBe("budget.gpu_hours must be > 0, not 0");
    expect(d.location).toEqual({ file: "recipe.yaml", line, col: 14 });
    expect(formatDiagnostic(d)).toBe(
      `recipe.yaml:${line}:14: budget.gpu_hours must be > 0, not 0 (INTERN_RECIPE_INVALID)\n` +
        `  ${line} |   gpu_hours: 0\n` +
        `  ${" ".repeat(String(line).length)} |              ^\n`,
    );
  });

  it("reports a wrong type at the value", () => {
    const { text, d } = schemaError({ compute: { gpus: "many" } });
    expect(d.message).toBe('compute.gpus must be integer, not "many"');
    expect(d.location).toMatchObject({ line: lineOf(text, "gpus: many"), col: colOf(text, "many") });
  });

  it("names a list or a mapping where a value was expected", () => {
    expect(schemaError({ goal: ["a", "b"] }).d.message).toBe("goal must be string, not a list");
    expect(schemaError({ budget: { wall_clock: { hours: 2 } } }).d.message).toBe("budget.wall_clock must be string, not a mapping");
  });

  it("suggests the key meant for a misspelled top-level key", () => {
    const text = fixture("recipes/minimal.yaml").replace("budget:", "budjet:");
    const diagnostics = diagnosticsOf(text);
    const unknown = diagnostics.find((d) => d.message === "unknown key `budjet`")!;
    expect(unknown.hint).toBe("did you mean `budget`?");
    expect(unknown.location).toMatchObject({ line: lineOf(text, "budjet:"), col: 1 });
    // The real key is then missing: both are reported.
    expect(diagnostics.map((d) => d.message)).toContain("recipe is missing required key `budget`");
  });

  it("suggests the key meant for a misspelled nested key, pointing at the key", () => {
    const text = fixture("recipes/minimal.yaml").replace("gpu_hours: 10", "gpu_hour: 10");
    const d = only(diagnosticsOf(text), "INTERN_RECIPE_INVALID");
    expect(d.message).toBe("unknown key `budget.gpu_hour`");
    expect(d.hint).toBe("did you mean `gpu_hours`?");
    expect(d.location).toMatchObject({ line: lineOf(text, "gpu_hour:"), col: 3 });
  });

  it("lists the known keys when no key is close", () => {
    const { d } = schemaError({ budget: { gpu_hours: 10, wall_clock: "8h", banana: 1 } });
    expect(d.message).toBe("unknown key `budget.banana`");
    expect(d.hint).toBe("known keys here: gpu_hours, wall_clock, llm, iterations");
  });

  it("reports an unknown key inside a list entry with its index", () => {
    const { d } = schemaError({ data: { datasets: [{ id: "a/b", licence: "mit" }] } });
    expect(d.message).toBe("unknown key `data.datasets[0].licence`");
    expect(d.hint).toBe("did you mean `license`?");
  });

  it("lists the allowed values of an enum", () => {
    const { text, d } = schemaError({ compute: { backend: "slurmm" } });
    expect(d.message).toBe('compute.backend must be one of "local", "slurm", "kubernetes", not "slurmm"');
    expect(d.location?.line).toBe(lineOf(text, "backend: slurmm"));
  });

  it("explains a bad duration with the accepted forms", () => {
    const { text, d } = schemaError({ training: { time_limit: "10 hours" } });
    expect(d.message).toBe('training.time_limit: "10 hours" is not a duration: `90s`, `45m`, `2h`, `1h30m`, `2d`, or Slurm\'s `HH:MM:SS` / `D-HH:MM:SS`.');
    expect(d.location).toMatchObject({ line: lineOf(text, "time_limit: 10 hours"), col: colOf(text, "10 hours") });
  });

  it("reports a wrong constant", () => {
    expect(schemaError({ apiVersion: "intern/v2" }).d.message).toBe('apiVersion must be "intern/v1", not "intern/v2"');
  });

  it("reports a missing required key at the mapping that lacks it", () => {
    const { text, d } = schemaError({ benchmark: { metric: undefined } });
    expect(d.message).toBe("benchmark is missing required key `metric`");
    expect(d.location).toMatchObject({ line: lineOf(text, "benchmark:"), col: 1 });
  });

  it("reports minimum and maximum bounds", () => {
    expect(schemaError({ budget: { iterations: 0 } }).d.message).toBe("budget.iterations must be >= 1, not 0");
    expect(schemaError({ data: { datasets: [{ id: "a/b", fraction: 1.5 }] } }).d.message).toBe("data.datasets[0].fraction must be <= 1, not 1.5");
  });

  it("reports one error for a value no anyOf branch accepts", () => {
    const { d } = schemaError({ benchmark: { batch_size: "big" } });
    expect(d.message).toBe('benchmark.batch_size: "big" is not valid: Evaluation batch size, or `auto` to let the harness choose.');
  });

  it("reports an invalid hyperparameter name at the key", () => {
    const text = recipeYaml({ training: { hyperparameters: { "Learning-Rate": 1 } } });
    const d = only(diagnosticsOf(text), "INTERN_RECIPE_INVALID");
    expect(d.message).toBe("training.hyperparameters.Learning-Rate: invalid key name");
    expect(d.location?.line).toBe(lineOf(text, "Learning-Rate:"));
  });

  it("reports a pattern mismatch", () => {
    expect(schemaError({ name: "Tiny_SFT" }).d.message).toMatch(/^name: "Tiny_SFT" is not valid: Recipe name: lower-case letters/);
  });
});

describe("several errors in one file", () => {
  const text = fixture("recipes/several-errors.yaml");
  const diagnostics = diagnosticsOf(text, "several-errors.yaml");

  it("reports every error at once, each at its own line", () => {
    const at = (d: (typeof diagnostics)[number]) => [d.location!.line, d.location!.col, d.message];
    expect(diagnostics.map(at).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [1, 1, "recipe is missing required key `budget`"],
      [13, 1, "unknown key `budjet`"],
      [16, 9, 'compute.gpus must be integer, not "many"'],
      [17, 12, 'compute.backend must be one of "local", "slurm", "kubernetes", not "slurmm"'],
      [19, 15, expect.stringMatching(/^training\.time_limit: "10 hours" is not a duration/)],
    ]);
    expect(diagnostics.every((d) => d.code === "INTERN_RECIPE_INVALID" && d.severity === "error")).toBe(true);
  });

  it("prints a snippet with a caret under each column and a count", () => {
    const out = formatDiagnostics(diagnostics);
    expect(out).toContain("several-errors.yaml:16:9: compute.gpus must be integer, not \"many\" (INTERN_RECIPE_INVALID)\n  16 |   gpus: many\n     |         ^\n");
    expect(out).toContain("several-errors.yaml:17:12: compute.backend");
    expect(out).toContain("  17 |   backend: slurmm\n     |            ^\n");
    expect(out).toContain("  13 | budjet:\n     | ^\n  hint: did you mean `budget`?\n");
    expect(out.endsWith("\n5 errors\n")).toBe(true);
  });
});

describe("schema and semantic errors together", () => {
  it("reports a semantic error alongside schema errors, in line order, but not echoes of a schema error", () => {
    const text = recipeYaml({ budget: { gpu_hours: 0 }, training: { hyperparameters: { max_seq_length: 512 } }, data: { datasets: [{ id: "a/b", fraction: 1.5 }] } });
    const diagnostics = diagnosticsOf(text);
    const codes = diagnostics.map((d) => d.code);
    expect(codes).toContain("INTERN_TRL_UNKNOWN_KEY");
    expect(diagnostics.filter((d) => d.code === "INTERN_RECIPE_INVALID").map((d) => d.message)).toEqual(
      expect.arrayContaining(["budget.gpu_hours must be > 0, not 0", "data.datasets[0].fraction must be <= 1, not 1.5"]),
    );
    // The fraction's schema error is not repeated as "fractions add up to 1.5".
    expect(diagnostics.some((d) => d.message.includes("add up to"))).toBe(false);
    const lines = diagnostics.map((d) => d.location!.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });
});
