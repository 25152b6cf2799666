import { parseDuration } from "../duration.js";
import { needsAgent } from "../derive.js";
import { formatPath } from "../source.js";
import type { Problem, Rule } from "./problem.js";

const CODE = "INTERN_BUDGET_INVALID";

/** Budgets must be present, positive and consistent with what the recipe asks for. */
export const budgetRule: Rule = (r) => {
  const out: Problem[] = [];
  const b = r.budget;
  if (b.gpu_hours === undefined && b.wall_clock === undefined && b.llm?.tokens === undefined && b.llm?.usd === undefined) {
    out.push({ path: ["budget"], code: CODE, message: "budget sets no limit", hint: "set at least one of gpu_hours, wall_clock, llm.tokens, llm.usd", target: "key" });
  }
  if (b.llm !== undefined && b.llm.tokens === undefined && b.llm.usd === undefined) {
    out.push({ path: ["budget", "llm"], code: CODE, message: "budget.llm sets no limit", hint: "set llm.tokens and/or llm.usd, or remove llm", target: "key" });
  }
  const durations: [string[], string | undefined][] = [
    [["budget", "wall_clock"], b.wall_clock],
    [["training", "time_limit"], r.training?.time_limit],
    [["benchmark", "time_limit"], r.benchmark.time_limit],
    [["compute", "time_limit"], r.compute?.time_limit],
    [["agent", "timeout"], r.agent?.timeout],
  ];
  r.stages?.forEach((s, i) => durations.push([["stages", String(i), "time_limit"], s.time_limit]));
  for (const [path, text] of durations) {
    if (text !== undefined && parseDuration(text) === 0) {
      const at = path.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      out.push({ path: at, code: CODE, message: `${formatPath(at)} is zero`, hint: "a limit of zero allows nothing; raise it or remove it" });
    }
  }
  const wall = b.wall_clock === undefined ? null : parseDuration(b.wall_clock);
  const train = parseDuration(r.training?.time_limit ?? "4h");
  if (wall !== null && wall > 0 && train !== null && train > wall) {
    out.push({
      // With no training.time_limit written, the default (4h) is in no line: point at the budget.
      path: r.training?.time_limit === undefined ? ["budget", "wall_clock"] : ["training", "time_limit"],
      code: CODE,
      message: `training.time_limit (${r.training?.time_limit ?? "4h"}) is longer than budget.wall_clock (${b.wall_clock})`,
      hint: "a training job could never use its time limit; lower training.time_limit or raise budget.wall_clock",
    });
  }
  const agentic = needsAgent(r);
  if (agentic && b.llm?.tokens === undefined && b.llm?.usd === undefined) {
    out.push({
      path: ["budget"],
      code: CODE,
      message: "this recipe has agentic stages (it leaves the data or the next pass open) but no LLM budget",
      hint: "set budget.llm.tokens or budget.llm.usd, or pin data.datasets and set budget.iterations to 1",
      target: "key",
    });
  }
  if (!agentic && b.llm !== undefined) {
    out.push({ path: ["budget", "llm"], code: CODE, message: "budget.llm is set but no stage of this recipe calls an LLM", severity: "warning", target: "key" });
  }
  return out;
};
