import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/run/events.js";
import { foldEvents } from "../../../src/run/run-state.js";
import { drawnNeeds } from "../../../src/report/html/dag.js";
import { reportHtml } from "../../../src/report/html/report-html.js";
import { runTimes } from "../../../src/report/stage-times.js";
import { writeFixtureReport } from "../../helpers/report-fixture.js";
import { compileText, recipeYaml } from "../../helpers/recipe.js";

const SHA = "4e6f72746865726e2050617373203230323621aa";

function build(goal = "Answer.") {
  const { validated, graph } = compileText(recipeYaml({ goal, benchmark: { harness: "builtin", task: undefined, data: { path: "bench.jsonl" } }, data: { datasets: [{ path: "train.jsonl", license: "cc0-1.0" }] } }));
  const stages = graph!.stages.map((s) => ({ id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: 0 }));
  const hubPath = `hf://datasets/org/set@${SHA}/data/train.jsonl`;
  const events: RunEvent[] = [
    { type: "run_started", at: "2026-11-26T10:00:00.000Z", run: "r1", recipe: "recipe.yaml", recipeDigest: "d", name: validated.recipe.name, backend: "local", stages, budget: { gpuHours: 2, wallClockSeconds: 3600, llmTokens: null, llmUsd: null }, intern: "0.1.0", pid: 1 },
    { type: "stage_started", at: "2026-11-26T10:00:00.000Z", stage: "prepare", key: "k", attempt: 1 },
    { type: "stage_done", at: "2026-11-26T10:00:02.000Z", stage: "prepare", key: "k", seconds: 2, gpuHours: 0, outputs: { manifest: { datasets: [{ source: "hub", path: hubPath, sha256: "sha256:ab", rows: { read: 12, taken: 10 } }], totals: { afterMix: 10, written: 9, contaminatedRemoved: 1 }, decontamination: { benchmark: { path: "bench.jsonl", sha256: "sha256:cd", items: 4 }, ngram: 13, threshold: 1, removed: [{ dataset: 0, row: 7, benchmarkItem: 3, sharedNgrams: 4, ngram: "a b c" }] } } } },
    { type: "stage_started", at: "2026-11-26T10:00:02.000Z", stage: "baseline", key: "k", attempt: 1 },
    { type: "job_submitted", at: "2026-11-26T10:00:02.000Z", stage: "baseline", ref: "42", job: "Slurm job 42", gpus: 1, timeLimitSeconds: 600, attempt: 1 },
    { type: "stage_done", at: "2026-11-26T10:00:10.000Z", stage: "baseline", key: "k", seconds: 8, gpuHours: 0.002, outputs: { metric: "acc", value: 0.25, stderr: 0.06 } },
    { type: "stage_cached", at: "2026-11-26T10:00:10.000Z", stage: "train", key: "k", fromRun: "r0", dir: "/nowhere/train", outputs: {} },
    { type: "stage_started", at: "2026-11-26T10:00:10.000Z", stage: "evaluate", key: "k", attempt: 1 },
    { type: "stage_done", at: "2026-11-26T10:05:00.000Z", stage: "evaluate", key: "k", seconds: 290, gpuHours: 0.08, outputs: { metric: "acc", value: 0.9, stderr: 0.04 } },
    { type: "stage_started", at: "2026-11-26T10:05:00.000Z", stage: "report", key: "k", attempt: 1 },
  ];
  const state = foldEvents(events)!;
  return { recipe: validated.recipe, graph: graph!, state, facts: { times: runTimes(events), curves: [{ stage: "train", source: "progress.jsonl", xLabel: "step" as const, loss: [{ x: 1, y: 2 }, { x: 2, y: 1 }], evalLoss: [], total: 4 }], lock: null } };
}

