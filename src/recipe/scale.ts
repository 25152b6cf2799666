import { trialCount } from "./matrix.js";
import type { RecipeInput } from "./types.js";

/**
 * The most stages a recipe may compile to, matrix trials times the stages of each counted
 * before stages equal across trials are merged. Validation, compilation and planning each do
 * work for every one of them: at this size `validate` and `plan` still take seconds and a few
 * hundred MiB; a sweep four times larger took a quarter of a minute and a GiB to validate alone.
 */
export const MAX_STAGES = 100_000;

/** What the stage count of one trial is made of, at most, over every trial of the matrix. */
export interface StageBound {
  trials: number;
  /** Built-in and own stages of one trial, at most. */
  perTrial: number;
  /** Own stages of one trial, at most (each counted once per pass). */
  own: number;
  passes: number;
  /** trials x perTrial. */
  total: number;
}

/**
 * The values a trial may have at `target` (`budget.iterations`): the base recipe's, and for each
 * matrix axis that sets `target` or a mapping above it, what each of its values holds there.
 * Axes that set something inside `target` (`stages.0.needs`) leave its size as it is.
 */
function possibleValues(input: RecipeInput, target: string): unknown[] {
  const at = (value: unknown, segs: string[]): unknown => {
    let v = value;
    for (const s of segs) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[s] : undefined;
    return v;
  };
  const segs = target.split(".");
  const out = [at(input, segs)];
  for (const [path, values] of Object.entries(input.matrix ?? {})) {
    if (path !== target && !target.startsWith(`${path}.`)) continue;
    const rest = segs.slice(path.split(".").length);
    for (const v of values) out.push(at(v, rest));
  }
  return out;
}

/**
 * An upper bound of the stages the recipe compiles to, from the recipe and its matrix axes alone:
 * nothing is expanded, so a sweep of millions of trials costs as little to refuse as a small one.
 * Per trial: baseline; research and discover when the data may be left open; synthesize when it
 * may be allowed; prepare once (or once per pass when the data can change between passes), train
 * and evaluate per pass, decide between passes; and every own stage once per pass.
 */
export function stageBound(input: RecipeInput): StageBound {
  const trials = trialCount(input.matrix);
  const passes = possibleValues(input, "budget.iterations").reduce<number>((m, v) => (typeof v === "number" && Number.isFinite(v) ? Math.max(m, Math.ceil(v)) : m), 1);
  const own = possibleValues(input, "stages").reduce<number>((m, v) => (Array.isArray(v) ? Math.max(m, v.length) : m), 0);
  const dataOpen = possibleValues(input, "data.datasets").some((v) => !Array.isArray(v));
  const synthetic = possibleValues(input, "sources.synthetic.allow").some((v) => v === true);
  const preparePerPass = dataOpen || synthetic;
  const builtins = 1 + (dataOpen ? 2 : 0) + (synthetic ? 1 : 0) + (preparePerPass ? passes : 1) + 2 * passes + (passes - 1);
  const perTrial = builtins + own * passes;
  return { trials, perTrial, own, passes, total: trials * perTrial };
}

/** `1234567` -> `1,234,567`; beyond what is exact, in powers of ten. */
export function countText(n: number): string {
  if (!Number.isFinite(n)) return "more than 10^308";
  if (n >= 1e15) return n.toExponential(2).replace("e+", " x 10^");
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}
