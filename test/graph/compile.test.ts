import { describe, expect, it } from "vitest";
import type { Stage, StageGraph } from "../../src/graph/types.js";
import { compileText, fixture, recipeYaml } from "../helpers/recipe.js";

const graphOf = (text: string) => compileText(text).graph;
const ids = (g: StageGraph) => g.stages.map((s) => s.id);
const stage = (g: StageGraph, id: string): Stage => {
  const s = g.stages.find((x) => x.id === id);
  if (!s) throw new Error(`no stage ${id} in ${ids(g).join(", ")}`);
  return s;
};
/** Every stage `id` waits for, directly or not. */
function ancestors(g: StageGraph, id: string): Set<string> {
  const out = new Set<string>();
  const walk = (x: string) => stage(g, x).needs.forEach((n) => out.has(n) || (out.add(n), walk(n)));
  walk(id);
  return out;
}
const LLM = { budget: { llm: { tokens: 5_000_000 } } };

describe("agentic stages appear only for what the recipe leaves open", () => {
  it("pinned data, one pass: no agentic stage at all", () => {
    const g = graphOf(recipeYaml());
    expect(ids(g)).toEqual(["baseline", "prepare", "train", "evaluate", "report"]);
    expect(g.stages.every((s) => s.mode === "deterministic")).toBe(true);
  });

  it("open data: research then discover, before prepare", () => {
    const g = graphOf(recipeYaml({ data: undefined, ...LLM }));
    expect(stage(g, "research")).toMatchObject({ mode: "agentic", placement: "control-plane", needs: [] });
    expect(stage(g, "discover")).toMatchObject({ mode: "agentic", needs: ["research"] });
    expect(stage(g, "prepare").needs).toEqual(["discover"]);
    expect(ids(g)).not.toContain("decide");
  });

  it("synthetic data allowed: a synthesize stage that prepare waits for", () => {
    const g = graphOf(recipeYaml({ sources: { synthetic: { allow: true, max_examples: 50 } }, ...LLM }));
    expect(stage(g, "synthesize")).toMatchObject({ mode: "agentic", needs: [], params: { max_examples: 50 } });
    expect(stage(g, "prepare").needs).toEqual(["synthesize"]);
    expect(ids(g)).not.toContain("research");
  });

  it("synthesize follows discover when both are open", () => {
    const g = graphOf(recipeYaml({ data: undefined, sources: { synthetic: { allow: true } }, ...LLM }));
    expect(stage(g, "synthesize").needs).toEqual(["discover"]);
    expect(stage(g, "prepare").needs).toEqual(["discover", "synthesize"]);
  });

  it("one pass: no decide stage; several passes: one decide after each evaluation but the last", () => {
    expect(ids(graphOf(recipeYaml())).some((id) => id.startsWith("decide"))).toBe(false);
    const g = graphOf(fixture("recipes/open-data.yaml"));
    expect(ids(g).filter((id) => id.startsWith("decide"))).toEqual(["decide.p1", "decide.p2"]);
    expect(stage(g, "decide.p1")).toMatchObject({ mode: "agentic", needs: ["evaluate.p1", "baseline"] });
  });
});

describe("baseline", () => {
  for (const [what, text] of [["one pass", recipeYaml()], ["three passes", fixture("recipes/open-data.yaml")]] as const) {
    it(`evaluates the base model independently of training (${what})`, () => {
      const g = graphOf(text);
      const baseline = stage(g, "baseline");
      expect(baseline).toMatchObject({ kind: "evaluate", placement: "job", needs: [], conditional: false });
      expect(baseline.params.model).toMatchObject({ kind: "hub", id: "Qwen/Qwen3-0.6B" });
      // The first pass does not wait for it (later passes do, through decide, which compares with it).
      for (const s of g.stages.filter((x) => (x.kind === "train" || x.kind === "prepare") && !x.conditional)) expect(ancestors(g, s.id)).not.toContain("baseline");
      // It may run first: it comes before every train stage in the order.
      const order = ids(g);
      expect(order.indexOf("baseline")).toBeLessThan(Math.min(...order.flatMap((id, i) => (id.startsWith("train") ? [i] : []))));
    });
  }
});

