import { describe, expect, it } from "vitest";
import { foldEvents } from "../../src/engine/run-state.js";
import type { RunEvent } from "../../src/engine/events.js";
import { reportHtml, reportMarkdown } from "../../src/report/build-report.js";
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
    expect(md).toContain("| 0 | 7 | 3 | 4 | a b c \\| d |");
    expect(md).toMatch(/\| train \| train \| prepare \| pending \|/);
    expect(md).toContain("| report | report | baseline, evaluate | this report |");
    expect(md).toContain("| Wall clock | 5m | 1h |");
  });

  it("says where the training data came from: each file with its digest, rows taken and license", () => {
    const md = reportMarkdown(build());
    expect(md).toContain("## Provenance of the training data");
    expect(md).toContain("| train.jsonl | `0123456789abcdef` | 10 | cc0-1.0 |");
  });

  it("is one self-contained HTML page with a bar per evaluation and the target line", () => {
    const html = reportHtml(build());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect((html.match(/<rect /g) ?? []).length).toBe(2);
    expect(html).toContain("target ");
  });
});
