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
export function readMetric(path: string, doc: { results?: Record<string, Record<string, unknown>> }, metric: string): Metric {
  for (const [task, values] of Object.entries(doc.results ?? {})) {
    const value = values[`${metric},none`] ?? values[metric];
    if (typeof value === "number") {
      const se = values[`${metric}_stderr,none`] ?? values[`${metric}_stderr`];
      return { metric, value, stderr: typeof se === "number" ? se : null, task };
    }
  }
  throw new InternError("INTERN_EVAL_NO_METRIC", `${path} has no metric \`${metric}\``, { hint: "check benchmark.metric against what the harness reports" });
}

/**
 * What a results file says about the harness that wrote it: its name and version, the task's
 * version and content hash (lm-eval hashes every document, prompt and target it scored, so equal
 * hashes mean the same questions asked the same way), and the settings it ran with.
 */
export interface HarnessFacts {
  name: string;
  version: string | null;
  task_version: string | number | null;
  task_hash: string | null;
  transformers: string | null;
  /** lm-eval's own record of how it ran: model arguments, few-shot, batch size, chat template. */
  config: Record<string, unknown>;
}

const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

export function readHarnessFacts(doc: Record<string, unknown>, task: string): HarnessFacts {
  if (typeof doc.lm_eval_version === "string") {
    const config = (doc.config ?? {}) as Record<string, unknown>;
    const version = ((doc.versions ?? {}) as Record<string, unknown>)[task];
    return {
      name: "lm-eval",
      version: doc.lm_eval_version,
      task_version: typeof version === "string" || typeof version === "number" ? version : null,
      task_hash: text(((doc.task_hashes ?? {}) as Record<string, unknown>)[task]),
      transformers: text(doc.transformers_version),
      config: {
        model_args: config.model_args ?? null,
        num_fewshot: ((doc["n-shot"] ?? {}) as Record<string, unknown>)[task] ?? null,
        batch_size: config.batch_size ?? null,
        limit: config.limit ?? null,
        device: config.device ?? null,
        model_dtype: config.model_dtype ?? null,
        apply_chat_template: doc.chat_template != null,
        chat_template_sha: text(doc.chat_template_sha),
        fewshot_as_multiturn: doc.fewshot_as_multiturn ?? null,
      },
    };
  }
  if (doc.harness === "intern-builtin") return { name: "builtin", version: null, task_version: null, task_hash: null, transformers: null, config: (doc.config ?? {}) as Record<string, unknown> };
  return { name: "lighteval", version: null, task_version: null, task_hash: null, transformers: null, config: {} };
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
    const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const m = readMetric(path, doc as { results?: Record<string, Record<string, unknown>> }, ctx.recipe.benchmark.metric);
    return { ...m, results: path, harness: readHarnessFacts(doc, m.task) };
  },
};
