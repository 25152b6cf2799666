/**
 * What a compute backend does for the engine. Small on purpose: submit, poll (one call for all
 * jobs), cancel, find an existing job, and say where its log is.
 */

import type { RetryKind } from "../recipe/types.js";

export const JOB_STATES = ["pending", "running", "succeeded", "failed", "cancelled", "timeout", "lost"] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobSpec {
  stageId: string;
  /** The stage's folder: rendered files, the log, the outputs. */
  dir: string;
  /** The rendered script that runs the stage (`run.sh`, or the backend's wrapper). */
  script: string;
  env: Record<string, string>;
  timeLimitSeconds: number;
  gpus: number;
}

/** What a finished job used, from the backend's own accounting (Slurm: AllocTRES x Elapsed). */
export interface JobUsage {
  gpus: number;
  elapsedSeconds: number;
  gpuHours: number;
}

export interface JobStatus {
  state: JobState;
  exitCode: number | null;
  /** Why, in words, when it did not succeed. */
  reason: string | null;
  /** For a job that did not succeed: the kind the recipe's retry policy (`compute.retry.on`) names. */
  failure?: RetryKind;
  /** What to change so the next attempt can succeed (raise the time limit, lower the batch size). */
  hint?: string;
  /** Who cancelled it, when the backend says (Slurm: a user name or uid). */
  cancelledBy?: string;
  /** Accounting of a finished job, when the backend keeps it. */
  usage?: JobUsage;
}

export interface Executor {
  readonly name: string;
  /** Starts the job; returns a reference that `poll` and `cancel` understand, and that survives a restart of intern. */
  submit(job: JobSpec): Promise<string>;
  /** A job of this stage that is already running or finished (after a crash), so it is not submitted twice. */
  find(job: JobSpec): Promise<string | null>;
  /**
   * States of all given jobs in one call. A ref missing from the map is unknown this time (the
   * backend did not answer): ask again at the next poll, it is not a failure.
   */
  poll(refs: readonly string[]): Promise<Map<string, JobStatus>>;
  /** Stops the job and returns once it is gone. */
  cancel(ref: string): Promise<void>;
  /** Forgets a finished job of this stage, before a new attempt starts (optional). */
  discard?(job: Pick<JobSpec, "dir">): Promise<void>;
  /** Path of the job's combined output. */
  logPath(job: Pick<JobSpec, "dir">): string;
  /**
   * Brings a running job's log at `logPath` up to date, for a backend whose jobs write their output
   * elsewhere (Kubernetes: the pods' logs); optional. Local and Slurm jobs write it themselves.
   * The text written must begin as the log of the finished job will (so a reader that follows it
   * by position reads on), and must never replace the finished job's log.
   */
  refreshLog?(ref: string): Promise<void>;
  /** What `submit` would do, for dry runs. */
  describe(job: JobSpec): string;
  /** The job in words, for people (`Slurm job 42`, `process 1234`). */
  label(ref: string): string;
}

/** Where an executor reports trouble that is not a verdict (a poll the controller did not answer). */
export type ProblemReporter = (message: string) => void;
