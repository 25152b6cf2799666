import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StageGraph } from "../../src/graph/types.js";
import { loadTemplates, templateDigests } from "../../src/project/load.js";
import { cli } from "../helpers/cli.js";
import { compileText, recipeYaml, ROOT, tempDir } from "../helpers/recipe.js";

const chat = { path: "train.jsonl", format: "conversational" };
const pairs = { path: "pairs.jsonl", format: "preference" };

function chain(sft: Record<string, unknown> = {}, dpo: Record<string, unknown> = { beta: 0.1 }, datasets: unknown[] = [chat, pairs]): string {
  return recipeYaml({ data: { datasets }, training: { hyperparameters: { learning_rate: 2e-5, ...sft }, time_limit: "1h", then: [{ method: "dpo", hyperparameters: dpo, time_limit: "30m" }] } });
}

const DIGESTS = templateDigests(loadTemplates(compileText(chain()).validated, ROOT));
const graphOf = (text: string): StageGraph => compileText(text, { digests: DIGESTS }).graph;
const stage = (g: StageGraph, id: string) => g.stages.find((s) => s.id === id)!;

/** Ids whose key differs between two graphs of the same stages. */
function changed(a: StageGraph, b: StageGraph): string[] {
  expect(b.stages.map((s) => s.id)).toEqual(a.stages.map((s) => s.id));
  return b.stages.filter((s) => s.key !== stage(a, s.id).key).map((s) => s.id);
}

describe("a chained recipe's graph", () => {
  const base = graphOf(chain());

  it("has a train stage per method, each after its method's prepare stage; the second after the first; evaluation after the last", () => {
    expect(base.stages.map((s) => s.id)).toEqual(["baseline", "prepare", "prepare-dpo", "train", "train-dpo", "evaluate", "report"]);
    expect(stage(base, "train").needs).toEqual(["prepare"]);
    expect(stage(base, "train-dpo").needs).toEqual(["prepare-dpo", "train"]);
    expect(stage(base, "evaluate").needs).toEqual(["train-dpo"]);
    expect(stage(base, "train-dpo")).toMatchObject({ kind: "train", placement: "job", templates: ["trl/dpo.yaml.hbs", "accelerate/cpu.yaml.hbs", "jobs/train.sh.hbs", "jobs/job.sh.hbs"] });
    expect(stage(base, "train").templates[0]).toBe("trl/sft.yaml.hbs");
    // Each train stage has its own time limit.
    expect(stage(base, "train").resources!.timeLimitSeconds).toBe(3600);
    expect(stage(base, "train-dpo").resources!.timeLimitSeconds).toBe(1800);
    // Each prepare stage reads its own method's datasets.
    expect((stage(base, "prepare").params.datasets as { format: string }[]).map((d) => d.format)).toEqual(["conversational"]);
    expect((stage(base, "prepare-dpo").params.datasets as { format: string }[]).map((d) => d.format)).toEqual(["preference"]);
    expect(stage(base, "train-dpo").params).toMatchObject({ method: "dpo", start: "output of train", hyperparameters: { beta: 0.1 }, phase: 2 });
  });

  it("changing the dpo stage's hyperparameters leaves the sft stage's key alone", () => {
    expect(changed(base, graphOf(chain({}, { beta: 0.2 })))).toEqual(["train-dpo", "evaluate", "report"]);
  });

  it("changing the sft stage's hyperparameters moves the dpo stage too: it starts from the sft model", () => {
    expect(changed(base, graphOf(chain({ learning_rate: 3e-5 })))).toEqual(["train", "train-dpo", "evaluate", "report"]);
  });

  it("changing the preference data moves only its prepare stage and what follows it", () => {
    expect(changed(base, graphOf(chain({}, { beta: 0.1 }, [chat, { ...pairs, split: "other" }])))).toEqual(["prepare-dpo", "train-dpo", "evaluate", "report"]);
  });

  it("a chain of three names a repeated method's stage by its place", () => {
    const g = graphOf(recipeYaml({ data: { datasets: [chat, pairs] }, training: { then: [{ method: "dpo" }, { method: "sft" }, { method: "dpo" }] } }));
    expect(g.stages.filter((s) => s.kind === "train").map((s) => [s.id, s.needs])).toEqual([
      ["train", ["prepare"]],
      ["train-dpo", ["prepare-dpo", "train"]],
      ["train-sft-3", ["prepare", "train-dpo"]],
      ["train-dpo-4", ["prepare-dpo", "train-sft-3"]],
    ]);
    expect(g.stages.filter((s) => s.kind === "prepare").map((s) => s.id)).toEqual(["prepare", "prepare-dpo"]);
  });

  it("a matrix over a later stage's key makes a trial per value, sharing the sft stages", () => {
    const text = recipeYaml({ data: { datasets: [chat, pairs] }, training: { then: [{ method: "dpo" }] }, matrix: { "training.then.0.hyperparameters.beta": [0.1, 0.3] } });
    const ids = graphOf(text).stages.map((s) => s.id);
    expect(ids).toEqual(["baseline", "prepare", "prepare-dpo", "train", "train-dpo.t1", "evaluate.t1", "train-dpo.t2", "evaluate.t2", "report"]);
  });

  it("a later stage without a seed of its own takes the first stage's; one with its own keeps it", () => {
    const seeded = graphOf(chain({ seed: 5 }));
    expect(stage(seeded, "train").params.hyperparameters).toMatchObject({ seed: 5 });
    expect(stage(seeded, "train-dpo").params.hyperparameters).toEqual({ beta: 0.1, seed: 5 });
    expect(stage(graphOf(chain({ seed: 5 }, { beta: 0.1, seed: 2 })), "train-dpo").params.hyperparameters).toEqual({ beta: 0.1, seed: 2 });
    // Without a first seed, nothing is added: TRL's default applies to both.
    expect(stage(base, "train-dpo").params.hyperparameters).toEqual({ beta: 0.1 });
  });

  it("a matrix over the first stage's seed trains every stage of the chain with it", () => {
    const text = recipeYaml({ data: { datasets: [chat, pairs] }, training: { then: [{ method: "dpo" }] }, matrix: { "training.hyperparameters.seed": [1, 2] } });
    const g = graphOf(text);
    expect(g.stages.map((s) => s.id)).toEqual(["baseline", "prepare", "prepare-dpo", "train.t1", "train-dpo.t1", "evaluate.t1", "train.t2", "train-dpo.t2", "evaluate.t2", "report"]);
    expect(stage(g, "train-dpo.t1").params.hyperparameters).toEqual({ seed: 1 });
    expect(stage(g, "train-dpo.t2").params.hyperparameters).toEqual({ seed: 2 });
  });
});

