import type { Stage } from "../graph/types.js";
import { allowedSeconds, checkBudget } from "./budget.js";
import type { ScheduleState } from "./schedule-state.js";

/** Whether a pending stage has all its needs settled (done, or not needed). */
export function isReady(state: ScheduleState, s: Stage): boolean {
  return state.status.get(s.id) === "pending" && s.needs.every((n) => state.status.get(n) === "done" || state.notNeeded.has(n));
}

/** A need of `s` that failed or was skipped (and was needed), if any. */
function blockedBy(state: ScheduleState, s: Stage): string | undefined {
  return s.needs.find((n) => (state.status.get(n) === "failed" || state.status.get(n) === "skipped") && !state.notNeeded.has(n));
}

/** Why a conditional stage is not needed: a decide stage it follows chose to stop. */
function decidedOff(state: ScheduleState, s: Stage): string | null {
  if (!s.conditional) return null;
  for (const n of s.needs) {
    const out = state.outputs.get(n);
    const need = state.byId.get(n);
    if (need?.kind === "decide" && state.status.get(n) === "done" && out?.decision === "stop") return `${n} chose to stop: ${String(out.reason ?? "")}`;
  }
  const off = s.needs.find((n) => state.notNeeded.has(n));
  return off === undefined ? null : `${off} was not needed`;
}

/** Skips the pending stages that will never run: not needed after a decision, or a need failed. */
export function skipUnreachable(state: ScheduleState): void {
  const { input } = state;
  for (const s of input.stages) {
    if (state.status.get(s.id) !== "pending") continue;
    const off = decidedOff(state, s);
    if (off !== null) {
      input.append({ type: "stage_skipped", at: state.iso(), stage: s.id, reason: `not needed: ${off}` });
      state.status.set(s.id, "skipped");
      state.notNeeded.add(s.id);
      continue;
    }
    const bad = blockedBy(state, s);
    if (bad) {
      input.append({ type: "stage_skipped", at: state.iso(), stage: s.id, reason: `needs ${bad}, which ${state.status.get(bad) === "failed" ? "failed" : "did not run"}` });
      state.status.set(s.id, "skipped");
    }
  }
}

/**
 * What one pass of starting did: whether anything started, and whether a ready job stage was left
 * waiting because the budget had no time for it rather than because every job slot was taken.
 */
export interface StartPass {
  startedAny: boolean;
  heldByBudget: boolean;
}

/**
 * Starts every ready stage the gates let through: a job stage needs a free job slot (of `jobs`)
 * and a second of budget left, unless the cache has it (reuse takes neither).
 */
export async function startReady(state: ScheduleState, start: (s: Stage) => Promise<void>): Promise<StartPass> {
  const { input } = state;
  const pass: StartPass = { startedAny: false, heldByBudget: false };
  const jobsRunning = [...state.running.values()].filter((r) => r.stage.placement === "job").length;
  let slots = input.jobs - jobsRunning;
  for (const s of input.stages) {
    if (!isReady(state, s)) continue;
    if (s.placement === "job" && !input.cache.get(s.key)) {
      if (slots <= 0) continue;
      const left = allowedSeconds(input.limits, state.spending(), s.resources!.timeLimitSeconds, s.resources!.gpus);
      if (left < 1) {
        pass.heldByBudget = true;
        continue;
      }
      slots--;
    }
    pass.startedAny = true;
    await start(s);
  }
  return pass;
}

/** Stops the run when a budget limit is reached: records it and cancels what runs. */
export async function stopOnBudget(state: ScheduleState): Promise<void> {
  const verdict = checkBudget(state.input.limits, state.spending());
  if (!verdict.exhausted || state.stopReason !== null) return;
  const e = verdict.exhausted;
  state.input.append({ type: "budget_exhausted", at: state.iso(), resource: e.resource, limit: e.limit, spent: e.spent });
  await state.cancelAll("INTERN_BUDGET_EXHAUSTED", `budget exhausted: ${e.resource} reached its limit of ${e.limit}`);
  state.stopReason = "budget_exhausted";
}

/**
 * Nothing runs: every stage that could start has started. "again" when a ready stage was held only
 * by slots that a stage failing before its job was submitted gave back (start it); a ready stage
 * left otherwise has no budget to run in, and the run stops on the budget ("end").
 */
export function whenIdle(state: ScheduleState, pass: StartPass): "again" | "end" {
  const { input } = state;
  const stranded = input.stages.filter((s) => isReady(state, s));
  if (stranded.length === 0 || !state.mayStart) return "end";
  if (!pass.heldByBudget && pass.startedAny) return "again";
  const spent = state.spending();
  const wall = input.limits.wallClockSeconds !== null && spent.wallSeconds >= input.limits.wallClockSeconds - 1;
  input.append({
    type: "budget_exhausted", at: state.iso(), resource: wall ? "wall_clock" : "gpu_hours",
    limit: (wall ? input.limits.wallClockSeconds : input.limits.gpuHours) ?? 0, spent: wall ? spent.wallSeconds : spent.gpuHours,
  });
  state.stopReason = "budget_exhausted";
  return "end";
}
