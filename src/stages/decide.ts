import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent } from "../agent/index.js";
import type { Stage } from "../graph/types.js";
import { initialChoice } from "../render/search-choice.js";
import type { Recipe, SearchRange } from "../recipe/types.js";
import { agentStage, agentSummary } from "./agent-stage.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** One finished pass, as decide sees it. */
export interface PassRecord {
  pass: number;
  hyperparameters: Record<string, unknown>;
  value: number | null;
}

export interface Decision {
  decision: "continue" | "stop";
  reason: string;
  /** Who decided: a rule in code (target reached), the agent, or the budget. */
  by: "rule" | "agent" | "budget";
  /** The search-space values the next pass trains with (the current ones when stopping). */
  hyperparameters: Record<string, unknown>;
}

/** The JSON Schema of one search-space key: its listed values, or its range. */
function rangeSchema(range: SearchRange): Record<string, unknown> {
  if (range.values !== null) return { enum: range.values };
  return { type: "number", minimum: range.min, maximum: range.max };
}

/** The answer's schema, built from the recipe's search space: nothing outside it validates. */
export function decideAnswerSchema(space: Recipe["training"]["searchSpace"]): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(space).map(([k, r]) => [k, rangeSchema(r)]));
  return {
    type: "object",
    properties: {
      action: { enum: ["continue", "stop"], description: "train another pass, or stop" },
      reason: { type: "string" },
      hyperparameters: { type: "object", properties, additionalProperties: false, description: "values for the next pass, within the search space; keys left out keep their value" },
    },
    required: ["action", "reason"],
    additionalProperties: false,
  };
}

/** True when `value` lies in the key's search space. */
export function inSearchSpace(range: SearchRange, value: unknown): boolean {
  if (range.values !== null) return range.values.some((v) => JSON.stringify(v) === JSON.stringify(value));
  return typeof value === "number" && Number.isFinite(value) && value >= range.min! && value <= range.max!;
}

function needOfKind(ctx: StageContext, stage: Stage, kind: string, exclude?: string): Stage | undefined {
  const byId = new Map(ctx.graph.stages.map((s) => [s.id, s]));
  return stage.needs.map((n) => byId.get(n)).find((s) => s?.kind === kind && s.id !== exclude);
}

/** The passes so far, oldest first: what each trained with and what it scored. */
export function passHistory(ctx: StageContext): PassRecord[] {
  const state = ctx.state();
  const space = ctx.recipe.training.searchSpace;
  const initial = Object.fromEntries(Object.entries(space).map(([k, r]) => [k, initialChoice(r)]));
  const out: PassRecord[] = [];
  let decide: Stage | undefined = ctx.stage;
  while (decide !== undefined) {
    const evaluate = needOfKind(ctx, decide, "evaluate", "baseline");
    if (evaluate === undefined) break;
    const value = decide === ctx.stage ? ctx.needOutputs.get(evaluate.id)?.value : state.stages.get(evaluate.id)?.outputs.value;
    const train = needOfKind(ctx, evaluate, "train");
    const previous: Stage | undefined = train ? needOfKind(ctx, train, "decide") : undefined;
    const chosen = previous ? (state.stages.get(previous.id)?.outputs.hyperparameters as Record<string, unknown> | undefined) : undefined;
    out.unshift({ pass: evaluate.pass ?? 1, hyperparameters: { ...initial, ...(chosen ?? {}) }, value: typeof value === "number" ? value : null });
    decide = previous;
  }
  return out;
}

function reached(recipe: Recipe, value: number | null): boolean {
  if (value === null) return false;
  return recipe.benchmark.higherIsBetter ? value >= recipe.benchmark.target : value <= recipe.benchmark.target;
}

/** decide: after a pass's evaluation, the next pass's hyperparameters within the search space, or stop. */
export const decideRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const r = ctx.recipe;
    const history = passHistory(ctx);
    const current = history[history.length - 1] ?? { pass: ctx.stage.pass ?? 1, hyperparameters: {}, value: null };
    const baseline = ctx.needOutputs.get("baseline")?.value;
    const metric = { name: r.benchmark.metric, value: current.value, baseline: typeof baseline === "number" ? baseline : null, target: r.benchmark.target, higherIsBetter: r.benchmark.higherIsBetter };
    const finish = (d: Decision, extra: Record<string, unknown> = {}) => {
      const result = { ...d, pass: current.pass, metric, history, ...extra };
      writeFileSync(join(ctx.dir, "decision.json"), `${JSON.stringify(result, null, 2)}\n`);
      return result;
    };
    // Rules the code applies whatever a model would say.
    if (reached(r, current.value)) {
      return finish({ decision: "stop", reason: `the target ${r.benchmark.target} is reached (${r.benchmark.metric} ${current.value})`, by: "rule", hyperparameters: current.hyperparameters });
    }

    const agent = agentStage(ctx);
    const space = r.training.searchSpace;
    const outcome = await runAgent<{ action: "continue" | "stop"; reason: string; hyperparameters?: Record<string, unknown> }>({
      llm: agent.llm,
      system: [
        "You decide the next pass of a post-training run: train again with other hyperparameters, or stop (target reached, no progress, or not worth the budget).",
        `Goal: ${r.goal}`,
        `Benchmark: ${r.benchmark.name}, metric ${r.benchmark.metric} (${r.benchmark.higherIsBetter ? "higher" : "lower"} is better), target ${r.benchmark.target}.`,
        `The hyperparameters you may choose, and their allowed values: ${JSON.stringify(space)}.`,
        "Call `answer` with your decision.",
      ].join("\n\n"),
      user: JSON.stringify({ baseline: metric.baseline, passes: history, passesLeft: r.budget.iterations - current.pass }, null, 2),
      tools: [],
      answer: { schema: decideAnswerSchema(space), description: "Give the decision. Call this once." },
      maxSteps: r.agent.maxSteps,
      ledger: agent.ledger,
      transcript: agent.transcript,
      signal: ctx.signal,
      secrets: agent.secrets,
    });
    const summary = agentSummary(agent, outcome);
    if (outcome.kind !== "answer") {
      const why = outcome.kind === "budget" ? `the LLM budget is low: ${outcome.reason}` : `no decision within agent.max_steps (${r.agent.maxSteps})`;
      return finish({ decision: "stop", reason: why, by: "budget", hyperparameters: current.hyperparameters }, summary);
    }
    // The schema bounds the answer; the code checks again, so nothing outside the search space trains.
    const next = { ...current.hyperparameters };
    for (const [k, v] of Object.entries(outcome.value.hyperparameters ?? {})) {
      const range = space[k];
      if (range !== undefined && inSearchSpace(range, v)) next[k] = v;
    }
    return finish({ decision: outcome.value.action, reason: outcome.value.reason, by: "agent", hyperparameters: next }, summary);
  },
};
