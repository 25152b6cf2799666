import { describe, expect, it } from "vitest";
import { toDot, toJson, toMermaid } from "../../src/graph/format-graph.js";
import { compileText, fixture, recipeYaml } from "../helpers/recipe.js";

const passes = compileText(fixture("recipes/open-data.yaml")).graph;
const edges = passes.stages.reduce((n, s) => n + s.needs.length, 0);

describe("toMermaid", () => {
  const out = toMermaid(passes);

  it("is a top-down flowchart with one node per stage and one edge per need", () => {
    expect(out.startsWith("flowchart TD\n")).toBe(true);
    expect(out.match(/^ {2}s_\w+[([]/gm)).toHaveLength(passes.stages.length);
    expect(out.match(/ (-->|-\.->) /g)).toHaveLength(edges);
  });

  it("draws agentic stages rounded and classed, jobs as boxes, control-plane steps as stadiums", () => {
    expect(out).toContain('  s_research(["research<br/>research, agentic, control plane"])');
    expect(out).toContain('  s_train_p1["train.p1<br/>train, deterministic, job"]');
    expect(out).toContain('  s_prepare_p1("prepare.p1<br/>prepare, deterministic, control plane")');
    expect(out).toContain("  class s_research,s_discover,s_decide_p1,s_decide_p2 agentic");
  });

  it("dashes the edges into stages that run only if decided", () => {
    expect(out).toContain("  s_decide_p1 -.-> s_train_p2");
    expect(out).toContain("  s_prepare_p1 --> s_train_p1");
    expect(out).toContain('s_train_p2["train.p2<br/>train, deterministic, job, if decided"]');
  });
});

describe("toDot", () => {
  const out = toDot(passes);

  it("is a digraph named after the recipe with every stage and edge", () => {
    expect(out.startsWith('digraph "open-data" {\n')).toBe(true);
    expect(out.trimEnd().endsWith("}")).toBe(true);
    expect(out.match(/^ {2}"[^"]+" \[label=/gm)).toHaveLength(passes.stages.length);
    expect(out.match(/ -> /g)).toHaveLength(edges);
  });

  it("marks agentic stages and dashes conditional edges", () => {
    expect(out).toContain('  "research" [label="research\\nresearch, agentic, control plane", shape=ellipse, color=purple];');
    expect(out).toContain('  "decide.p1" -> "train.p2" [style=dashed];');
    expect(out).toContain('  "prepare.p1" -> "train.p1";');
  });
});

describe("toJson", () => {
  it("is the graph as data", () => {
    const g = compileText(recipeYaml()).graph;
    expect(JSON.parse(toJson(g))).toEqual(JSON.parse(JSON.stringify(g)));
  });
});
