import type { JobSpec } from "../executors/types.js";
import type { Running, ScheduleState } from "./schedule-state.js";

/**
 * Jobs that were running when the last intern process stopped: watched again, never resubmitted.
 * A job the backend no longer knows leaves its stage pending (it runs anew).
 */
export async function reattachRunning(state: ScheduleState): Promise<void> {
  const { input } = state;
  const { executor } = input;
  for (const s of input.stages) {
    const init = input.initial.get(s.id);
    if (init?.status !== "running") continue;
    const ctx = input.context(s, new Map(), state.dirs);
    const job: JobSpec = { stageId: s.id, dir: ctx.dir, script: "", env: {}, timeLimitSeconds: 0, gpus: s.resources?.gpus ?? 0 };
    const ref = init.ref ?? (await executor.find(job));
    if (!ref) continue;
    const r: Running = { stage: s, startedMs: init.submittedAt ? Date.parse(init.submittedAt) : input.now(), attempt: init.attempt, ref, job };
    r.progress = state.followJob(s, init.attempt, ctx.dir, executor.logPath(job), "resume", () => r.ref);
    state.running.set(s.id, r);
    state.status.set(s.id, "running");
    input.append({ type: "message", at: state.iso(), stage: s.id, text: `re-attached to the job that was running (${executor.label(ref)})` });
  }
}
