import type { Lock } from "../../src/lock/types.js";

/** A lock as a run of the GPQA recipe might write it. */
export const base: Lock = {
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

/** The same lock with other baseline and trained values. */
export const withValues = (a: number, b: number): Lock => ({ ...base, evaluations: [{ ...base.evaluations[0]!, value: a }, { ...base.evaluations[1]!, value: b }] });

