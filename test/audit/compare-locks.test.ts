import { describe, expect, it } from "vitest";
import { compareLocks, reproduces } from "../../src/audit/compare-locks.js";
import { diffLocks, formatLockDiff } from "../../src/lock/diff-locks.js";
import type { Lock } from "../../src/lock/types.js";

const base: Lock = {
  lock_version: 1,
  intern: "0.1.0",
  recipe: { file: "r.yaml", sha256: `sha256:${"a".repeat(64)}` },
  base_model: { kind: "hub", id: "Qwen/Qwen3-1.7B", revision: "main" },
  benchmark: { name: "gpqa", harness: "lm-eval", task: "gpqa_diamond", metric: "acc", data: { kind: "harness" } },
  datasets: [{ source: "hub", id: "o/d", revision: "main", sha: "1".repeat(40), file: "train.jsonl", sha256: `sha256:${"b".repeat(64)}`, license: "mit", fraction: 1 }],
  prepared: [{ stage: "prepare", sha256: `sha256:${"c".repeat(64)}`, rows: 10 }],
  papers: [],
  agent: null,
  transcripts: {},
  templates: {},
  environment: { kind: "image", image: "img" },
  training: { method: "sft", hyperparameters: { learning_rate: 1e-5 }, decisions: [] },
  evaluations: [
    { stage: "baseline", task: "gpqa", metric: "acc", value: 0.1, stderr: 0.02 },
    { stage: "evaluate", task: "gpqa", metric: "acc", value: 0.32, stderr: null },
  ],
  budget: { llm_tokens: 100, llm_usd: 0.01 },
};

const withValues = (a: number, b: number): Lock => ({ ...base, evaluations: [{ ...base.evaluations[0]!, value: a }, { ...base.evaluations[1]!, value: b }] });

describe("compareLocks", () => {
  it("equal is bit-identical; within stderr x factor is within tolerance; no stderr means no tolerance", () => {
    const checks = compareLocks(base, withValues(0.13, 0.3201), { factor: 2, absolute: null });
    expect(checks.slice(0, 2).map((c) => [c.item, c.verdict, c.tolerance])).toEqual([
      ["metric acc of baseline", "within tolerance", 0.04],
      ["metric acc of evaluate", "not matching", 0],
    ]);
    expect(reproduces(checks)).toBe(false);
    expect(reproduces(compareLocks(base, withValues(0.13, 0.3201), { factor: 2, absolute: 0.05 }))).toBe(true);
    expect(compareLocks(base, withValues(0.15, 0.32), { factor: 2, absolute: null })[0]!.verdict).toBe("not matching");
    expect(reproduces(compareLocks(base, base, { factor: 2, absolute: null }))).toBe(true);
  });

  it("a metric or prepared data the rerun lacks, or a dataset at another commit, does not reproduce", () => {
    const rerun: Lock = { ...base, evaluations: base.evaluations.slice(0, 1), prepared: [], datasets: [{ ...base.datasets[0]!, sha: "2".repeat(40) } as Lock["datasets"][number]] };
    const checks = compareLocks(base, rerun, { factor: 2, absolute: null });
    expect(checks.filter((c) => c.verdict !== "bit-identical").map((c) => [c.item, c.verdict])).toEqual([
      ["metric acc of evaluate", "missing"],
      ["prepared data of prepare", "missing"],
      ["dataset o/d", "not matching"],
    ]);
  });
});

describe("diffLocks", () => {
  it("names changed sections and gives metric and budget deltas", () => {
    const b: Lock = { ...withValues(0.1, 0.35), training: { ...base.training, hyperparameters: { learning_rate: 2e-5 } }, budget: { llm_tokens: 150, llm_usd: 0.01 } };
    const text = formatLockDiff(diffLocks(base, b), "A.lock.yaml", "B.lock.yaml");
    expect(text).toContain("hyperparameters:\n  learning_rate: 0.00001 in A, 0.00002 in B\n");
    expect(text).not.toContain("datasets and revisions:");
    expect(text).toContain("  evaluate acc: 0.32 -> 0.35 (+0.03)");
    expect(text).toContain("  llm_tokens: 100 -> 150 (+50)");
    expect(formatLockDiff(diffLocks(base, base), "A", "B")).toContain("Same inputs, data, decisions and settings.");
  });
});
