import { describe, expect, it } from "vitest";
import { loadTemplates, templateDigests } from "../../src/project/load.js";
import type { StageGraph } from "../../src/graph/types.js";
import { compileText, recipeYaml, ROOT } from "../helpers/recipe.js";

const keys = (g: StageGraph) => Object.fromEntries(g.stages.map((s) => [s.id, s.key]));
const DIGESTS = templateDigests(loadTemplates(compileText(recipeYaml()).validated, ROOT));

/** Ids whose key differs between two graphs of the same stages. */
function changed(a: StageGraph, b: StageGraph): string[] {
  expect(b.stages.map((s) => s.id)).toEqual(a.stages.map((s) => s.id));
  const before = keys(a);
  return b.stages.filter((s) => s.key !== before[s.id]).map((s) => s.id);
}

/** The stages that wait for any of `ids`, directly or not, with `ids` themselves. */
function withDependents(g: StageGraph, ids: string[]): string[] {
  const out = new Set(ids);
  for (const s of g.stages) if (s.needs.some((n) => out.has(n))) out.add(s.id);
  return g.stages.map((s) => s.id).filter((id) => out.has(id));
}

describe("content keys", () => {
  const base = compileText(recipeYaml(), { digests: DIGESTS }).graph;

  it("are sha256 hex, one per stage, all different", () => {
    const all = base.stages.map((s) => s.key);
    for (const k of all) expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(all).size).toBe(all.length);
  });

  it("are the same for the same recipe", () => {
    expect(keys(compileText(recipeYaml(), { digests: DIGESTS }).graph)).toEqual(keys(base));
  });

  it("do not depend on key order or formatting in the file", () => {
    const reordered = recipeYaml({ training: { hyperparameters: { num_train_epochs: 1, learning_rate: 2e-5 } } }).replace("learning_rate: 0.00002", "learning_rate: 2.0e-5   # the same number");
    expect(keys(compileText(reordered, { digests: DIGESTS }).graph)).toEqual(keys(base));
  });

  it("change for train and what follows it when a hyperparameter changes, not for the baseline", () => {
    const g = compileText(recipeYaml({ training: { hyperparameters: { learning_rate: 3e-5 } } }), { digests: DIGESTS }).graph;
    expect(changed(base, g)).toEqual(["train", "evaluate", "report"]);
  });

  it("change for the baseline and what follows it when the benchmark changes, not for training", () => {
    const g = compileText(recipeYaml({ benchmark: { num_fewshot: 5 } }), { digests: DIGESTS }).graph;
    expect(changed(base, g)).toEqual(["baseline", "evaluate", "report"]);
  });

  it("change for every stage when the data changes, except the baseline", () => {
    const g = compileText(recipeYaml({ data: { seed: 7 } }), { digests: DIGESTS }).graph;
    expect(changed(base, g)).toEqual(["prepare", "train", "evaluate", "report"]);
  });

  it.each([
    ["trl/sft.yaml.hbs", ["train"]],
    ["jobs/evaluate-lm-eval.sh.hbs", ["baseline", "evaluate"]],
    ["jobs/job.sh.hbs", ["baseline", "train", "evaluate"]],
  ])("change only for the stages that render %s, and those after them", (template, renderers) => {
    expect(base.stages.filter((s) => s.templates.includes(template)).map((s) => s.id)).toEqual(renderers);
    const g = compileText(recipeYaml(), { digests: { ...DIGESTS, [template]: "0".repeat(64) } }).graph;
    expect(changed(base, g)).toEqual(withDependents(base, renderers));
  });

  it("do not change for a template no stage renders", () => {
    const g = compileText(recipeYaml(), { digests: { ...DIGESTS, "kubernetes/job.yaml.hbs": "0".repeat(64) } }).graph;
    expect(changed(base, g)).toEqual([]);
  });

  it("change for every stage with intern's version", async () => {
    const { compileGraph } = await import("../../src/graph/compile.js");
    const { validated } = compileText(recipeYaml());
    const next = compileGraph(validated, { templateDigests: DIGESTS, version: "9.9.9" }).graph!;
    expect(changed(base, next)).toEqual(base.stages.map((s) => s.id));
  });

  it("are equal for a stage shared by trials and for the same stage without a matrix", () => {
    const swept = compileText(recipeYaml({ matrix: { "training.hyperparameters.learning_rate": [2e-5, 3e-5] } }), { digests: DIGESTS }).graph;
    expect(swept.stages.find((s) => s.id === "baseline")!.key).toBe(keys(base).baseline);
    expect(swept.stages.find((s) => s.id === "prepare")!.key).toBe(keys(base).prepare);
    // Trial 1 has the learning rate the plain recipe fixes: the same training stage.
    expect(swept.stages.find((s) => s.id === "train.t1")!.key).toBe(keys(base).train);
    expect(swept.stages.find((s) => s.id === "train.t2")!.key).not.toBe(keys(base).train);
  });

  it("of every trial of a two-axis sweep are those of the trial's recipe compiled alone", () => {
    // The axes change one trial's data and the next one's training, back and forth: a key made
    // from an earlier trial's text of a value that has since changed would show here.
    const lrs = [2e-5, 3e-5, 2e-5 * 1.5];
    const seeds = [7, 8];
    const swept = compileText(recipeYaml({ matrix: { "data.seed": seeds, "training.hyperparameters.learning_rate": lrs } }), { digests: DIGESTS }).graph;
    expect(swept.trials).toHaveLength(6);
    for (const trial of swept.trials) {
      const seed = seeds[Math.floor((trial.index - 1) / lrs.length)]!;
      const lr = lrs[(trial.index - 1) % lrs.length]!;
      const alone = keys(compileText(recipeYaml({ data: { seed }, training: { hyperparameters: { learning_rate: lr } } }), { digests: DIGESTS }).graph);
      // The report reads every trial's evaluation: its key is the sweep's, not a trial's.
      const own = swept.stages.filter((s) => s.id !== "report" && (s.trials.length === 0 || s.trials.includes(trial.index)));
      expect(own.map((s) => s.name).sort()).toEqual(Object.keys(alone).filter((id) => id !== "report").sort());
      for (const s of own) expect(s.key, `${s.id} of trial ${trial.index}`).toBe(alone[s.name]);
    }
    expect(new Set(swept.stages.filter((s) => s.name === "train").map((s) => s.key)).size).toBe(6);
    expect(new Set(swept.stages.filter((s) => s.name === "prepare").map((s) => s.key)).size).toBe(2);
  });
});

