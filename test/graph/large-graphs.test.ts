import { describe, expect, it } from "vitest";
import { topoOrder } from "../../src/graph/detect-cycles.js";
import type { StageDraft } from "../../src/graph/draft.js";
import type { Stage } from "../../src/graph/types.js";
import { table } from "../../src/cli/table.js";
import { makePlan } from "../../src/plan/make-plan.js";
import { compileText, diagnosticsOf, fixture, lineOf } from "../helpers/recipe.js";

/** minimal.yaml with `count` control-plane stages; `stage(i)` gives the rest of each one's mapping. */
function withStages(count: number, stage: (i: number) => string, budget = ""): string {
  const lines = [fixture("recipes/minimal.yaml").replace("  wall_clock: 8h\n", `  wall_clock: 100000h\n${budget}`), "stages:"];
  for (let i = 0; i < count; i++) lines.push(`  - {name: s${i}, run: x, placement: control-plane${stage(i)}}`);
  return `${lines.join("\n")}\n`;
}

const draft = (localId: string, needs: string[] = []): StageDraft => ({
  localId, name: localId, kind: "command", mode: "deterministic", placement: "control-plane", needs, pass: null, conditional: false,
  params: {}, resources: null, templates: [], outputs: [], description: "",
});

describe("long chains of stages", () => {
  it("orders a chain of 100,000 drafts listed last-first without overflowing the stack", () => {
    const n = 100_000;
    const drafts = Array.from({ length: n }, (_, i) => draft(`s${i}`, i < n - 1 ? [`s${i + 1}`] : []));
    const result = topoOrder(drafts);
    expect("order" in result && result.order.map((d) => d.localId).slice(0, 2)).toEqual([`s${n - 1}`, `s${n - 2}`]);
  });

  it("finds a cycle at the end of a long chain", () => {
    const n = 50_000;
    const drafts = Array.from({ length: n }, (_, i) => draft(`s${i}`, [`s${(i + 1) % n}`]));
    const result = topoOrder(drafts);
    expect("cycle" in result && result.cycle.length).toBe(n + 1);
  });

  it("validates, compiles and plans a 6,000-stage chain (each needing the next, the last after training) in seconds", () => {
    const n = 6000;
    const text = withStages(n, (i) => `, needs: [${i < n - 1 ? `s${i + 1}` : "train"}]`);
    const started = performance.now();
    const { graph, validated } = compileText(text);
    const plan = makePlan(graph, validated.recipe);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(graph.stages).toHaveLength(n + 5);
    const order = graph.stages.map((s) => s.id);
    expect(order.indexOf("s0")).toBeGreaterThan(order.indexOf("s1"));
    expect(plan.budget.find((b) => b.resource === "wall_clock")!.required).toBeGreaterThan(n * 3600);
  });

  it("runs a chain of own stages once per pass, however long, when its end needs a per-pass stage", () => {
    const n = 3000;
    const text = withStages(n, (i) => `, needs: [${i < n - 1 ? `s${i + 1}` : "train"}]`, "  iterations: 2\n  llm:\n    tokens: 1000000\n");
    const started = performance.now();
    const { graph } = compileText(text);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(graph.stages.filter((s) => s.name === "s0").map((s) => s.id)).toEqual(["s0.p1", "s0.p2"]);
  });
});

describe("unknown needs among many stages", () => {
  it("gives a short hint for one unknown need among 10,000 stages", () => {
    const n = 10_000;
    const text = withStages(n, (i) => (i === n - 1 ? ", needs: [zzzzzzzz]" : ""));
    const started = performance.now();
    const diagnostics = diagnosticsOf(text);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.message).toBe(`stage s${n - 1} needs unknown stage \`zzzzzzzz\``);
    expect(d.location?.line).toBe(lineOf(text, "zzzzzzzz"));
    expect(d.hint).toBe("stages here: baseline, prepare, train, evaluate, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, and 9,984 more");
  });

  it("still suggests the close name among 10,000 stages", () => {
    const n = 10_000;
    const d = diagnosticsOf(withStages(n, (i) => (i === 0 ? ", needs: [s9999x]" : "")))[0]!;
    expect(d.hint).toBe("did you mean `s9999`?");
  });

  it("explains the first 20 unknown needs and counts the rest, quickly", () => {
    const n = 10_000;
    const text = withStages(n, (i) => `, needs: [g${i}]`);
    const started = performance.now();
    const diagnostics = diagnosticsOf(text);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(diagnostics).toHaveLength(21);
    expect(diagnostics[19]!.message).toBe("stage s19 needs unknown stage `g19`");
    const last = diagnostics[20]!;
    expect(last.code).toBe("INTERN_UNKNOWN_NEED");
    expect(last.message).toBe("and 9,980 more needs/before entries name stages that do not exist");
    expect(last.location?.line).toBe(lineOf(text, "[g20]"));
  });
});

describe("plans of many stages", () => {
  it("plans a report that waits for 200,000 stages, and prints its table", () => {
    const { graph, validated } = compileText(fixture("recipes/minimal.yaml"));
    const evaluate = graph.stages.find((s) => s.id === "evaluate")!;
    const report = graph.stages.find((s) => s.id === "report")!;
    const many: Stage[] = Array.from({ length: 200_000 }, (_, i) => ({ ...evaluate, id: `evaluate.t${i + 1}`, key: `k${i}` }));
    const big = { ...graph, stages: [...graph.stages.filter((s) => s !== report), ...many, { ...report, needs: many.map((s) => s.id) }] };
    const plan = makePlan(big, validated.recipe);
    expect(plan.budget.find((b) => b.resource === "wall_clock")!.required).toBe(600 + 3600 + 1800 + 30);
    const text = table(["STAGE", "ACTION"], plan.stages.map((s) => [s.stage.id, s.action]));
    expect(text.split("\n")[0]).toBe(`${"STAGE".padEnd("evaluate.t200000".length)}  ACTION`);
  });
});
