import type { BudgetLimits, RunEvent, RunStatus, StageStatus } from "./events.js";

export interface StageState {
  id: string;
  key: string;
  kind: string;
  placement: string;
  needs: string[];
  gpus: number;
  status: StageStatus;
  attempt: number;
  /** The job's executor reference while it runs (a pid, a Slurm job id). */
  ref: string | null;
  submittedAt: string | null;
  timeLimitSeconds: number | null;
  startedAt: string | null;
  seconds: number;
  gpuHours: number;
  /** Where the stage's files are: its own folder, or a cached stage's in another run. */
  dir: string | null;
  fromRun: string | null;
  error: string | null;
  outputs: Record<string, unknown>;
}

export interface RunState {
  id: string;
  recipe: string;
  name: string;
  backend: string;
  startedAt: string;
  status: RunStatus | "running" | "interrupted";
  budget: BudgetLimits;
  stages: Map<string, StageState>;
  spent: { gpuHours: number; llmTokens: number; llmUsd: number; wallSeconds: number };
  /** LLM calls served from recorded transcripts: not spent by this run, what the recorded run was charged. */
  replayed?: { llmTokens: number; llmUsd: number };
  finishedAt: string | null;
}

/**
 * Folds a run's events into its state. The only way state is known: nothing else is stored.
 * Wall clock counts the time intern was working on the run, across resumes.
 */
export function foldEvents(events: readonly RunEvent[]): RunState | null {
  const first = events[0];
  if (!first || first.type !== "run_started") return null;
  const state: RunState = {
    id: first.run,
    recipe: first.recipe,
    name: first.name,
    backend: first.backend,
    startedAt: first.at,
    status: "running",
    budget: first.budget,
    stages: new Map(),
    spent: { gpuHours: 0, llmTokens: 0, llmUsd: 0, wallSeconds: 0 },
    replayed: { llmTokens: 0, llmUsd: 0 },
    finishedAt: null,
  };
  for (const s of first.stages) {
    state.stages.set(s.id, {
      id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: s.gpus, status: "pending", attempt: 0, ref: null,
      submittedAt: null, timeLimitSeconds: null, startedAt: null, seconds: 0, gpuHours: 0, dir: null, fromRun: null, error: null, outputs: {},
    });
  }
  let activeSince = Date.parse(first.at);
  let last = activeSince;
  for (const e of events) {
    const t = Date.parse(e.at);
    const before = last;
    last = Math.max(last, t);
    switch (e.type) {
      case "run_resumed":
        // The previous process died without a word: its time ran until its last event.
        if (!Number.isNaN(activeSince)) state.spent.wallSeconds += (before - activeSince) / 1000;
        activeSince = t;
        state.status = "running";
        if (e.budget) state.budget = e.budget;
        break;
      case "stage_started": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: "running", attempt: e.attempt, startedAt: e.at, error: null });
        break;
      }
      case "job_submitted": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { ref: e.ref, submittedAt: e.at, timeLimitSeconds: e.timeLimitSeconds });
        break;
      }
      case "job_retrying": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: "pending", ref: null, gpuHours: s.gpuHours + e.gpuHours, error: e.reason });
        state.spent.gpuHours += e.gpuHours;
        break;
      }
      case "stage_cached": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: "cached", dir: e.dir, fromRun: e.fromRun, outputs: e.outputs });
        break;
      }
      case "stage_done": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: "done", seconds: e.seconds, gpuHours: s.gpuHours + e.gpuHours, outputs: e.outputs, ref: null });
        state.spent.gpuHours += e.gpuHours;
        break;
      }
      case "stage_failed": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: e.code === "INTERN_CANCELLED" ? "cancelled" : "failed", seconds: e.seconds, gpuHours: s.gpuHours + e.gpuHours, error: e.error, ref: null });
        state.spent.gpuHours += e.gpuHours;
        break;
      }
      case "stage_skipped": {
        const s = state.stages.get(e.stage);
        if (s) Object.assign(s, { status: "skipped", error: e.reason });
        break;
      }
      case "budget_charged":
        state.spent.llmTokens += e.llmTokens;
        state.spent.llmUsd += e.llmUsd;
        if (e.replayed) {
          state.replayed!.llmTokens += e.replayed.llmTokens;
          state.replayed!.llmUsd += e.replayed.llmUsd;
        }
        break;
      case "run_interrupted":
        state.spent.wallSeconds += (t - activeSince) / 1000;
        activeSince = NaN;
        state.status = "interrupted";
        break;
      case "run_finished":
        if (!Number.isNaN(activeSince)) state.spent.wallSeconds += (t - activeSince) / 1000;
        activeSince = NaN;
        state.status = e.status;
        state.finishedAt = e.at;
        break;
      default:
        break;
    }
  }
  // A run whose process died without a word: count its time up to its last event.
  if (!Number.isNaN(activeSince) && state.status === "running") state.spent.wallSeconds += (last - activeSince) / 1000;
  return state;
}

export function isFinished(state: RunState): boolean {
  return state.finishedAt !== null;
}
