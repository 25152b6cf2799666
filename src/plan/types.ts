import type { Stage } from "../graph/types.js";

export type PlanAction = "run" | "cached" | "replay";

/** GPU-hours, wall-clock seconds, LLM tokens and dollars: what a run has spent, or at most what a stage may spend. */
export interface Spending {
  gpuHours: number;
  wallSeconds: number;
  llmTokens: number;
  llmUsd: number;
}

export interface PlannedStage {
  stage: Stage;
  action: PlanAction;
  /** Why this action: "no earlier run has this key", "cached: same inputs as run X". */
  reason: string;
  /** Upper bounds of what the stage may spend. */
  estimate: Spending;
}

export interface BudgetLine {
  resource: "gpu_hours" | "wall_clock" | "llm_tokens" | "llm_usd";
  limit: number | null;
  /** Stages that always run (first pass, baseline, agentic research). */
  required: number;
  /** Every stage, every pass. */
  all: number;
}

/** What `apply` would do, stage by stage, and what it may cost. */
export interface Plan {
  recipe: string;
  stages: PlannedStage[];
  budget: BudgetLine[];
  /** Errors: the required part alone crosses a limit. */
  overBudget: string[];
  /** Warnings: all passes together would cross a limit; the run stops early instead. */
  notes: string[];
}

/** The last completed result of a stage (by recipe and stage id), whatever its key was. */
export interface PreviousResult {
  key: string;
  runId: string;
  /** Its key's ingredients (Stage.inputs) then. */
  inputs: Record<string, string>;
}

/** Earlier stage results by content key, as the run store knows them. */
export interface CacheIndex {
  lookup(key: string): { runId: string } | null;
  /** The stage's last result, to say which input changed when its key did. */
  previous?(recipe: string, stageId: string): PreviousResult | null;
}

/** The reason a stage runs when nothing is known about it. */
export const NO_EARLIER_RUN = "no earlier run has this key";

export const EMPTY_CACHE: CacheIndex = { lookup: () => null };