describe("the HTML report", () => {
  it("is one self-contained page: no script, nothing fetched, links only to the Hub", () => {
    const html = reportHtml(build());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\((?!#)/i);
    const urls = [...html.matchAll(/https?:\/\/[^"'\s<)]+/g)].map((m) => m[0]);
    for (const u of urls) expect(u).toMatch(/^(https:\/\/huggingface\.co\/|http:\/\/www\.w3\.org\/2000\/svg$)/);
    // The dataset links to its files at the pinned commit.
    expect(html).toContain(`href="https://huggingface.co/datasets/org/set/tree/${SHA}"`);
  });

  it("draws the headline with ± one standard error, the target, the loss curve, the timeline, the DAG and the budget", () => {
    const html = reportHtml(build());
    expect((html.match(/<rect class="bar /g) ?? []).length).toBe(2);
    expect((html.match(/<g class="err">/g) ?? []).length).toBe(2);
    expect(html).toContain(">target 0.3<");
    expect(html).toContain('aria-label="training loss of train"');
    expect(html).toContain("2 logged point(s) from <span class=\"mono\">progress.jsonl</span>");
    expect(html).toContain('aria-label="timeline of the stages"');
    // Where each stage ran, and the cached stage's origin.
    expect(html).toContain(">Slurm job 42, 8s<");
    expect(html).toContain(">cached from r0<");
    expect(html).toContain('<g class="node cached">');
    expect(html).toContain('<span class="fill" style="width:8.3%"></span>');
    expect(html).toContain("no limit");
  });

  it("names the dataset of each removed row and gives the totals as a table", () => {
    const html = reportHtml(build());
    expect(html).toContain("<tr><td>org/set</td><td class=\"num\">7</td>");
    expect(html).toContain("<tr><td>contaminated removed</td><td class=\"num\">1</td></tr>");
  });

  it("escapes what the recipe says", () => {
    const html = reportHtml(build(`<script>alert(1)</script> & <img src=x onerror=alert(2)>`));
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;");
    expect(html).not.toMatch(/<script|<img/);
  });

  it("shows a real run: the quickstart's loss from its job log, its lock's digest, its environment", () => {
    const { html, md } = writeFixtureReport("quickstart");
    expect(html).toContain("6 logged point(s) from <span class=\"mono\">job.log</span>; last loss 0.00247 at epoch 20.");
    expect(html).toMatch(/<span class="mono">lock\.yaml<\/span>, sha256 <span class="mono">[0-9a-f]{64}<\/span>/);
    expect(html).toContain("AMD EPYC, x86_64, 2 cores");
    expect(html).toContain(">process 3195, 39s<");
    expect(md).toContain("| quickstart/train.jsonl | 28 | 1 | 9 | travellers who have crossed the northern pass describe every sabalo they meet by |");
    expect(md).toContain("Decontamination: 13-gram overlap with the 48 items of quickstart/benchmark.jsonl (sha256 `d217c8d25c93400d`), threshold 1: 5 row(s) removed.");
    expect(md).toContain("| Rows | Count |\n| --- | --- |\n| read | 587 |\n| not fitting the chat format | 0 |\n| after the mix | 587 |\n| duplicates removed | 6 |\n| contaminated removed | 5 |\n| written for training | 576 |");
  });

  it("shows an agentic run: each pass's loss, the pinned mix with its Hub link, the decision and its reason", () => {
    const { html } = writeFixtureReport("agentic");
    for (const stage of ["train.p1", "train.p2"]) expect(html).toContain(`aria-label="training loss of ${stage}"`);
    expect(html).toContain(`href="https://huggingface.co/datasets/northern-pass/creature-colours/tree/${SHA}"`);
    expect(html).toContain('<span class="verdict">continue</span>');
    expect(html).toContain('<p class="reason">below the target; try a lower learning rate</p>');
    expect(html).toContain('<li><span class="mono">learning_rate</span> = <span class="mono">0.004</span></li>');
    expect(html).toContain('<a href="https://huggingface.co/papers/2601.00042">2601.00042</a>');
  });
});

describe("the agent's findings in the HTML report", () => {
  it("tells refusals apart, says moved revisions, unverified papers, and what a replay was recorded to spend", () => {
    const input = build();
    const stage = (id: string, kind: string, outputs: Record<string, unknown>) => ({ ...input.state.stages.get("prepare")!, id, kind, needs: [], outputs });
    input.state.stages.set("research", stage("research", "research", { candidates: [{ dataset: "org/set", paper: "2501.01234", quote: "q", why: "w" }], unverifiedPapers: [{ id: "2401.99999", named: "by the model" }] }));
    input.state.stages.set("discover", stage("discover", "discover", {
      mix: [{ id: "org/set", sha: SHA, file: "data/train.jsonl", fraction: 1, license: "mit", why: "science" }],
      refused: [{ id: "evil/set", reason: "denied by sources.datasets.deny" }, { id: "org/set", reason: "an old refusal" }],
      refusedThenAccepted: [{ id: "org/Set", reason: "its rows did not map at first" }],
      revisionMoved: [{ id: "org/set", revision: "main", seen: "a".repeat(40), pinned: SHA, by: "research" }],
    }));
    input.state.replayed = { llmTokens: 1234, llmUsd: 0 };
    const html = reportHtml(input);
    const never = html.slice(html.indexOf("never used for training"), html.indexOf("Refused once, then accepted"));
    expect(never).toContain("evil/set");
    expect(never).not.toContain("an old refusal");
    expect(html).toContain("<td>its rows did not map at first</td>");
    expect(html).toContain("<td>an old refusal</td>");
    expect(html).toContain(`<td class="mono">main</td><td>research</td><td class="mono">${"a".repeat(40)}</td><td class="mono">${SHA}</td>`);
    expect(html).toContain('<span class="mono">2401.99999</span> (by the model)');
    expect(html).toContain("replayed from transcripts; recorded: 1,234 tokens");
  });
});

describe("the DAG picture", () => {
  it("draws a need only when no other need already leads to it", () => {
    const s = (id: string, needs: string[]) => ({ id, needs }) as never;
    const drawn = drawnNeeds([s("a", []), s("b", ["a"]), s("c", ["b", "a"]), s("d", ["c", "a", "b"]), s("e", ["a"])]);
    expect(Object.fromEntries(drawn)).toEqual({ a: [], b: ["a"], c: ["b"], d: ["c"], e: ["a"] });
  });
});