describe("intern plan and graph on the chained quickstart", () => {
  // A copy, so that runs of the recipe in this checkout (its cache) do not change what plan says.
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  cpSync(join(ROOT, "recipes", "quickstart"), join(tmp.dir, "quickstart"), { recursive: true });
  cpSync(join(ROOT, "recipes", "quickstart-sft-dpo.yaml"), join(tmp.dir, "quickstart-sft-dpo.yaml"));

  it("plan lists both train stages with their time limits and counts both in the budget", async () => {
    const r = await cli(["plan", "quickstart-sft-dpo.yaml"], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prepare\s+prepare\s+deterministic\s+control\s+-\s+-\s+10m\s+-\s+run$/m);
    expect(r.stdout).toMatch(/^prepare-dpo\s+prepare\s+deterministic\s+control\s+-\s+-\s+10m\s+-\s+run$/m);
    expect(r.stdout).toMatch(/^train\s+train\s+deterministic\s+job\s+prepare,make-model\s+-\s+10m\s+-\s+run$/m);
    expect(r.stdout).toMatch(/^train-dpo\s+train\s+deterministic\s+job\s+prepare-dpo,train\s+-\s+10m\s+-\s+run$/m);
    expect(r.stdout).toMatch(/^evaluate\s+evaluate\s+deterministic\s+job\s+train-dpo\s+/m);
    // The longest path: prepare 10m, train 10m, train-dpo 10m, evaluate 10m, report 30s.
    expect(r.stdout).toMatch(/^wall_clock\s+40m30s\s+40m30s\s+45m$/m);
  });

  it("graph draws the dpo stage after the sft stage", async () => {
    const r = await cli(["graph", "quickstart-sft-dpo.yaml"], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("s_train --> s_train_dpo");
    expect(r.stdout).toContain("s_prepare_dpo --> s_train_dpo");
    expect(r.stdout).toContain("s_train_dpo --> s_evaluate");
  });
});
