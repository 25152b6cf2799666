import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgent } from "../agent/index.js";
import { needOfKind } from "../graph/needs.js";
import type { Stage } from "../graph/types.js";
import { initialChoice } from "../render/search-choice.js";
import type { Recipe, SearchRange } from "../recipe/types.js";
import { agentStage, agentSummary } from "./agent-stage.js";
import type { MixEntry } from "./hub-data.js";
import type { ControlPlaneRunner, StageContext } from "./types.js";

/** One finished pass, as decide sees it. */
export interface PassRecord {
  pass: number;
  hyperparameters: Record<string, unknown>;
  /** The fractions of discover's datasets it trained with, by mix key; absent when the recipe pins its data. */
  mix?: Record<string, number>;
  value: number | null;
}

/** One dataset of the mix a pass trains with: a dataset discover chose and validated, and its fraction. */
export interface MixWeight {
  /** How decide's answer names it: the dataset id, or `id:file` when discover chose two files of it. */
  key: string;
  id: string;
  file: string;
  fraction: number;
}

export interface Decision {
  decision: "continue" | "stop";
  reason: string;
  /** Who decided: a rule in code (target reached), the agent, or the budget. */
  by: "rule" | "agent" | "budget";
  /** The search-space values the next pass trains with (the current ones when stopping). */
  hyperparameters: Record<string, unknown>;
  /** The mix the next pass trains with (the current one unless the agent re-weighted it); null with pinned data. */
  mix: MixWeight[] | null;
  /** Whether the agent re-weighted the mix. */
  mixChanged: boolean;
}

/** The JSON Schema of one search-space key: its listed values, or its range. */
function rangeSchema(range: SearchRange): Record<string, unknown> {
  if (range.values !== null) return { enum: range.values };
  return { type: range.integer ? "integer" : "number", minimum: range.min, maximum: range.max };
}

/**
 * The answer's schema, built from the recipe's search space and the current mix: nothing outside
 * them validates. With a mix, `mix` gives a fraction to each of its datasets and names no other.
 */
export function decideAnswerSchema(space: Recipe["training"]["searchSpace"], mix: MixWeight[] | null = null): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(space).map(([k, r]) => [k, rangeSchema(r)]));
  const keys = (mix ?? []).map((m) => m.key);
  const fraction = { type: "number", exclusiveMinimum: 0, maximum: 1 };
  const mixSchema = {
    type: "object",
    properties: Object.fromEntries(keys.map((k) => [k, fraction])),
    required: keys,
    additionalProperties: false,
    description: `the next pass's fraction of each dataset of the current mix (${keys.join(", ")}), each in (0, 1], normalised to sum 1; no other dataset may enter the mix; leave out to keep the current mix`,
  };
  return {
    type: "object",
    properties: {
      action: { enum: ["continue", "stop"], description: "train another pass, or stop" },
      reason: { type: "string" },
      hyperparameters: { type: "object", properties, additionalProperties: false, description: "values for the next pass, within the search space; keys left out keep their value" },
      ...(keys.length > 0 ? { mix: mixSchema } : {}),
    },
    required: ["action", "reason"],
    additionalProperties: false,
  };
}

/** True when `value` lies in the key's search space. */
export function inSearchSpace(range: SearchRange, value: unknown): boolean {
  if (range.values !== null) return range.values.some((v) => JSON.stringify(v) === JSON.stringify(value));
  if (typeof value !== "number" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) return false;
  return value >= range.min! && value <= range.max!;
}

/** A search range as the stage log and the model read it. */
export function describeRange(range: SearchRange): string {
  if (range.values !== null) return `one of ${range.values.map((v) => JSON.stringify(v)).join(", ")}`;
  return `${range.integer ? "a whole number" : "a number"} in [${range.min}, ${range.max}]`;
}

/** discover's mix as fractions by key; null when no discover stage chose one. */
function discoveredMix(ctx: StageContext): MixWeight[] | null {
  const discover = ctx.graph.stages.find((s) => s.kind === "discover");
  const mix = discover ? (ctx.state().stages.get(discover.id)?.outputs.mix as MixEntry[] | undefined) : undefined;
  if (!Array.isArray(mix) || mix.length === 0) return null;
  const twice = new Set(mix.filter((e, i) => mix.findIndex((o) => o.id === e.id) !== i).map((e) => e.id));
  return mix.map((e) => ({ key: twice.has(e.id) ? `${e.id}:${e.file}` : e.id, id: e.id, file: e.file, fraction: e.fraction }));
}

