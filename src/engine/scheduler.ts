import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InternError, type ErrorCode } from "../errors.js";
import { lastLines } from "../process/run-process.js";
import { redact } from "../process/redact.js";
import { scrubFile } from "../process/scrub-file.js";
import type { Executor, JobSpec, JobStatus, JobUsage } from "../executors/types.js";
import type { RetryKind } from "../recipe/types.js";
import type { Stage } from "../graph/types.js";
import type { Spending } from "../plan/types.js";
import { collectJobOutputs } from "../stages/job-facts.js";
import type { StageContext, StageRunner } from "../stages/types.js";
import { allowedSeconds, checkBudget } from "./budget.js";
import type { FileCacheIndex } from "./cache-index.js";
import type { BudgetLimits, RunEvent, RunStatus } from "../run/events.js";
import { JobProgress, PROGRESS_TICK_MS } from "./job-progress.js";
import type { ProgressPoint } from "../progress/point.js";

type Status = "pending" | "running" | "done" | "failed" | "skipped";

interface Running {
  stage: Stage;
  startedMs: number;
  attempt: number;
  /** Job stages: the executor's reference and the job. */
  ref?: string;
  job?: JobSpec;
  /** Job stages: follows the job's log for its progress. */
  progress?: JobProgress;
  /** Control-plane stages: settles when the stage does. */
  promise?: Promise<{ ok: true; outputs: Record<string, unknown> } | { ok: false; error: unknown }>;
  settled?: { ok: true; outputs: Record<string, unknown> } | { ok: false; error: unknown };
}

export interface SchedulerInput {
  runId: string;
  /** The recipe's name: the cache remembers each stage's last result under it. */
  recipe: string;
  stages: Stage[];
  /** Status each stage starts from (resume): done/cached stages are final, running jobs re-attach. */
  initial: Map<string, { status: "pending" | "done" | "running"; outputs: Record<string, unknown>; dir: string; ref: string | null; attempt: number; submittedAt: string | null }>;
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

/**
 * Waits `ms`, or until `signal` aborts. `cancel` clears the timer and the listener: a wait that
 * lost a race must not keep the process alive (a 60 s timer held `apply` open after the run ended)
 * nor pile listeners on the signal.
 */
function sleep(ms: number, signal: AbortSignal): { done: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
    cancel = finish;
  });
  return { done, cancel };
}

function errorInfo(error: unknown): { message: string; code: string; hint?: string } {
  if (error instanceof InternError) return { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) };
  return { message: error instanceof Error ? error.message : String(error), code: "INTERN_STAGE_ERROR" };
}

/**
 * Walks the DAG: starts every stage whose needs are done (jobs up to `jobs` at a time), reuses
 * cached stages, polls all running jobs with one call, stops dependents of a failed stage while
 * independent branches go on, and enforces the budget. Every step is an event appended (and
 * fsynced) before the next step acts on it.
 */
