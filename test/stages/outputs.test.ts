import { describe, expect, it } from "vitest";
import type { Stage, StageKind } from "../../src/graph/types.js";
import { needOutput } from "../../src/stages/outputs.js";
import type { StageContext } from "../../src/stages/types.js";

const stage = (id: string, kind: StageKind, needs: string[] = []): Stage => ({
  id, name: id, kind, mode: "deterministic", placement: "control-plane", needs, trials: [], pass: null, conditional: false, params: {},
  resources: null, templates: [], outputs: [], key: id, description: id,
});

describe("needOutput", () => {
  const discover = stage("discover", "discover");
  const decide = stage("decide.p1", "decide");
  const prepare = stage("prepare.p2", "prepare", ["discover", "decide.p1"]);
  const ctx = {
    stage: prepare,
    graph: { recipe: "r", stages: [discover, decide, prepare], trials: [] },
    needOutputs: new Map<string, Record<string, unknown>>([["discover", { mix: [{ id: "a/b" }] }], ["decide.p1", { decision: "continue", hyperparameters: { learning_rate: 1e-5 } }]]),
  } as unknown as StageContext;

  it("gives the outputs of the need of that kind", () => {
    expect(needOutput(ctx, "discover")?.mix).toEqual([{ id: "a/b" }]);
    expect(needOutput(ctx, "decide")?.hyperparameters).toEqual({ learning_rate: 1e-5 });
  });

  it("is undefined when the stage needs no stage of that kind", () => {
    expect(needOutput(ctx, "synthesize")).toBeUndefined();
    expect(needOutput({ ...ctx, stage: discover }, "decide")).toBeUndefined();
  });
});
