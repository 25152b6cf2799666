import { existsSync, readFileSync } from "node:fs";
import { InternalError, InternError } from "../errors.js";
import { lastLines } from "../process/run-process.js";
import { scrubFile } from "../process/scrub-file.js";
import type { JobStatus } from "../executors/types.js";
import type { RetryKind } from "../recipe/types.js";
import { collectJobOutputs } from "../stages/job-facts.js";
import type { Running, ScheduleState } from "./schedule-state.js";

/** The failure kind the recipe's retry policy names, for a job that did not succeed; null for one never retried. */
export function failureKind(st: JobStatus): RetryKind | null {
  if (st.failure) return st.failure;
  if (st.state === "timeout") return "timeout";
  if (st.state === "failed") return "failed";
  return null;
}

/** What to do about a job that did not succeed, in words. */
function failureHint(st: JobStatus, budgetCut: boolean, logPath: string): string {
  if (st.state === "timeout") {
    return budgetCut ? "the job's time limit was cut to what the budget had left; raise the budget" : (st.hint ?? `raise the stage's time limit (training.time_limit or benchmark.time_limit)`);
  }
  if (st.state === "cancelled") return `the job was cancelled outside intern${st.cancelledBy ? ` (by ${st.cancelledBy})` : ""}; \`intern apply\` again runs the stage anew`;
  return st.hint ? `${st.hint}; the job log: ${logPath}` : `the job log has the details: ${logPath}`;
}

/**
 * A job that ended: its outputs collected when it succeeded; otherwise another attempt when the
 * recipe's retry policy names its failure kind and attempts are left (not for a limit the budget
 * cut, nor once the run is stopping), else the stage fails with the log's last lines.
 */
export async function collectJob(state: ScheduleState, r: Running, st: JobStatus): Promise<void> {
  const { input } = state;
  const ctx = input.context(r.stage, state.needOutputs(r.stage), state.dirs);
  if (st.state === "succeeded") {
    try {
      const runner = input.runners(r.stage);
      if (runner.placement !== "job") throw new InternalError(`stage ${r.stage.id} ran as a job but its runner is not a job runner`);
      state.finish(r, { ok: true, outputs: await collectJobOutputs(runner, ctx) }, st.usage);
    } catch (error) {
      state.finish(r, { ok: false, error }, st.usage);
    }
    return;
  }
  const logPath = input.executor.logPath(r.job ?? { dir: ctx.dir });
  scrubFile(logPath, input.secrets ?? []);
  const tail = existsSync(logPath) ? lastLines(readFileSync(logPath, "utf8"), 20) : "";
  const budgetCut = st.state === "timeout" && r.job !== undefined && r.job.timeLimitSeconds < (r.stage.resources?.timeLimitSeconds ?? Infinity);
  const kind = failureKind(st);
  const retry = ctx.recipe.compute.retry;
  if (!budgetCut && kind !== null && retry.on.includes(kind) && r.attempt < retry.maxAttempts && state.stopReason === null && !input.signal.aborted) {
    r.progress?.finish();
    const { seconds, gpuHours } = state.charge(r, st.usage);
    input.append({ type: "job_retrying", at: state.iso(), stage: r.stage.id, attempt: r.attempt, maxAttempts: retry.maxAttempts, failure: kind, reason: st.reason ?? st.state, seconds, gpuHours });
    state.status.set(r.stage.id, "pending");
    return;
  }
  // A job cancelled by someone else (scancel, an administrator) fails its stage: intern did not ask for it.
  const code = budgetCut ? "INTERN_BUDGET_EXHAUSTED" : st.state === "cancelled" ? "INTERN_JOB_CANCELLED" : "INTERN_JOB_FAILED";
  const tried = r.attempt > 1 ? ` (attempt ${r.attempt} of ${retry.maxAttempts})` : "";
  const error = new InternError(code, `stage ${r.stage.id}: job ${st.reason ?? st.state}${tried}`, { hint: failureHint(st, budgetCut, logPath) });
  state.finish(r, { ok: false, error, state: st.state, logTail: tail }, st.usage);
  if (budgetCut) state.stopReason = "budget_exhausted";
}

/** Asks the executor, in one call, how the running jobs are, and takes in the ones that ended. */
export async function pollJobs(state: ScheduleState, jobs: Running[]): Promise<void> {
  if (jobs.length === 0) return;
  const states = await state.input.executor.poll(jobs.map((r) => r.ref!));
  for (const r of jobs) {
    const st = states.get(r.ref!);
    if (st && st.state !== "running" && st.state !== "pending") await collectJob(state, r, st);
  }
}
