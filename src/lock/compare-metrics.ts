import type { LockedEvaluation } from "./types.js";

export interface ToleranceOptions {
  /** The recorded standard error times this (default 2). */
  factor: number;
  /** An absolute tolerance instead, for every metric. */
  absolute: number | null;
}

/** One recorded metric against a rerun's. */
export interface MetricComparison {
  stage: string;
  metric: string;
  recorded: LockedEvaluation;
  rerun: LockedEvaluation | null;
  delta: number | null;
  /** The largest difference accepted. */
  tolerance: number;
  verdict: "bit-identical" | "within tolerance" | "not matching" | "missing";
}

/**
 * The standard error a tolerance is built on. A proportion at 0 or 1 has a sample standard error
 * of 0, which would demand bit-identity from a rerun that flips one item of hundreds; there, with
 * the item count known, the Agresti-Coull estimate (two successes and two failures added) stands in.
 */
export function toleranceStderr(e: Pick<LockedEvaluation, "value" | "stderr" | "n">): number {
  if (e.stderr !== null && e.stderr > 0) return e.stderr;
  const n = e.n ?? null;
  if (n === null || n <= 0 || e.value < 0 || e.value > 1) return e.stderr ?? 0;
  const p = (e.value * n + 2) / (n + 4);
  return Math.sqrt((p * (1 - p)) / (n + 4));
}

/** Each recorded metric against the rerun's of the same stage and metric. Pure. */
export function compareMetrics(recorded: readonly LockedEvaluation[], rerun: readonly LockedEvaluation[], tol: ToleranceOptions): MetricComparison[] {
  return recorded.map((e) => {
    const now = rerun.find((x) => x.stage === e.stage && x.metric === e.metric) ?? null;
    const tolerance = tol.absolute ?? toleranceStderr(e) * tol.factor;
    if (now === null) return { stage: e.stage, metric: e.metric, recorded: e, rerun: null, delta: null, tolerance, verdict: "missing" };
    const delta = now.value - e.value;
    const verdict = delta === 0 ? "bit-identical" : Math.abs(delta) <= tolerance + 1e-12 ? "within tolerance" : "not matching";
    return { stage: e.stage, metric: e.metric, recorded: e, rerun: now, delta, tolerance, verdict };
  });
}
