import type { Spending } from "../plan/types.js";
import type { BudgetLimits } from "../run/events.js";

export interface BudgetVerdict {
  /** The limit that is crossed, in words, or null. */
  exhausted: { resource: string; limit: number; spent: number } | null;
}

/** Which limit, if any, `spent` has reached. */
export function checkBudget(limits: BudgetLimits, spent: Spending): BudgetVerdict {
  const checks: [string, number | null, number][] = [
    ["wall_clock", limits.wallClockSeconds, spent.wallSeconds],
    ["gpu_hours", limits.gpuHours, spent.gpuHours],
    ["llm_tokens", limits.llmTokens, spent.llmTokens],
    ["llm_usd", limits.llmUsd, spent.llmUsd],
  ];
  for (const [resource, limit, value] of checks) if (limit !== null && value >= limit) return { exhausted: { resource, limit, spent: value } };
  return { exhausted: null };
}

/**
 * The time limit a job may get: its own, cut to what the wall clock and GPU-hours have left, so
 * no job can carry the run past a limit even if intern is not there to stop it.
 */
export function allowedSeconds(limits: BudgetLimits, spent: Spending, stageLimit: number, gpus: number): number {
  let allowed = stageLimit;
  if (limits.wallClockSeconds !== null) allowed = Math.min(allowed, limits.wallClockSeconds - spent.wallSeconds);
  if (limits.gpuHours !== null && gpus > 0) allowed = Math.min(allowed, ((limits.gpuHours - spent.gpuHours) * 3600) / gpus);
  return Math.max(0, Math.floor(allowed));
}