export async function schedule(input: SchedulerInput): Promise<RunStatus | "interrupted"> {
  const { stages, executor, append } = input;
  const iso = () => new Date(input.now()).toISOString();
  const status = new Map<string, Status>();
  const outputs = new Map<string, Record<string, unknown>>();
  const dirs = new Map<string, string>();
  const running = new Map<string, Running>();
  /** The attempt each stage last started (resume: from the events). */
  const attempts = new Map<string, number>();
  let gpuHoursDone = 0;
  /** LLM spend of agentic stages in this session (earlier sessions' is in spentBefore). */
  const llmNow = { tokens: 0, usd: 0 };
  /** Stages left out because a decide stage chose to stop: they count as settled, not failed. */
  const notNeeded = new Set<string>();
  let stopReason: RunStatus | "interrupted" | null = null;
  let anyFailed = false;

  for (const s of stages) {
    const init = input.initial.get(s.id);
    dirs.set(s.id, init?.dir ?? "");
    attempts.set(s.id, init?.attempt ?? 0);
    if (init?.status === "done") {
      status.set(s.id, "done");
      outputs.set(s.id, init.outputs);
    } else status.set(s.id, "pending");
  }

  const spending = (): Spending => {
    let runningGpuHours = 0;
    for (const r of running.values()) if (r.ref) runningGpuHours += ((r.stage.resources?.gpus ?? 0) * (input.now() - r.startedMs)) / 3_600_000;
    return {
      gpuHours: input.spentBefore.gpuHours + gpuHoursDone + runningGpuHours,
      wallSeconds: input.spentBefore.wallSeconds + (input.now() - input.startedMs) / 1000,
      llmTokens: input.spentBefore.llmTokens + llmNow.tokens,
      llmUsd: input.spentBefore.llmUsd + llmNow.usd,
    };
  };

  /**
   * Ends a running stage's clock and charges it: GPU-hours from the backend's own accounting when
   * it has them (Slurm: AllocTRES x Elapsed), else allocated GPUs x the time intern saw it run.
   */
  const charge = (r: Running, usage?: JobUsage): { seconds: number; gpuHours: number } => {
    const seconds = (input.now() - r.startedMs) / 1000;
    const gpuHours = !r.ref ? 0 : usage ? usage.gpuHours : ((r.stage.resources?.gpus ?? 0) * seconds) / 3600;
    running.delete(r.stage.id);
    gpuHoursDone += gpuHours;
    return { seconds, gpuHours };
  };

  const finishStage = (r: Running, result: { ok: true; outputs: Record<string, unknown> } | { ok: false; error: unknown; state?: string; logTail?: string }, usage?: JobUsage) => {
    // The log's last points, before it is scrubbed (a rewritten file would be read again).
    r.progress?.finish();
    scrubFile(r.job ? executor.logPath(r.job) : join(dirs.get(r.stage.id)!, "job.log"), input.secrets ?? []);
    const { seconds, gpuHours } = charge(r, usage);
    if (result.ok) {
      append({ type: "stage_done", at: iso(), stage: r.stage.id, key: r.stage.key, seconds, gpuHours, outputs: result.outputs });
      input.cache.put(r.stage.key, { runId: input.runId, stage: r.stage.id, dir: dirs.get(r.stage.id)!, outputs: result.outputs });
      input.cache.remember(input.recipe, r.stage.id, { key: r.stage.key, runId: input.runId, inputs: r.stage.inputs ?? {} });
      status.set(r.stage.id, "done");
      outputs.set(r.stage.id, result.outputs);
      return;
    }
    const info = errorInfo(result.error);
    const log = r.job ? executor.logPath(r.job) : join(dirs.get(r.stage.id)!, "job.log");
    append({
      type: "stage_failed", at: iso(), stage: r.stage.id, key: r.stage.key, seconds, gpuHours, error: info.message, code: info.code,
      ...(info.hint ? { hint: info.hint } : {}), ...(result.logTail ? { logTail: result.logTail } : {}), log, ...(result.state ? { state: result.state } : {}),
    });
    status.set(r.stage.id, "failed");
    if (info.code !== "INTERN_CANCELLED" && info.code !== "INTERN_BUDGET_EXHAUSTED") anyFailed = true;
  };

  /** Stops every running stage at once (each cancel waits until its job is gone) and records them cancelled. */
  const cancelAll = async (code: ErrorCode, message: string) => {
    const all = [...running.values()];
    await Promise.all(
      all.map(async (r) => {
        if (r.ref) await executor.cancel(r.ref);
        // In-process work sees the same signal; let it stop before the run lock is released.
        else if (r.promise && input.signal.aborted) await Promise.race([r.promise, new Promise((res) => setTimeout(res, 30_000).unref())]);
      }),
    );
    for (const r of all) finishStage(r, { ok: false, error: new InternError(code, message) });
  };

  /**
   * Follows a job's log for its progress. What it shows goes out only while this attempt runs,
   * secrets taken out; showing it is no part of the stage, so a failure to show it is ignored.
   */
  const followJob = (s: Stage, attempt: number, dir: string, logPath: string, start: "end" | "resume", ref: () => string | undefined) =>
    new JobProgress({
      stage: s.id, attempt, dir, logPath, start, now: input.now,
      clean: (text) => redact(text, input.secrets ?? []),
      emit: (text, point) => {
        if (!input.progress || status.get(s.id) !== "running" || attempts.get(s.id) !== attempt) return;
        try {
          input.progress(s.id, redact(text, input.secrets ?? []), point);
        } catch {
          // the next tick may show
        }
      },
      // A log kept elsewhere (Kubernetes) is fetched every other poll: every 10 s by default.
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

  // Jobs that were running when the last intern process stopped: watch them again, never resubmit.
  for (const s of stages) {
    const init = input.initial.get(s.id);
    if (init?.status !== "running") continue;
    const ctx = input.context(s, new Map(), dirs);
    const job: JobSpec = { stageId: s.id, dir: ctx.dir, script: "", env: {}, timeLimitSeconds: 0, gpus: s.resources?.gpus ?? 0 };
    const ref = init.ref ?? (await executor.find(job));
    if (ref) {
      const r: Running = { stage: s, startedMs: init.submittedAt ? Date.parse(init.submittedAt) : input.now(), attempt: init.attempt, ref, job };
      r.progress = followJob(s, init.attempt, ctx.dir, executor.logPath(job), "resume", () => r.ref);
      running.set(s.id, r);
      status.set(s.id, "running");
      append({ type: "message", at: iso(), stage: s.id, text: `re-attached to the job that was running (${executor.label(ref)})` });
    }
  }

  const ready = (s: Stage) => status.get(s.id) === "pending" && s.needs.every((n) => status.get(n) === "done" || notNeeded.has(n));
  const blocked = (s: Stage) => s.needs.find((n) => (status.get(n) === "failed" || status.get(n) === "skipped") && !notNeeded.has(n));
  const byId = new Map(stages.map((s) => [s.id, s]));
  /** Why a conditional stage is not needed: a decide stage it follows chose to stop. */
  const decidedOff = (s: Stage): string | null => {
    if (!s.conditional) return null;
    for (const n of s.needs) {
      const out = outputs.get(n);
      if (byId.get(n)?.kind === "decide" && status.get(n) === "done" && out?.decision === "stop") return `${n} chose to stop: ${String(out.reason ?? "")}`;
    }
    const off = s.needs.find((n) => notNeeded.has(n));
    return off === undefined ? null : `${off} was not needed`;
  };

  const start = async (s: Stage) => {
    const needOutputs = new Map(s.needs.map((n) => [n, outputs.get(n) ?? {}]));
    const hit = input.cache.get(s.key);
    if (hit && hit.runId !== input.runId) {
      append({ type: "stage_cached", at: iso(), stage: s.id, key: s.key, fromRun: hit.runId, dir: hit.dir, outputs: hit.outputs });
      input.cache.remember(input.recipe, s.id, { key: s.key, runId: hit.runId, inputs: s.inputs ?? {} });
      status.set(s.id, "done");
      outputs.set(s.id, hit.outputs);
      dirs.set(s.id, hit.dir);
      return;
    }
    const attempt = (attempts.get(s.id) ?? 0) + 1;
    attempts.set(s.id, attempt);
    const runner = input.runners(s);
    const ctx: StageContext = {
      ...input.context(s, needOutputs, dirs),
      charge: (llmTokens, llmUsd) => {
        llmNow.tokens += llmTokens;
        llmNow.usd += llmUsd;
        append({ type: "budget_charged", at: iso(), stage: s.id, gpuHours: 0, llmTokens, llmUsd });
      },
      // A replayed call spends nothing: llmNow, which the budget checks, does not move.
      chargeReplayed: (llmTokens, llmUsd) => {
        append({ type: "budget_charged", at: iso(), stage: s.id, gpuHours: 0, llmTokens: 0, llmUsd: 0, replayed: { llmTokens, llmUsd } });
      },
      note: (text) => {
        if (status.get(s.id) !== "running" || attempts.get(s.id) !== attempt) return;
        append({ type: "message", at: iso(), stage: s.id, text: redact(text, input.secrets ?? []) });
      },
      // Only while this attempt runs: a line after its final event would describe a stage that ended.
      // What shows it is no part of the stage: a failure to show it must not fail the stage.
      progress: (text) => {
        if (!input.progress || status.get(s.id) !== "running" || attempts.get(s.id) !== attempt) return;
        try {
          input.progress(s.id, redact(text, input.secrets ?? []));
        } catch {
          // the next line may show
        }
      },
    };
    dirs.set(s.id, ctx.dir);
    // A new attempt must not be mistaken, after a crash before its job is submitted, for the
    // job an earlier attempt left behind: set that one aside before the attempt is on record.
    let discardError: unknown = null;
    if (runner.placement === "job") await executor.discard?.({ dir: ctx.dir }).catch((e: unknown) => (discardError = e));
    append({ type: "stage_started", at: iso(), stage: s.id, key: s.key, attempt });
    status.set(s.id, "running");
    const r: Running = { stage: s, startedMs: input.now(), attempt };
    running.set(s.id, r);
    if (discardError !== null) return finishStage(r, { ok: false, error: discardError });
    if (runner.placement === "control-plane") {
      r.promise = runner.run(ctx).then(
        (o) => (r.settled = { ok: true as const, outputs: o }),
        (error: unknown) => (r.settled = { ok: false as const, error }),
      );
      return;
    }
    try {
      const limit = allowedSeconds(input.limits, spending(), s.resources!.timeLimitSeconds, s.resources!.gpus);
      const job = await runner.prepare(ctx, limit);
      // From the log's end before the job starts: a local log keeps earlier attempts' output.
      const progress = followJob(s, attempt, ctx.dir, executor.logPath(job), "end", () => r.ref);
      const ref = await executor.submit(job);
      r.ref = ref;
      r.job = job;
      r.progress = progress;
      append({ type: "job_submitted", at: iso(), stage: s.id, ref, job: executor.label(ref), gpus: job.gpus, timeLimitSeconds: job.timeLimitSeconds, attempt });
    } catch (error) {
      finishStage(r, { ok: false, error });
    }
  };

  const collectJob = async (r: Running, st: JobStatus) => {
    const ctx = input.context(r.stage, new Map(r.stage.needs.map((n) => [n, outputs.get(n) ?? {}])), dirs);
    if (st.state === "succeeded") {
      try {
        const runner = input.runners(r.stage);
        if (runner.placement !== "job") throw new Error("not a job stage");
        finishStage(r, { ok: true, outputs: await collectJobOutputs(runner, ctx) }, st.usage);
      } catch (error) {
        finishStage(r, { ok: false, error }, st.usage);
      }
      return;
    }
    const logPath = executor.logPath(r.job ?? { dir: ctx.dir });
    scrubFile(logPath, input.secrets ?? []);
    const tail = existsSync(logPath) ? lastLines(readFileSync(logPath, "utf8"), 20) : "";
    const budgetCut = st.state === "timeout" && r.job && r.job.timeLimitSeconds < (r.stage.resources?.timeLimitSeconds ?? Infinity);
    const kind = failureKind(st);
    const retry = ctx.recipe.compute.retry;
    if (!budgetCut && kind !== null && retry.on.includes(kind) && r.attempt < retry.maxAttempts && stopReason === null && !input.signal.aborted) {
      r.progress?.finish();
      const { seconds, gpuHours } = charge(r, st.usage);
      append({ type: "job_retrying", at: iso(), stage: r.stage.id, attempt: r.attempt, maxAttempts: retry.maxAttempts, failure: kind, reason: st.reason ?? st.state, seconds, gpuHours });
      status.set(r.stage.id, "pending");
      return;
    }
    const hint =
      st.state === "timeout"
        ? budgetCut
          ? "the job's time limit was cut to what the budget had left; raise the budget"
          : (st.hint ?? `raise the stage's time limit (training.time_limit or benchmark.time_limit)`)
        : st.state === "cancelled"
          ? `the job was cancelled outside intern${st.cancelledBy ? ` (by ${st.cancelledBy})` : ""}; \`intern apply\` again runs the stage anew`
          : st.hint
          ? `${st.hint}; the job log: ${logPath}`
          : `the job log has the details: ${logPath}`;
    // A job cancelled by someone else (scancel, an administrator) fails its stage: intern did not ask for it.
    const code = budgetCut ? "INTERN_BUDGET_EXHAUSTED" : st.state === "cancelled" ? "INTERN_JOB_CANCELLED" : "INTERN_JOB_FAILED";
    const tried = r.attempt > 1 ? ` (attempt ${r.attempt} of ${retry.maxAttempts})` : "";
    finishStage(r, { ok: false, error: new InternError(code, `stage ${r.stage.id}: job ${st.reason ?? st.state}${tried}`, { hint }), state: st.state, logTail: tail }, st.usage);
    if (budgetCut) stopReason = "budget_exhausted";
  };

  // Running jobs' logs are read for their progress between polls, on a clock of their own.
  const ticker = setInterval(() => {
    for (const r of running.values()) r.progress?.tick();
  }, PROGRESS_TICK_MS);
  ticker.unref();
  try {
    while (true) {
      // Whether this pass left a ready job stage waiting because the budget had no time for it,
      // rather than because every job slot was taken (a slot that a stage failing in render freed).
      let heldByBudget = false;
      let startedAny = false;
      if (input.signal.aborted) {
        await cancelAll("INTERN_CANCELLED", "cancelled by the user (interrupt)");
        return "interrupted";
      }
      const verdict = checkBudget(input.limits, spending());
      if (verdict.exhausted && stopReason === null) {
        const e = verdict.exhausted;
        append({ type: "budget_exhausted", at: iso(), resource: e.resource, limit: e.limit, spent: e.spent });
        await cancelAll("INTERN_BUDGET_EXHAUSTED", `budget exhausted: ${e.resource} reached its limit of ${e.limit}`);
        stopReason = "budget_exhausted";
      }
      if (stopReason === null && !(input.failFast && anyFailed)) {
        for (const s of stages) {
          if (status.get(s.id) !== "pending") continue;
          const off = decidedOff(s);
          if (off !== null) {
            append({ type: "stage_skipped", at: iso(), stage: s.id, reason: `not needed: ${off}` });
            status.set(s.id, "skipped");
            notNeeded.add(s.id);
            continue;
          }
          const bad = blocked(s);
          if (bad) {
            append({ type: "stage_skipped", at: iso(), stage: s.id, reason: `needs ${bad}, which ${status.get(bad) === "failed" ? "failed" : "did not run"}` });
            status.set(s.id, "skipped");
          }
        }
        const jobsRunning = [...running.values()].filter((r) => r.stage.placement === "job").length;
        let slots = input.jobs - jobsRunning;
        for (const s of stages) {
          if (!ready(s)) continue;
          if (s.placement === "job") {
            if (slots <= 0 && !input.cache.get(s.key)) continue;
            if (!input.cache.get(s.key)) {
              const left = allowedSeconds(input.limits, spending(), s.resources!.timeLimitSeconds, s.resources!.gpus);
              if (left < 1) {
                heldByBudget = true;
                continue;
              }
              slots--;
            }
          }
          startedAny = true;
          await start(s);
        }
      } else if (input.failFast && anyFailed && running.size > 0) {
        await cancelAll("INTERN_CANCELLED", "cancelled: another stage failed (--fail-fast)");
      }
      if (running.size === 0) {
        // Every stage that could start has started; a ready stage left behind has no budget to run in.
        const stranded = stages.filter(ready);
        // Held only by slots that a stage which failed before its job was submitted gave back: start them.
        if (stranded.length > 0 && !heldByBudget && startedAny && stopReason === null && !(input.failFast && anyFailed)) continue;
        if (stranded.length > 0 && stopReason === null && !(input.failFast && anyFailed)) {
          const spent = spending();
          const wall = input.limits.wallClockSeconds !== null && spent.wallSeconds >= input.limits.wallClockSeconds - 1;
          append({
            type: "budget_exhausted", at: iso(), resource: wall ? "wall_clock" : "gpu_hours",
            limit: (wall ? input.limits.wallClockSeconds : input.limits.gpuHours) ?? 0, spent: wall ? spent.wallSeconds : spent.gpuHours,
          });
          stopReason = "budget_exhausted";
        }
        break;
      }
      const settledControl = [...running.values()].filter((r) => r.settled);
      for (const r of settledControl) finishStage(r, r.settled!);
      if (settledControl.length > 0) continue;
      const promises = [...running.values()].filter((r) => r.promise).map((r) => r.promise!);
      const jobRefs = [...running.values()].filter((r) => r.ref);
      const wait = sleep(jobRefs.length > 0 ? input.pollIntervalMs : 60_000, input.signal);
      await Promise.race([wait.done, ...promises]).finally(wait.cancel);
      if (jobRefs.length > 0) {
        const states = await executor.poll(jobRefs.map((r) => r.ref!));
        for (const r of jobRefs) {
          const st = states.get(r.ref!);
          if (st && st.state !== "running" && st.state !== "pending") await collectJob(r, st);
        }
      }
    }
    for (const s of stages) {
      if (status.get(s.id) === "pending") {
        append({ type: "stage_skipped", at: iso(), stage: s.id, reason: stopReason === "budget_exhausted" ? "the budget ran out" : input.failFast && anyFailed ? "stopped after a failure (--fail-fast)" : "its needs did not complete" });
      }
    }
    if (stopReason !== null) return stopReason;
    return anyFailed ? "failed" : "succeeded";
  } finally {
    clearInterval(ticker);
  }
}

/** The failure kind the recipe's retry policy names, for a job that did not succeed; null for one never retried. */
function failureKind(st: JobStatus): RetryKind | null {
  if (st.failure) return st.failure;
  if (st.state === "timeout") return "timeout";
  if (st.state === "failed") return "failed";
  return null;
}
