import { join } from "node:path";
import { InternError, type ErrorCode } from "../errors.js";
import { redact } from "../process/redact.js";
import { scrubFile } from "../process/scrub-file.js";
import type { Executor, JobSpec, JobUsage } from "../executors/types.js";
import type { Stage } from "../graph/types.js";
import type { Spending } from "../plan/types.js";
import type { StageContext, StageRunner } from "../stages/types.js";
import type { FileCacheIndex } from "./cache-index.js";
import type { BudgetLimits, RunEvent, RunStatus } from "../run/events.js";
import { JobProgress } from "./job-progress.js";
import type { ProgressPoint } from "../progress/point.js";

export type StageStatus = "pending" | "running" | "done" | "failed" | "skipped";

/** How a stage ended: its outputs, or the error (with a job's final state and its log's last lines). */
export type StageResult = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: unknown; state?: string; logTail?: string };

/** A stage that has started and not yet ended. */
export interface Running {
  stage: Stage;
  startedMs: number;
  attempt: number;
  /** Job stages: the executor's reference and the job. */
  ref?: string;
  job?: JobSpec;
  /** Job stages: follows the job's log for its progress. */
  progress?: JobProgress;
  /** Control-plane stages: settles when the stage does. */
  promise?: Promise<StageResult>;
  settled?: StageResult;
}

/** Where a stage starts from when the scheduler takes over (resume). */
export interface InitialStage {
  status: "pending" | "done" | "running";
  outputs: Record<string, unknown>;
  dir: string;
  ref: string | null;
  attempt: number;
  submittedAt: string | null;
}

export interface SchedulerInput {
  runId: string;
  /** The recipe's name: the cache remembers each stage's last result under it. */
  recipe: string;
  stages: Stage[];
  /** Status each stage starts from (resume): done/cached stages are final, running jobs re-attach. */
  initial: Map<string, InitialStage>;
  runners: (stage: Stage) => StageRunner;
  context: (stage: Stage, needOutputs: Map<string, Record<string, unknown>>, dirs: Map<string, string>) => StageContext;
  executor: Executor;
  cache: FileCacheIndex;
  limits: BudgetLimits;
  /** Spent before this process took over (earlier sessions of the run). */
  spentBefore: Spending;
  startedMs: number;
  jobs: number;
  failFast: boolean;
  pollIntervalMs: number;
  append: (e: RunEvent) => void;
  /**
   * A running stage's transient progress (StageContext.progress, or a job's progress read from its
   * log, with the point it says): for the screen, never appended.
   */
  progress?: (stage: string, text: string, point?: ProgressPoint) => void;
  /** Secret values (HF_TOKEN, MISTRAL_API_KEY): scrubbed from stage logs before anything reads them. */
  secrets?: readonly string[];
  signal: AbortSignal;
  now: () => number;
}

function errorInfo(error: unknown): { message: string; code: string; hint?: string } {
  if (error instanceof InternError) return { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) };
  return { message: error instanceof Error ? error.message : String(error), code: "INTERN_STAGE_ERROR" };
}

/**
 * What the scheduler knows of a run while it walks the DAG: each stage's status, outputs, folder
 * and attempt, the stages running now, and what this session has spent. Ending a stage (done,
 * failed, cancelled) goes through here, so that the event, the cache and the charge agree.
 */
export class ScheduleState {
  readonly status = new Map<string, StageStatus>();
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly dirs = new Map<string, string>();
  readonly running = new Map<string, Running>();
  /** Every stage by id. */
  readonly byId: ReadonlyMap<string, Stage>;
  /** The attempt each stage last started (resume: from the events). */
  readonly attempts = new Map<string, number>();
  /** Stages left out because a decide stage chose to stop: they count as settled, not failed. */
  readonly notNeeded = new Set<string>();
  /** LLM spend of agentic stages in this session (earlier sessions' is in spentBefore). */
  readonly llmNow = { tokens: 0, usd: 0 };
  private gpuHoursDone = 0;
  stopReason: RunStatus | "interrupted" | null = null;
  anyFailed = false;

  constructor(readonly input: SchedulerInput) {
    this.byId = new Map(input.stages.map((s) => [s.id, s]));
    for (const s of input.stages) {
      const init = input.initial.get(s.id);
      this.dirs.set(s.id, init?.dir ?? "");
      this.attempts.set(s.id, init?.attempt ?? 0);
      if (init?.status === "done") {
        this.status.set(s.id, "done");
        this.outputs.set(s.id, init.outputs);
      } else this.status.set(s.id, "pending");
    }
  }

  iso(): string {
    return new Date(this.input.now()).toISOString();
  }

  /** `--fail-fast` and a stage failed: nothing more starts. */
  get haltedByFailure(): boolean {
    return this.input.failFast && this.anyFailed;
  }

  /** Whether new stages may start: no stop (budget) and no `--fail-fast` halt. */
  get mayStart(): boolean {
    return this.stopReason === null && !this.haltedByFailure;
  }

  /** Whether `attempt` is the running attempt of the stage (a late line of an ended one is dropped). */
  isCurrent(stageId: string, attempt: number): boolean {
    return this.status.get(stageId) === "running" && this.attempts.get(stageId) === attempt;
  }