/** The mix a decide stage chose for the pass after it; null when it named none (pinned data). */
function decidedMix(outputs: Record<string, unknown> | undefined): MixWeight[] | null {
  const mix = outputs?.mix;
  return Array.isArray(mix) && mix.length > 0 ? (mix as MixWeight[]) : null;
}

/**
 * The fractions the agent gave, checked again in code: every key one of the current mix's, each
 * in (0, 1], every dataset given one. Refused: the current mix stays, with the reasons.
 */
export function reweighMix(current: MixWeight[], named: Record<string, unknown>): { mix: MixWeight[]; refused: { id: string; reason: string }[] } {
  const keys = new Set(current.map((m) => m.key));
  const refused: { id: string; reason: string }[] = [];
  for (const [k, v] of Object.entries(named)) {
    if (!keys.has(k)) refused.push({ id: k, reason: `not one of the datasets discover chose and validated (${[...keys].join(", ")}); decide may only re-weight those` });
    else if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 1) refused.push({ id: k, reason: `its fraction ${JSON.stringify(v)} is not in (0, 1]` });
  }
  for (const m of current) if (!(m.key in named)) refused.push({ id: m.key, reason: "the mix gives it no fraction" });
  if (refused.length > 0) return { mix: current, refused };
  const total = current.reduce((sum, m) => sum + (named[m.key] as number), 0);
  return { mix: current.map((m) => ({ ...m, fraction: Number(((named[m.key] as number) / total).toFixed(6)) })), refused };
}

/** The mix as the model reads it: fractions by key. */
function mixFractions(mix: MixWeight[]): Record<string, number> {
  return Object.fromEntries(mix.map((m) => [m.key, m.fraction]));
}

/** The passes so far, oldest first: what each trained with and what it scored. */
export function passHistory(ctx: StageContext): PassRecord[] {
  const state = ctx.state();
  const space = ctx.recipe.training.searchSpace;
  const initial = Object.fromEntries(Object.entries(space).map(([k, r]) => [k, initialChoice(r)]));
  const discovered = discoveredMix(ctx);
  const out: PassRecord[] = [];
  let decide: Stage | undefined = ctx.stage;
  while (decide !== undefined) {
    const evaluate = needOfKind(ctx.graph, decide, "evaluate", "baseline");
    if (evaluate === undefined) break;
    const value = decide === ctx.stage ? ctx.needOutputs.get(evaluate.id)?.value : state.stages.get(evaluate.id)?.outputs.value;
    const train = needOfKind(ctx.graph, evaluate, "train");
    const previous: Stage | undefined = train ? needOfKind(ctx.graph, train, "decide") : undefined;
    const before = previous ? state.stages.get(previous.id)?.outputs : undefined;
    const chosen = before?.hyperparameters as Record<string, unknown> | undefined;
    const mix = decidedMix(before) ?? discovered;
    out.unshift({ pass: evaluate.pass ?? 1, hyperparameters: { ...initial, ...(chosen ?? {}) }, ...(mix ? { mix: mixFractions(mix) } : {}), value: typeof value === "number" ? value : null });
    decide = previous;
  }
  return out;
}

function reached(recipe: Recipe, value: number | null): boolean {
  if (value === null) return false;
  return recipe.benchmark.higherIsBetter ? value >= recipe.benchmark.target : value <= recipe.benchmark.target;
}

/** The mix the pass just evaluated trained with: the last decide stage's, else discover's; null with pinned data. */
function currentMix(ctx: StageContext): MixWeight[] | null {
  const evaluate = needOfKind(ctx.graph, ctx.stage, "evaluate", "baseline");
  const train = evaluate ? needOfKind(ctx.graph, evaluate, "train") : undefined;
  const previous = train ? needOfKind(ctx.graph, train, "decide") : undefined;
  return (previous ? decidedMix(ctx.state().stages.get(previous.id)?.outputs) : null) ?? discoveredMix(ctx);
}

