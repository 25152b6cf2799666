import { describe, expect, it } from "vitest";
import { foldEvents } from "../../src/run/run-state.js";
import type { RunEvent } from "../../src/run/events.js";
import { reportMarkdown } from "../../src/report/build-report.js";
import { compileText, recipeYaml } from "../helpers/recipe.js";

const at = "2026-11-26T10:00:00.000Z";
const later = "2026-11-26T10:05:00.000Z";

function build() {
  const { validated, graph } = compileText(recipeYaml({ benchmark: { harness: "builtin", task: undefined, data: { path: "bench.jsonl" } }, data: { datasets: [{ path: "train.jsonl", license: "cc0-1.0" }] } }));
  const g = graph!;
  const events: RunEvent[] = [
    { type: "run_started", at, run: "r1", recipe: "recipe.yaml", recipeDigest: "d", name: validated.recipe.name, backend: "local", stages: g.stages.map((s) => ({ id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: 0 })), budget: { gpuHours: null, wallClockSeconds: 3600, llmTokens: null, llmUsd: null }, intern: "0", pid: 1 },
    { type: "stage_done", at, stage: "prepare", key: "k", seconds: 1, gpuHours: 0, outputs: { manifest: { datasets: [{ source: "local", path: "train.jsonl", sha256: "sha256:0123456789abcdef0123", rows: { taken: 10 } }], totals: { written: 10, contaminatedRemoved: 1 }, decontamination: { ngram: 13, threshold: 1, removed: [{ dataset: 0, row: 7, benchmarkItem: 3, sharedNgrams: 4, ngram: "a b c | d" }] } } } },
    { type: "stage_done", at, stage: "baseline", key: "k", seconds: 8, gpuHours: 0, outputs: { metric: "acc", value: 0.25, stderr: 0.06 } },
    { type: "stage_done", at: later, stage: "evaluate", key: "k", seconds: 9, gpuHours: 0, outputs: { metric: "acc", value: 0.9, stderr: 0.04 } },
    { type: "stage_started", at: later, stage: "report", key: "k", attempt: 1 },
  ];
  return { recipe: validated.recipe, graph: g, state: foldEvents(events)! };
}

describe("the run report", () => {
  it("shows baseline against the trained model, the removed rows, the DAG and the budget", () => {
    const md = reportMarkdown(build());
    expect(md).toContain("| baseline (base model) | 0.2500 | 0.0600 |");
    expect(md).toContain("| trained model, evaluate | 0.9000 | 0.0400 |");
    expect(md).toContain("Best trained model: trained model, evaluate, 0.9000 against 0.2500 for the base model (+0.6500).");
    expect(md).toContain("| train.jsonl | 7 | 3 | 4 | a b c \\| d |");
    expect(md).toMatch(/\| train \| train \| prepare \| pending \|/);
    expect(md).toContain("| report | report | baseline, evaluate | this report |");
    expect(md).toContain("| Wall clock | 5m | 1h |");
  });

  it("says where the training data came from: each file with its digest, rows taken and license", () => {
    const md = reportMarkdown(build());
    expect(md).toContain("## Provenance of the training data");
    expect(md).toContain("| train.jsonl | `0123456789abcdef` | 10 | cc0-1.0 |");
  });

  it("gives the data as tables, not a JSON blob: rows step by step, each dataset, the decontamination", () => {
    const md = reportMarkdown(build());
    expect(md).not.toContain("```");
    expect(md).toContain("| Rows | Count |\n| --- | --- |\n| contaminated removed | 1 |\n| written for training | 10 |");
    expect(md).toContain("| train.jsonl | - | - | 10 |");
  });

  it("names each removed row's dataset: the Hub id (with its file when the id gave several), or the local path", () => {
    const hub = (file: string) => ({ source: "hub", path: `hf://datasets/org/set@${"a".repeat(40)}/${file}`, sha256: "sha256:00", rows: { taken: 1 } });
    const { recipe, graph, state } = build();
    const prepare = state.stages.get("prepare")!;
    prepare.outputs = { manifest: { datasets: [hub("a.jsonl"), hub("b.jsonl"), { source: "hub", path: `hf://datasets/other/one@${"b".repeat(40)}/x.parquet`, sha256: "sha256:01", rows: { taken: 1 } }], totals: {}, decontamination: { ngram: 8, threshold: 1, removed: [1, 2, 0].map((dataset) => ({ dataset, row: 5, benchmarkItem: 0, sharedNgrams: 2, ngram: "x" })) } } };
    const md = reportMarkdown({ recipe, graph, state });
    expect(md).toContain("| org/set (b.jsonl) | 5 |");
    expect(md).toContain("| other/one | 5 |");
    expect(md).toContain("| org/set (a.jsonl) | 5 |");
  });
});
