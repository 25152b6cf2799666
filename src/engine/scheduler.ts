import { PROGRESS_TICK_MS } from "./job-progress.js";
import { pollJobs } from "./job-outcome.js";
import { reattachRunning } from "./reattach.js";
import { ScheduleState, type SchedulerInput } from "./schedule-state.js";
import { skipUnreachable, startReady, stopOnBudget, whenIdle, type StartPass } from "./stage-gating.js";
import { finishSettled, startStage } from "./stage-start.js";
import type { RunStatus } from "../run/events.js";

export type { InitialStage, SchedulerInput } from "./schedule-state.js";

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

/** Waits for a control-plane stage to settle, the next poll or an interrupt; then polls the jobs. */
async function waitAndPoll(state: ScheduleState): Promise<void> {
  const { input } = state;
  const running = [...state.running.values()];
  const promises = running.filter((r) => r.promise).map((r) => r.promise!);
  const jobs = running.filter((r) => r.ref);
  const wait = sleep(jobs.length > 0 ? input.pollIntervalMs : 60_000, input.signal);
  await Promise.race([wait.done, ...promises]).finally(wait.cancel);
  await pollJobs(state, jobs);
}

/** Skips what never started, saying why, and gives the run's outcome. */
function conclude(state: ScheduleState): RunStatus | "interrupted" {
  const { input } = state;
  const reason = state.stopReason === "budget_exhausted" ? "the budget ran out" : state.haltedByFailure ? "stopped after a failure (--fail-fast)" : "its needs did not complete";
  for (const s of input.stages) {
    if (state.status.get(s.id) === "pending") input.append({ type: "stage_skipped", at: state.iso(), stage: s.id, reason });
  }
  if (state.stopReason !== null) return state.stopReason;
  return state.anyFailed ? "failed" : "succeeded";
}

/**
 * Walks the DAG: starts every stage whose needs are done (jobs up to `jobs` at a time), reuses
 * cached stages, polls all running jobs with one call, stops dependents of a failed stage while
 * independent branches go on, and enforces the budget. Every step is an event appended (and
 * fsynced) before the next step acts on it.
 */
export async function schedule(input: SchedulerInput): Promise<RunStatus | "interrupted"> {
  const state = new ScheduleState(input);
  await reattachRunning(state);
  // Running jobs' logs are read for their progress between polls, on a clock of their own.
  const ticker = setInterval(() => {
    for (const r of state.running.values()) r.progress?.tick();
  }, PROGRESS_TICK_MS);
  ticker.unref();
  try {
    while (true) {
      if (input.signal.aborted) {
        await state.cancelAll("INTERN_CANCELLED", "cancelled by the user (interrupt)");
        return "interrupted";
      }
      await stopOnBudget(state);
      let pass: StartPass = { startedAny: false, heldByBudget: false };
      if (state.mayStart) {
        skipUnreachable(state);
        pass = await startReady(state, (s) => startStage(state, s));
      } else if (state.haltedByFailure && state.running.size > 0) {
        await state.cancelAll("INTERN_CANCELLED", "cancelled: another stage failed (--fail-fast)");
      }
      if (state.running.size === 0) {
        if (whenIdle(state, pass) === "again") continue;
        break;
      }
      if (finishSettled(state)) continue;
      await waitAndPoll(state);
    }
    return conclude(state);
  } finally {
    clearInterval(ticker);
  }
}