/** decide: after a pass's evaluation, the next pass's hyperparameters and mix within the recipe's limits, or stop. */
export const decideRunner: ControlPlaneRunner = {
  placement: "control-plane",
  async run(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const r = ctx.recipe;
    const history = passHistory(ctx);
    const current = history[history.length - 1] ?? { pass: ctx.stage.pass ?? 1, hyperparameters: {}, value: null };
    const mix = currentMix(ctx);
    const keep = { mix, mixChanged: false };
    const baseline = ctx.needOutputs.get("baseline")?.value;
    const metric = { name: r.benchmark.metric, value: current.value, baseline: typeof baseline === "number" ? baseline : null, target: r.benchmark.target, higherIsBetter: r.benchmark.higherIsBetter };
    const finish = (d: Decision, extra: Record<string, unknown> = {}) => {
      const result = { ...d, pass: current.pass, metric, history, ...extra };
      writeFileSync(join(ctx.dir, "decision.json"), `${JSON.stringify(result, null, 2)}\n`);
      return result;
    };
    // Rules the code applies whatever a model would say.
    if (reached(r, current.value)) {
      return finish({ decision: "stop", reason: `the target ${r.benchmark.target} is reached (${r.benchmark.metric} ${current.value})`, by: "rule", hyperparameters: current.hyperparameters, ...keep });
    }

    const agent = agentStage(ctx);
    const space = r.training.searchSpace;
    const outcome = await runAgent<{ action: "continue" | "stop"; reason: string; hyperparameters?: Record<string, unknown>; mix?: Record<string, number> }>({
      llm: agent.llm,
      system: [
        "You decide the next pass of a post-training run: train again with other hyperparameters, or stop (target reached, no progress, or not worth the budget).",
        `Goal: ${r.goal}`,
        `Benchmark: ${r.benchmark.name}, metric ${r.benchmark.metric} (${r.benchmark.higherIsBetter ? "higher" : "lower"} is better), target ${r.benchmark.target}.`,
        `The hyperparameters you may choose, and their allowed values: ${Object.entries(space).map(([k, range]) => `${k}: ${describeRange(range)}${range.log ? " (log scale)" : ""}`).join("; ")}.`,
        mix ? `You may also re-weight the training mix: a fraction for each dataset of the current mix (${mix.map((m) => m.key).join(", ")}). No other dataset may enter it.` : "",
        "Call `answer` with your decision.",
      ]
        .filter((l) => l !== "")
        .join("\n\n"),
      user: JSON.stringify({ baseline: metric.baseline, passes: history, passesLeft: r.budget.iterations - current.pass }, null, 2),
      tools: [],
      answer: { schema: decideAnswerSchema(space, mix), description: "Give the decision. Call this once." },
      maxSteps: r.agent.maxSteps,
      ledger: agent.ledger,
      transcript: agent.transcript,
      signal: ctx.signal,
      secrets: agent.secrets,
    });
    const summary = agentSummary(agent, outcome);
    if (outcome.kind !== "answer") {
      const why = outcome.kind === "budget" ? `the LLM budget is low: ${outcome.reason}` : `no decision within agent.max_steps (${r.agent.maxSteps})`;
      return finish({ decision: "stop", reason: why, by: "budget", hyperparameters: current.hyperparameters, ...keep }, summary);
    }
    // The schema bounds the answer; the code checks again, so nothing outside the search space trains.
    const next = { ...current.hyperparameters };
    const hpRefused: { key: string; value: unknown; reason: string }[] = [];
    for (const [k, v] of Object.entries(outcome.value.hyperparameters ?? {})) {
      const range = space[k];
      if (range === undefined) hpRefused.push({ key: k, value: v, reason: "not a key of training.search_space" });
      else if (inSearchSpace(range, v)) next[k] = v;
      else hpRefused.push({ key: k, value: v, reason: `outside its search space ${describeRange(range)}; the pass keeps ${JSON.stringify(next[k])}` });
    }
    // The same for the mix: only discover's datasets, each fraction in (0, 1]; none named keeps the current one.
    const named = outcome.value.mix;
    const reweighed = mix !== null && named !== undefined ? reweighMix(mix, named) : null;
    const nextMix = reweighed && reweighed.refused.length === 0 ? { mix: reweighed.mix, mixChanged: true } : keep;
    const refused = { ...(reweighed && reweighed.refused.length > 0 ? { mixRefused: reweighed.refused } : {}), ...(hpRefused.length > 0 ? { hyperparametersRefused: hpRefused } : {}) };
    return finish({ decision: outcome.value.action, reason: outcome.value.reason, by: "agent", hyperparameters: next, ...nextMix }, { ...summary, ...refused });
  },
};