describe("passes", () => {
  const g = graphOf(fixture("recipes/open-data.yaml"));

  it("expands prepare, train and evaluate per pass", () => {
    expect(ids(g)).toEqual([
      "research", "discover", "baseline",
      "prepare.p1", "train.p1", "evaluate.p1", "decide.p1",
      "prepare.p2", "train.p2", "evaluate.p2", "decide.p2",
      "prepare.p3", "train.p3", "evaluate.p3",
      "report",
    ]);
    expect(stage(g, "train.p2").needs).toEqual(["prepare.p2", "decide.p1"]);
    expect(stage(g, "prepare.p3").needs).toEqual(["discover", "decide.p2"]);
  });

  it("marks every stage after the first pass conditional, and nothing else", () => {
    const conditional = g.stages.filter((s) => s.conditional).map((s) => s.id);
    expect(conditional).toEqual(["prepare.p2", "train.p2", "evaluate.p2", "decide.p2", "prepare.p3", "train.p3", "evaluate.p3"]);
    expect(stage(g, "train.p3").pass).toBe(3);
  });

  it("prepares pinned data once for all passes", () => {
    const pinned = graphOf(recipeYaml({ budget: { iterations: 2, llm: { tokens: 1_000_000 } } }));
    expect(ids(pinned).filter((id) => id.startsWith("prepare"))).toEqual(["prepare"]);
    expect(stage(pinned, "train.p2").needs).toEqual(["prepare", "decide.p1"]);
  });

  it("ends with a report that waits for every evaluation and decision", () => {
    const report = g.stages[g.stages.length - 1]!;
    expect(report.id).toBe("report");
    expect(report.needs).toEqual(["baseline", "evaluate.p1", "decide.p1", "evaluate.p2", "decide.p2", "evaluate.p3"]);
  });
});

describe("matrix", () => {
  const g = graphOf(fixture("recipes/matrix-lr.yaml"));

  it("merges stages equal across trials and gives the others a trial suffix", () => {
    expect(ids(g)).toEqual(["baseline", "prepare", "train.t1", "evaluate.t1", "train.t2", "evaluate.t2", "train.t3", "evaluate.t3", "report"]);
    expect(stage(g, "baseline").trials).toEqual([]);
    expect(stage(g, "prepare").trials).toEqual([]);
    expect(stage(g, "train.t2")).toMatchObject({ trials: [2], needs: ["prepare"] });
    expect(stage(g, "train.t2").params.hyperparameters).toEqual({ num_train_epochs: 1, learning_rate: 2e-5 });
    expect(stage(g, "evaluate.t3").needs).toEqual(["train.t3"]);
    expect(g.trials).toEqual([
      { index: 1, label: "learning_rate=0.00001" },
      { index: 2, label: "learning_rate=0.00002" },
      { index: 3, label: "learning_rate=0.00005" },
    ]);
  });

  it("runs trials as parallel branches that meet only at the report", () => {
    for (const t of [1, 2, 3]) {
      const others = [1, 2, 3].filter((o) => o !== t).flatMap((o) => [`train.t${o}`, `evaluate.t${o}`]);
      for (const id of [`train.t${t}`, `evaluate.t${t}`]) expect([...ancestors(g, id)].filter((a) => others.includes(a))).toEqual([]);
    }
    expect(stage(g, "report").needs).toEqual(["baseline", "evaluate.t1", "evaluate.t2", "evaluate.t3"]);
  });

  it("splits data preparation per trial when the matrix changes the data", () => {
    const seeds = graphOf(recipeYaml({ compute: { gpus: 1 }, budget: { gpu_hours: 20 }, matrix: { "data.seed": [1, 2] } }));
    expect(ids(seeds)).toEqual(["baseline", "prepare.t1", "train.t1", "evaluate.t1", "prepare.t2", "train.t2", "evaluate.t2", "report"]);
    expect(stage(seeds, "train.t2").needs).toEqual(["prepare.t2"]);
  });

  it("puts the trial before the pass in an id", () => {
    const text = fixture("recipes/matrix-lr.yaml").replace("  wall_clock: 8h", "  wall_clock: 24h\n  iterations: 2\n  llm:\n    tokens: 1000000");
    const both = graphOf(text);
    expect(ids(both)).toContain("train.t2.p2");
    expect(stage(both, "train.t2.p2").needs).toEqual(["prepare", "decide.t2.p1"]);
  });
});
