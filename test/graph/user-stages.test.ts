import { describe, expect, it } from "vitest";
import type { StageGraph } from "../../src/graph/types.js";
import { compileText, diagnosticsOf, lineOf, only, recipeYaml } from "../helpers/recipe.js";

type StageIn = { name: string; run?: string; needs?: string[]; before?: string[]; placement?: string; gpus?: number };
const withStages = (stages: StageIn[], changes: Record<string, unknown> = {}) =>
  recipeYaml({ ...changes, stages: stages.map((s) => ({ run: `echo ${s.name}`, ...s })) });
const THREE_PASSES = { budget: { iterations: 3, gpu_hours: 40, wall_clock: "24h", llm: { tokens: 1_000_000 } } };
const stage = (g: StageGraph, id: string) => {
  const s = g.stages.find((x) => x.id === id);
  if (!s) throw new Error(`no stage ${id} in ${ids(g).join(", ")}`);
  return s;
};
const ids = (g: StageGraph) => g.stages.map((s) => s.id);

describe("unknown needs", () => {
  it("suggests the stage meant, at the misspelled entry", () => {
    const text = withStages([{ name: "export", needs: ["evaluate", "trian"] }]);
    const d = only(diagnosticsOf(text), "INTERN_UNKNOWN_NEED");
    expect(d.message).toBe("stage export needs unknown stage `trian`");
    expect(d.hint).toBe("did you mean `train`?");
    expect(d.location).toMatchObject({ line: lineOf(text, "- trian"), col: 9 });
  });

  it("suggests among the recipe's own stages too", () => {
    const d = only(diagnosticsOf(withStages([{ name: "lint-data", needs: ["prepare"] }, { name: "export", needs: ["lint-dta"] }])), "INTERN_UNKNOWN_NEED");
    expect(d.hint).toBe("did you mean `lint-data`?");
  });

  it("lists the stages when nothing is close", () => {
    const d = only(diagnosticsOf(withStages([{ name: "export", needs: ["zzzzzzzz"] }])), "INTERN_UNKNOWN_NEED");
    expect(d.hint).toBe("stages here: baseline, prepare, train, evaluate, export");
  });

  it("reports an unknown before entry", () => {
    const text = withStages([{ name: "check", before: ["trainn"] }]);
    const d = only(diagnosticsOf(text), "INTERN_UNKNOWN_NEED");
    expect(d.message).toBe("stage check runs before unknown stage `trainn`");
    expect(d.location?.line).toBe(lineOf(text, "- trainn"));
  });

  it.each([
    ["discover", {}, "the recipe pins its datasets, so there is no discover stage"],
    ["research", {}, "the recipe pins its datasets, so there is no research stage"],
    ["decide", {}, "budget.iterations is 1, so there is no decide stage"],
    ["synthesize", {}, "sources.synthetic.allow is off, so there is no synthesize stage"],
  ])("explains why %s is absent", (name, changes, why) => {
    const text = withStages([{ name: "export", needs: [name] }], changes);
    const d = only(diagnosticsOf(text), "INTERN_UNKNOWN_NEED");
    expect(d.message).toBe(`stage export needs \`${name}\`, but ${why}`);
    expect(d.hint).toBeUndefined();
    expect(d.location?.line).toBe(lineOf(text, `- ${name}`));
  });

  it("accepts discover when the data is open", () => {
    const g = compileText(withStages([{ name: "audit", needs: ["discover"], placement: "control-plane" }], { data: undefined, budget: { llm: { tokens: 1_000_000 } } })).graph;
    expect(stage(g, "audit").needs).toEqual(["discover"]);
  });

  it("refuses a stage that needs the report", () => {
    const text = withStages([{ name: "export", needs: ["report"] }]);
    const d = only(diagnosticsOf(text), "INTERN_UNKNOWN_NEED");
    expect(d.message).toBe("stage export cannot need `report`: the report is the last stage of a run");
    expect(d.location?.line).toBe(lineOf(text, "- report"));
  });

  it("accepts a stage before the report, which waits for it anyway", () => {
    const g = compileText(withStages([{ name: "export", needs: ["train"], before: ["report"] }])).graph;
    expect(stage(g, "report").needs).toContain("export");
  });

  it("reports every unknown name at once, once each even with several passes", () => {
    const diagnostics = diagnosticsOf(withStages([{ name: "a", needs: ["trian"] }, { name: "b", needs: ["evalute"] }], THREE_PASSES));
    expect(diagnostics.map((d) => d.hint)).toEqual(["did you mean `train`?", "did you mean `evaluate`?"]);
  });
});

