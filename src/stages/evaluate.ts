import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InternError } from "../errors.js";
import { renderJob } from "./job-stage.js";
import type { JobRunner } from "./types.js";

/** lm-eval writes `results/<model>/results_<time>.json`, the builtin evaluator `results/results.json`: take the newest. */
function findResults(dir: string): string | null {
  if (!existsSync(dir)) return null;
  let best: { path: string; mtime: number } | null = null;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^results.*\.json$/.test(e.name)) {
        const mtime = statSync(p).mtimeMs;
        if (!best || mtime > best.mtime) best = { path: p, mtime };
      }
    }
  };
  walk(dir);
  return best ? (best as { path: string }).path : null;
}

export interface Metric {
  metric: string;
  value: number;
  stderr: number | null;
  task: string;
}

/** Reads the recipe's metric from an lm-eval-shaped results file. */
export function readMetric(path: string, metric: string): Metric {
  const doc = JSON.parse(readFileSync(path, "utf8")) as { results?: Record<string, Record<string, unknown>> };
  for (const [task, values] of Object.entries(doc.results ?? {})) {
    const value = values[`${metric},none`] ?? values[metric];
    if (typeof value === "number") {
      const se = values[`${metric}_stderr,none`] ?? values[`${metric}_stderr`];
      return { metric, value, stderr: typeof se === "number" ? se : null, task };
    }
  }
  throw new InternError("INTERN_EVAL_NO_METRIC", `${path} has no metric \`${metric}\``, { hint: "check benchmark.metric against what the harness reports" });
}

/** The benchmark through the recipe's harness, on the base model (baseline) or a trained one. */
export const evaluateRunner: JobRunner = {
  placement: "job",
  async prepare(ctx, timeLimitSeconds) {
    return renderJob(ctx, timeLimitSeconds);
  },
  async collect(ctx) {
    const path = findResults(join(ctx.dir, "results"));
    if (!path) throw new InternError("INTERN_EVAL_NO_RESULTS", `evaluation finished but wrote no results under ${join(ctx.dir, "results")}`);
    const m = readMetric(path, ctx.recipe.benchmark.metric);
    return { ...m, results: path };
  },
};
