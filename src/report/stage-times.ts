import type { RunEvent } from "../run/events.js";

/** When a stage ran and where, from the run's events. Times are milliseconds since the epoch. */
export interface StageTimes {
  id: string;
  /** First start in this run; null for a stage that never started (cached, skipped, pending). */
  start: number | null;
  /** When it ended (done, failed, cached); null while it runs or when it never ran. */
  end: number | null;
  /** Where it ran: `intern` for the control plane, the job in words (`process 4242`, `Slurm job 42`). */
  where: string;
  attempts: number;
  /** The run it was reused from, for a cached stage. */
  cachedFrom: string | null;
}

/** The run's span and its pauses (interrupted until resumed), for the timeline. */
export interface RunTimes {
  start: number;
  /** The run's end, or its last event while it goes on. */
  end: number;
  pauses: { from: number; to: number }[];
  stages: StageTimes[];
  /** The job environment (its digest) the run's jobs used, as `env_ready` records it. */
  environment: { id: string; created: boolean } | null;
  /** The intern version that started the run. */
  intern: string | null;
}

/** Folds the events into times per stage. Pure. */
export function runTimes(events: readonly RunEvent[]): RunTimes | null {
  const first = events[0];
  if (!first || first.type !== "run_started") return null;
  const stages = new Map<string, StageTimes>();
  for (const s of first.stages) stages.set(s.id, { id: s.id, start: null, end: null, where: s.placement === "job" ? "job" : "intern", attempts: 0, cachedFrom: null });
  const out: RunTimes = { start: Date.parse(first.at), end: Date.parse(first.at), pauses: [], stages: [...stages.values()], environment: null, intern: first.intern };
  let pausedAt: number | null = null;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (!Number.isNaN(t)) out.end = Math.max(out.end, t);
    const s = "stage" in e && typeof e.stage === "string" ? stages.get(e.stage) : undefined;
    switch (e.type) {
      case "stage_started":
        if (s) {
          s.start ??= t;
          s.end = null;
          s.attempts = Math.max(s.attempts, e.attempt);
        }
        break;
      case "job_submitted":
        if (s) s.where = e.job ?? "job";
        break;
      case "stage_done":
      case "stage_failed":
        if (s) s.end = t;
        break;
      case "stage_cached":
        if (s) Object.assign(s, { start: t, end: t, cachedFrom: e.fromRun });
        break;
      case "env_ready":
        out.environment = { id: e.env, created: e.created };
        break;
      case "run_interrupted":
        pausedAt = t;
        break;
      case "run_resumed":
        if (pausedAt !== null) out.pauses.push({ from: pausedAt, to: t });
        pausedAt = null;
        break;
      default:
        break;
    }
  }
  return out;
}
