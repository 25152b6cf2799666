import type { Stage, StageGraph } from "../graph/types.js";
import { formatDuration } from "../recipe/duration.js";
import type { Recipe } from "../recipe/types.js";
import { estimateStage } from "./estimate.js";
import { groupDigits } from "./group-digits.js";
import { EMPTY_CACHE, NO_EARLIER_RUN, type BudgetLine, type CacheIndex, type Plan, type PlannedStage, type Spending } from "./types.js";

/** Longest path through the DAG, counting each stage's wall time: stages in parallel overlap. */
function criticalPath(stages: PlannedStage[], include: (s: PlannedStage) => boolean): number {
  const finish = new Map<string, number>();
  let longest = 0;
  for (const s of stages) {
    if (!include(s)) continue;
    // A loop, not Math.max(...needs): the report needs every sink, and a spread of a sweep's
    // hundred thousand arguments overflows the call stack.
    let start = 0;
    for (const n of s.stage.needs) start = Math.max(start, finish.get(n) ?? 0);
    const end = start + (s.action === "run" ? s.estimate.wallSeconds : 0);
    finish.set(s.stage.id, end);
    longest = Math.max(longest, end);
  }
  return longest;
}

function sum(stages: PlannedStage[], include: (s: PlannedStage) => boolean, pick: (e: Spending) => number): number {
  let total = 0;
  for (const s of stages) if (include(s) && s.action === "run") total += pick(s.estimate);
  return total;
}

function show(resource: BudgetLine["resource"], value: number): string {
  switch (resource) {
    case "gpu_hours":
      return `${Number(value.toFixed(2))} GPU-hours`;
    case "wall_clock":
      return formatDuration(value);
    case "llm_tokens":
      return `${groupDigits(Math.round(value))} tokens`;
    case "llm_usd":
      return `$${value.toFixed(2)}`;
  }
}

/** Names of the inputs whose digests differ, the stage's own before the stages it needs. */
export function changedInputs(before: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((n) => before[n] !== now[n]);
  const label = (n: string) => (before[n] === undefined ? `${n} (new)` : now[n] === undefined ? `${n} (gone)` : n);
  const upstream = (n: string) => n.startsWith("stage ");
  return [...names.filter((n) => !upstream(n)), ...names.filter(upstream)].map(label);
}

/** Why a stage runs or is reused. */
function decide(graph: StageGraph, stage: Stage, cache: CacheIndex): Pick<PlannedStage, "action" | "reason"> {
  const hit = cache.lookup(stage.key);
  if (hit) return { action: "cached", reason: `cached: same inputs as run ${hit.runId}` };
  const prev = cache.previous?.(graph.recipe, stage.id) ?? null;
  if (prev && prev.key === stage.key) return { action: "run", reason: `the files of run ${prev.runId}, which had the same inputs, are gone` };
  const changed = prev && stage.inputs ? changedInputs(prev.inputs, stage.inputs) : [];
  if (prev && changed.length > 0) return { action: "run", reason: `changed since run ${prev.runId}: ${changed.join(", ")}` };
  return { action: "run", reason: NO_EARLIER_RUN };
}

/**
 * The plan: per stage, run or reuse and why, with upper-bound estimates against the budget.
 * Pure: the cache index is read by the caller.
 */
export function makePlan(graph: StageGraph, recipe: Recipe, cache: CacheIndex = EMPTY_CACHE): Plan {
  const stages: PlannedStage[] = graph.stages.map((stage) => ({ stage, ...decide(graph, stage, cache), estimate: estimateStage(stage, recipe) }));
  const required = (s: PlannedStage) => !s.stage.conditional;
  const every = () => true;
  const b = recipe.budget;
  const budget: BudgetLine[] = [
    { resource: "gpu_hours", limit: b.gpuHours, required: sum(stages, required, (e) => e.gpuHours), all: sum(stages, every, (e) => e.gpuHours) },
    { resource: "wall_clock", limit: b.wallClockSeconds, required: criticalPath(stages, required), all: criticalPath(stages, every) },
    { resource: "llm_tokens", limit: b.llmTokens, required: sum(stages, required, (e) => e.llmTokens), all: sum(stages, every, (e) => e.llmTokens) },
    { resource: "llm_usd", limit: b.llmUsd, required: sum(stages, required, (e) => e.llmUsd), all: sum(stages, every, (e) => e.llmUsd) },
  ];
  const overBudget: string[] = [];
  const notes: string[] = [];
  const passes = b.iterations;
  for (const line of budget) {
    if (line.limit === null) continue;
    if (line.required > line.limit + 1e-9) {
      overBudget.push(`${line.resource}: the stages that always run may take ${show(line.resource, line.required)}, over the budget of ${show(line.resource, line.limit)}`);
    } else if (line.all > line.limit + 1e-9) {
      const perPass = passes > 1 ? (line.all - line.required) / (passes - 1) : 0;
      const fit = perPass > 0 ? 1 + Math.floor((line.limit - line.required) / perPass + 1e-9) : passes;
      notes.push(`${line.resource}: all ${passes} passes may take ${show(line.resource, line.all)}, over the budget of ${show(line.resource, line.limit)}; at worst ${Math.min(fit, passes)} of ${passes} passes fit, and the run stops when the budget runs out`);
    }
  }
  return { recipe: graph.recipe, stages, budget, overBudget, notes };
}
