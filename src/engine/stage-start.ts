import { redact } from "../process/redact.js";
import type { Stage } from "../graph/types.js";
import type { StageContext } from "../stages/types.js";
import { allowedSeconds } from "./budget.js";
import type { Running, ScheduleState } from "./schedule-state.js";

/**
 * The context a stage's attempt runs with: the run's, plus what records its LLM charges, notes
 * and progress while (and only while) this attempt runs.
 */
function attemptContext(state: ScheduleState, s: Stage, attempt: number): StageContext {
  const { input } = state;
  const secrets = input.secrets ?? [];
  return {
    ...input.context(s, state.needOutputs(s), state.dirs),
    charge: (llmTokens, llmUsd) => {
      state.llmNow.tokens += llmTokens;
      state.llmNow.usd += llmUsd;
      input.append({ type: "budget_charged", at: state.iso(), stage: s.id, gpuHours: 0, llmTokens, llmUsd });
    },
    // A replayed call spends nothing: llmNow, which the budget checks, does not move.
    chargeReplayed: (llmTokens, llmUsd) => {
      input.append({ type: "budget_charged", at: state.iso(), stage: s.id, gpuHours: 0, llmTokens: 0, llmUsd: 0, replayed: { llmTokens, llmUsd } });
    },
    note: (text) => {
      if (!state.isCurrent(s.id, attempt)) return;
      input.append({ type: "message", at: state.iso(), stage: s.id, text: redact(text, secrets) });
    },
    // Only while this attempt runs: a line after its final event would describe a stage that ended.
    // What shows it is no part of the stage: a failure to show it must not fail the stage.
    progress: (text) => state.show(s.id, attempt, text),
  };
}

/** Reuses a stage done before (in another run) from the cache; false when there is none to reuse. */
function reuseCached(state: ScheduleState, s: Stage): boolean {
  const { input } = state;
  const hit = input.cache.get(s.key);
  if (!hit || hit.runId === input.runId) return false;
  input.append({ type: "stage_cached", at: state.iso(), stage: s.id, key: s.key, fromRun: hit.runId, dir: hit.dir, outputs: hit.outputs });
  input.cache.remember(input.recipe, s.id, { key: s.key, runId: hit.runId, inputs: s.inputs ?? {} });
  state.status.set(s.id, "done");
  state.outputs.set(s.id, hit.outputs);
  state.dirs.set(s.id, hit.dir);
  return true;
}

/**
 * Starts a ready stage: reused from the cache, or a new attempt that runs in this process
 * (control-plane: settles on its own) or is submitted as a job, its time limit cut to the budget.
 */
export async function startStage(state: ScheduleState, s: Stage): Promise<void> {
  if (reuseCached(state, s)) return;
  const { input } = state;
  const { executor } = input;
  const attempt = (state.attempts.get(s.id) ?? 0) + 1;
  state.attempts.set(s.id, attempt);
  const runner = input.runners(s);
  const ctx = attemptContext(state, s, attempt);
  state.dirs.set(s.id, ctx.dir);
  // A new attempt must not be mistaken, after a crash before its job is submitted, for the
  // job an earlier attempt left behind: set that one aside before the attempt is on record.
  let discardError: unknown = null;
  if (runner.placement === "job") await executor.discard?.({ dir: ctx.dir }).catch((e: unknown) => (discardError = e));
  input.append({ type: "stage_started", at: state.iso(), stage: s.id, key: s.key, attempt });
  state.status.set(s.id, "running");
  const r: Running = { stage: s, startedMs: input.now(), attempt };
  state.running.set(s.id, r);
  if (discardError !== null) return state.finish(r, { ok: false, error: discardError });
  if (runner.placement === "control-plane") {
    r.promise = runner.run(ctx).then(
      (o) => (r.settled = { ok: true as const, outputs: o }),
      (error: unknown) => (r.settled = { ok: false as const, error }),
    );
    return;
  }
  try {
    const limit = allowedSeconds(input.limits, state.spending(), s.resources!.timeLimitSeconds, s.resources!.gpus);
    const job = await runner.prepare(ctx, limit);
    // From the log's end before the job starts: a local log keeps earlier attempts' output.
    const progress = state.followJob(s, attempt, ctx.dir, executor.logPath(job), "end", () => r.ref);
    const ref = await executor.submit(job);
    r.ref = ref;
    r.job = job;
    r.progress = progress;
    input.append({ type: "job_submitted", at: state.iso(), stage: s.id, ref, job: executor.label(ref), gpus: job.gpus, timeLimitSeconds: job.timeLimitSeconds, attempt });
  } catch (error) {
    state.finish(r, { ok: false, error });
  }
}

/** Records the control-plane stages that settled since the last look; whether there were any. */
export function finishSettled(state: ScheduleState): boolean {
  const settled = [...state.running.values()].filter((r) => r.settled);
  for (const r of settled) state.finish(r, r.settled!);
  return settled.length > 0;
}