describe("cycles", () => {
  it("prints a cycle between two stages as a <- b <- a, at the first stage's needs", () => {
    const text = withStages([{ name: "a", needs: ["b"] }, { name: "b", needs: ["a"] }]);
    const d = only(diagnosticsOf(text), "INTERN_CYCLE");
    expect(d.message).toBe("stages form a cycle: a <- b <- a");
    expect(d.hint).toBe("each stage waits for the one after its arrow; remove one of these needs/before entries");
    expect(d.location).toMatchObject({ line: lineOf(text, "needs:"), col: 5 });
  });

  it("finds a cycle through built-in stages made by before", () => {
    const text = withStages([{ name: "gate", needs: ["train"], before: ["prepare"] }]);
    const d = only(diagnosticsOf(text), "INTERN_CYCLE");
    expect(d.message).toBe("stages form a cycle: prepare <- gate <- train <- prepare");
    expect(d.location?.line).toBe(lineOf(text, "needs:"));
  });

  it("refuses a stage that lists itself", () => {
    const text = withStages([{ name: "loop", before: ["loop"] }]);
    const d = only(diagnosticsOf(text), "INTERN_CYCLE");
    expect(d.message).toBe("stage loop lists itself in before");
    expect(d.location?.line).toBe(lineOf(text, "- loop"));
  });
});

describe("names", () => {
  it("refuses duplicate names and built-in names before compiling", () => {
    const diagnostics = diagnosticsOf(withStages([{ name: "export" }, { name: "export" }, { name: "train" }]));
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["INTERN_DUPLICATE_STAGE", "duplicate stage name `export` (first at stages[0])"],
      ["INTERN_DUPLICATE_STAGE", "stage name `train` is a built-in stage"],
    ]);
  });
});

describe("placing user stages", () => {
  it("inserts a stage between two built-ins with needs and before", () => {
    const g = compileText(withStages([{ name: "check-data", needs: ["prepare"], before: ["train"], placement: "control-plane" }])).graph;
    expect(stage(g, "check-data")).toMatchObject({ kind: "command", mode: "deterministic", needs: ["prepare"], resources: null, templates: [] });
    expect(stage(g, "train").needs).toEqual(["prepare", "check-data"]);
    expect(ids(g).indexOf("check-data")).toBeLessThan(ids(g).indexOf("train"));
  });

  it("runs a job stage with its own GPUs and the command template", () => {
    const g = compileText(withStages([{ name: "export", needs: ["train"], gpus: 1 }], { compute: { gpus: 1 } })).graph;
    const s = stage(g, "export");
    expect(s).toMatchObject({ placement: "job", needs: ["train"], resources: { nodes: 1, gpus: 1, gpusPerNode: 1, timeLimitSeconds: 3600 } });
    expect(s.templates).toEqual(["jobs/command.sh.hbs", "jobs/job.sh.hbs"]);
    expect(stage(g, "report").needs).toContain("export");
  });

  it("runs a stage that needs train once per pass, after that pass's train", () => {
    const g = compileText(withStages([{ name: "export", needs: ["train"] }], THREE_PASSES)).graph;
    expect(ids(g).filter((id) => id.startsWith("export"))).toEqual(["export.p1", "export.p2", "export.p3"]);
    expect([1, 2, 3].map((p) => stage(g, `export.p${p}`).needs)).toEqual([["train.p1"], ["train.p2"], ["train.p3"]]);
    expect([1, 2, 3].map((p) => stage(g, `export.p${p}`).conditional)).toEqual([false, true, true]);
    expect(stage(g, "export.p2").pass).toBe(2);
  });

  it("skips the last pass for a stage that needs decide", () => {
    const g = compileText(withStages([{ name: "notify", needs: ["decide"], placement: "control-plane" }], THREE_PASSES)).graph;
    expect(ids(g).filter((id) => id.startsWith("notify"))).toEqual(["notify.p1", "notify.p2"]);
    expect(stage(g, "notify.p2").needs).toEqual(["decide.p2"]);
  });

  it("skips the last pass for a stage that needs one that needs decide", () => {
    const g = compileText(withStages([{ name: "notify", needs: ["decide"], placement: "control-plane" }, { name: "log", needs: ["notify"], placement: "control-plane" }], THREE_PASSES)).graph;
    expect(ids(g).filter((id) => id.startsWith("log"))).toEqual(["log.p1", "log.p2"]);
    expect(stage(g, "log.p2").needs).toEqual(["notify.p2"]);
  });

  it("makes a stage per pass when it runs before a per-pass stage, and chains stages that need it", () => {
    const g = compileText(withStages([{ name: "gate", needs: ["prepare"], before: ["train"], placement: "control-plane" }, { name: "audit", needs: ["gate"], placement: "control-plane" }], THREE_PASSES)).graph;
    expect(stage(g, "train.p2").needs).toEqual(["prepare", "decide.p1", "gate.p2"]);
    expect(stage(g, "gate.p2").needs).toEqual(["prepare"]);
    expect([1, 2, 3].map((p) => stage(g, `audit.p${p}`).needs)).toEqual([["gate.p1"], ["gate.p2"], ["gate.p3"]]);
  });

  it("runs a stage that needs only once-only stages once", () => {
    const g = compileText(withStages([{ name: "upload-baseline", needs: ["baseline"], placement: "control-plane" }], THREE_PASSES)).graph;
    expect(ids(g).filter((id) => id.startsWith("upload-baseline"))).toEqual(["upload-baseline"]);
    expect(stage(g, "upload-baseline").pass).toBeNull();
  });
});