  /** The outputs of the stages `s` needs. */
  needOutputs(s: Stage): Map<string, Record<string, unknown>> {
    return new Map(s.needs.map((n) => [n, this.outputs.get(n) ?? {}]));
  }

  /** What the run has spent so far, running jobs' GPU time included. */
  spending(): Spending {
    const { input } = this;
    let runningGpuHours = 0;
    for (const r of this.running.values()) if (r.ref) runningGpuHours += ((r.stage.resources?.gpus ?? 0) * (input.now() - r.startedMs)) / 3_600_000;
    return {
      gpuHours: input.spentBefore.gpuHours + this.gpuHoursDone + runningGpuHours,
      wallSeconds: input.spentBefore.wallSeconds + (input.now() - input.startedMs) / 1000,
      llmTokens: input.spentBefore.llmTokens + this.llmNow.tokens,
      llmUsd: input.spentBefore.llmUsd + this.llmNow.usd,
    };
  }

  /**
   * Ends a running stage's clock and charges it: GPU-hours from the backend's own accounting when
   * it has them (Slurm: AllocTRES x Elapsed), else allocated GPUs x the time intern saw it run.
   */
  charge(r: Running, usage?: JobUsage): { seconds: number; gpuHours: number } {
    const seconds = (this.input.now() - r.startedMs) / 1000;
    const gpuHours = !r.ref ? 0 : usage ? usage.gpuHours : ((r.stage.resources?.gpus ?? 0) * seconds) / 3600;
    this.running.delete(r.stage.id);
    this.gpuHoursDone += gpuHours;
    return { seconds, gpuHours };
  }

  /** The stage's log: the job's, or `job.log` in its folder. */
  logPath(r: Running): string {
    return r.job ? this.input.executor.logPath(r.job) : join(this.dirs.get(r.stage.id)!, "job.log");
  }

  /** Records a running stage's end: done (cached for reuse) or failed. */
  finish(r: Running, result: StageResult, usage?: JobUsage): void {
    const { input } = this;
    // The log's last points, before it is scrubbed (a rewritten file would be read again).
    r.progress?.finish();
    scrubFile(this.logPath(r), input.secrets ?? []);
    const { seconds, gpuHours } = this.charge(r, usage);
    const id = r.stage.id;
    if (result.ok) {
      input.append({ type: "stage_done", at: this.iso(), stage: id, key: r.stage.key, seconds, gpuHours, outputs: result.outputs });
      input.cache.put(r.stage.key, { runId: input.runId, stage: id, dir: this.dirs.get(id)!, outputs: result.outputs });
      input.cache.remember(input.recipe, id, { key: r.stage.key, runId: input.runId, inputs: r.stage.inputs ?? {} });
      this.status.set(id, "done");
      this.outputs.set(id, result.outputs);
      return;
    }
    const info = errorInfo(result.error);
    input.append({
      type: "stage_failed", at: this.iso(), stage: id, key: r.stage.key, seconds, gpuHours, error: info.message, code: info.code,
      ...(info.hint ? { hint: info.hint } : {}), ...(result.logTail ? { logTail: result.logTail } : {}), log: this.logPath(r), ...(result.state ? { state: result.state } : {}),
    });
    this.status.set(id, "failed");
    if (info.code !== "INTERN_CANCELLED" && info.code !== "INTERN_BUDGET_EXHAUSTED") this.anyFailed = true;
  }

  /** Stops every running stage at once (each cancel waits until its job is gone) and records them cancelled. */
  async cancelAll(code: ErrorCode, message: string): Promise<void> {
    const { input } = this;
    const all = [...this.running.values()];
    await Promise.all(
      all.map(async (r) => {
        if (r.ref) await input.executor.cancel(r.ref);
        // In-process work sees the same signal; let it stop before the run lock is released.
        else if (r.promise && input.signal.aborted) await Promise.race([r.promise, new Promise((res) => setTimeout(res, 30_000).unref())]);
      }),
    );
    for (const r of all) this.finish(r, { ok: false, error: new InternError(code, message) });
  }

  /** Shows a running attempt's progress line; showing it is no part of the stage, so a failure to show it is ignored. */
  show(stageId: string, attempt: number, text: string, point?: ProgressPoint): void {
    const { input } = this;
    if (!input.progress || !this.isCurrent(stageId, attempt)) return;
    try {
      const clean = redact(text, input.secrets ?? []);
      if (point === undefined) input.progress(stageId, clean);
      else input.progress(stageId, clean, point);
    } catch {
      // the next line may show
    }
  }

  /**
   * Follows a job's log for its progress. What it shows goes out only while this attempt runs,
   * secrets taken out. A log kept elsewhere (Kubernetes) is fetched every other poll.
   */
  followJob(s: Stage, attempt: number, dir: string, logPath: string, start: "end" | "resume", ref: () => string | undefined): JobProgress {
    const { input } = this;
    const { executor } = input;
    return new JobProgress({
      stage: s.id, attempt, dir, logPath, start, now: input.now,
      clean: (text) => redact(text, input.secrets ?? []),
      emit: (text, point) => this.show(s.id, attempt, text, point),
      ...(executor.refreshLog
        ? {
            refresh: async () => {
              const current = ref();
              if (current !== undefined) await executor.refreshLog!(current);
            },
            refreshEveryMs: 2 * input.pollIntervalMs,
          }
        : {}),
    });
  }
}
