import type { LockedDataset } from "../sources/pinned-dataset.js";

export type { LockedDataset };

/**
 * The lock file, `<recipe>.lock.yaml` beside the recipe: everything a run resolved or decided,
 * meant to be committed. Two runs that decided the same things write the same bytes, so nothing
 * here may vary between runs (no run id, time, absolute path or measured duration).
 */
export interface Lock {
  lock_version: 1;
  intern: string;
  /** The recipe, by its file name beside the lock, and the sha256 of its bytes. */
  recipe: { file: string; sha256: string };
  base_model: LockedModel;
  benchmark: LockedBenchmark;
  /**
   * Training data as read: local files with their digests, Hub files at their commits. A Hub
   * dataset read from several files (shards) has one entry per file, in reading order.
   */
  datasets: LockedDataset[];
  /** The prepared training set of each prepare stage. */
  prepared: { stage: string; sha256: string; rows: number }[];
  /** Papers the research stage consulted (arXiv ids as recorded, with their version when known). */
  papers: { id: string; title: string | null }[];
  /** Present when the recipe has agentic stages. */
  agent: { provider: string; model: string; temperature: number; seed: number } | null;
  /** Agentic stage id -> the sha256 of its transcript (copied to `<recipe>.lock.d/transcripts/<stage>.jsonl`). */
  transcripts: Record<string, string>;
  /** Every template a stage renders -> sha256 of its text. */
  templates: Record<string, string>;
  environment: LockedEnvironment;
  training: {
    method: string;
    hyperparameters: Record<string, unknown>;
    /** A chained recipe's later training stages (`training.then`), in order; absent for one method. */
    then?: { method: string; hyperparameters: Record<string, unknown> }[];
    /** GRPO's reward functions, a recipe file's with the digest of its content (absent for the other methods). */
    rewards?: ({ builtin: string; weight: number } | { file: string; function: string; weight: number; sha256: string })[];
    /** Each decide stage's choice: the next pass's hyperparameters, and its re-weighted mix when it changed one. */
    decisions: { stage: string; decision: string; reason: string; hyperparameters: Record<string, unknown> | null; mix: { id: string; fraction: number }[] | null }[];
  };
  evaluations: LockedEvaluation[];
  /**
   * The digest of every model a stage wrote (the made base model, each trained model): its
   * weight files, so an audit can name the first stage whose output moved.
   */
  models?: { stage: string; sha256: string }[];
  /**
   * Where the job stages ran, measured inside each job: stages that ran in the same environment
   * share one entry. What moves numbers (CPU and its kernels, GPUs and their driver stack, the
   * resolved packages, thread counts), and nothing that varies between identical reruns.
   */
  fingerprints?: LockedFingerprint[];
  /** Each job stage's seeds and determinism switches, as it ran. */
  determinism?: Record<string, Record<string, unknown>>;
  /** What the run spent that does not depend on timing: LLM tokens and dollars. */
  budget: { llm_tokens: number; llm_usd: number };
}

export type LockedModel =
  | { kind: "hub"; id: string; revision: string }
  | { kind: "local"; path: string; sha256: string }
  | { kind: "stage"; stage: string };

export interface LockedBenchmark {
  name: string;
  harness: string;
  task: string | null;
  metric: string;
  data: { kind: "local"; path: string; sha256: string } | { kind: "hub"; dataset: string; config: string | null; revision: string; split: string } | { kind: "harness" };
}


export type LockedEnvironment =
  | { kind: "requirements"; requirements: string[]; digest: string }
  | { kind: "python"; python: string }
  | { kind: "image"; image: string };

export interface LockedEvaluation {
  stage: string;
  task: string;
  metric: string;
  value: number;
  stderr: number | null;
  /** How many items were scored, and the sha256 of their per-item results (`<recipe>.lock.d/items/<stage>.json`). */
  n?: number | null;
  items?: string | null;
  /**
   * The harness as its results file records it, where it records a version (lm-eval): its version,
   * the task's version and lm-eval's hash of every document, prompt and target it scored.
   */
  harness?: { name: string; version: string; task_version: string | number | null; task_hash: string | null };
}

/** One environment the job stages ran in, as `python/fingerprint.py` measured it. */
export interface LockedFingerprint {
  stages: string[];
  hardware: Record<string, unknown>;
  software: Record<string, unknown>;
  environment: Record<string, unknown>;
}

/** The sections `apply --locked` checks before anything runs: they depend on files, not on the run. */
export const INPUT_SECTIONS = ["intern", "recipe", "base_model", "benchmark", "agent", "templates", "environment"] as const;

/** The sections a locked run must resolve to the same values. */
export const RESOLVED_SECTIONS = ["datasets", "prepared", "papers", "transcripts", "training"] as const;