describe("a digest of the compile's own", () => {
  /** The stages as `validate` counts them: ids, needs and trials, without their keys. */
  const shape = (g: StageGraph) => g.stages.map((s) => ({ id: s.id, needs: s.needs, trials: s.trials }));

  it.each([
    ["a learning-rate sweep, whose trials share their data stages", { matrix: { "training.hyperparameters.learning_rate": [2e-5, 3e-5, 4e-5] } }],
    ["a data-seed sweep, whose trials share only the baseline", { matrix: { "data.seed": [1, 2, 3] } }],
    ["a sweep whose trials are all one", { matrix: { "training.hyperparameters.learning_rate": [2e-5, 2.0e-5] } }],
  ])("that tells different texts apart makes the same stages as sha256 for %s", async (_what, changes) => {
    const { compileGraph } = await import("../../src/graph/compile.js");
    const { validated, graph } = compileText(recipeYaml(changes), { digests: DIGESTS });
    const tokens = new Map<string, string>();
    const token = (text: string) => tokens.get(text) ?? (tokens.set(text, `t${tokens.size}`), `t${tokens.size - 1}`);
    const byName = Object.fromEntries(Object.keys(DIGESTS).map((n) => [n, n]));
    const counted = compileGraph(validated, { templateDigests: byName, version: "0.0.0-test", digest: token }).graph!;
    expect(shape(counted)).toEqual(shape(graph));
    expect(counted.stages.every((s) => /^t\d+$/.test(s.key))).toBe(true);
  });
});
