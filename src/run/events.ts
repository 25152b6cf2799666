/**
 * The run's event log, one JSON object per line in `.intern/runs/<id>/events.jsonl`. A run's
 * state is whatever its events say: each event is on disk (fsynced) before the engine acts
 * on it, so a crash at any point leaves a run that `status` can read and `apply` can resume.
 */

import type { ProgressPoint } from "../progress/point.js";

export type StageStatus = "pending" | "running" | "done" | "cached" | "failed" | "skipped" | "cancelled";

export type RunEvent =
  | { type: "run_started"; at: string; run: string; recipe: string; recipeDigest: string; name: string; backend: string; stages: { id: string; key: string; kind: string; placement: string; needs: string[]; gpus: number }[]; budget: BudgetLimits; intern: string; pid: number }
  /** `budget`: the recipe's limits now, which hold from here on (a user may raise them to continue). */
  | { type: "run_resumed"; at: string; pid: number; budget?: BudgetLimits }
  | { type: "env_ready"; at: string; env: string; python: string; created: boolean }
  | { type: "stage_started"; at: string; stage: string; key: string; attempt: number }
  /** `job`: the job in words (`Slurm job 42`). */
  | { type: "job_submitted"; at: string; stage: string; ref: string; job?: string; gpus: number; timeLimitSeconds: number; attempt: number }
  /** A job failed in a way the recipe's retry policy names (`compute.retry.on`): the stage starts again. */
  | { type: "job_retrying"; at: string; stage: string; attempt: number; maxAttempts: number; failure: string; reason: string; seconds: number; gpuHours: number }
  | { type: "stage_cached"; at: string; stage: string; key: string; fromRun: string; dir: string; outputs: Record<string, unknown> }
  | { type: "stage_done"; at: string; stage: string; key: string; seconds: number; gpuHours: number; outputs: Record<string, unknown> }
  | { type: "stage_failed"; at: string; stage: string; key: string; seconds: number; gpuHours: number; error: string; code: string; hint?: string; logTail?: string; log?: string; state?: string }
  | { type: "stage_skipped"; at: string; stage: string; reason: string }
  /**
   * `replayed`: an LLM call served from a recorded transcript (`--replay`, `--locked`): nothing was
   * spent (`llmTokens` and `llmUsd` are 0) and the budget is not charged; these are the figures the
   * recorded run was charged, kept for the report.
   */
  | { type: "budget_charged"; at: string; stage: string; gpuHours: number; llmTokens: number; llmUsd: number; replayed?: { llmTokens: number; llmUsd: number } }
  | { type: "budget_exhausted"; at: string; resource: string; limit: number; spent: number }
  | { type: "run_interrupted"; at: string; signal: string }
  | { type: "run_finished"; at: string; status: RunStatus; seconds: number }
  | { type: "message"; at: string; text: string; stage?: string }
  /**
   * A run replaced the lock beside its recipe, and a metric moved beyond the old lock's tolerance
   * (its standard error x 2). `recipeChanged`: the recipe's bytes differ from the old lock's.
   */
  | { type: "lock_metrics_moved"; at: string; lock: string; recipeChanged: boolean; moved: { stage: string; metric: string; before: number; after: number; tolerance: number }[] };

export type RunStatus = "succeeded" | "failed" | "budget_exhausted" | "cancelled";

/**
 * A running stage's progress, as reporters get it and `apply --output json` prints it. Transient:
 * not a RunEvent, never in events.jsonl. `text` is the line shown (`reading 412,000 rows · ...`,
 * `step 1,240/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 14m`); a job's progress, read from its
 * log, also carries `point`: what is known now (the points themselves are in the stage's
 * progress.jsonl).
 */
export interface ProgressEvent {
  type: "progress";
  at: string;
  stage: string;
  text: string;
  point?: ProgressPoint;
}

export interface BudgetLimits {
  gpuHours: number | null;
  wallClockSeconds: number | null;
  llmTokens: number | null;
  llmUsd: number | null;
}
