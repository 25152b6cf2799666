import { RecipeInvalidError, type Diagnostic } from "../errors.js";
import { checkSchema, schemaProblems } from "./check-schema.js";
import { matrixTrials, trialLabel, withValue } from "./matrix.js";
import { type KeyTypes, normalizeRecipe } from "./normalize.js";
import { trlVersionOf } from "./derive.js";
import type { ParsedRecipe } from "./parse.js";
import type { Problem, Rule, RuleContext } from "./rules/problem.js";
import { readPaths } from "./read-paths.js";
import { RULES } from "./rules/index.js";
import { countText, MAX_STAGES, stageBound } from "./scale.js";
import { diagnosticAt, formatPath, type RecipeSource } from "./source.js";
import type { Recipe, RecipeInput } from "./types.js";

/** One combination of matrix values, with the recipe it makes. */
export interface Trial {
  index: number;
  /** `lr=2e-05 seed=1`, empty without a matrix. */
  label: string;
  values: [string, unknown][];
  recipe: Recipe;
}

/** A recipe that passed the schema and every semantic rule, normalized, with its trials. */
export interface ValidatedRecipe {
  source: RecipeSource;
  input: RecipeInput;
  /** The recipe without matrix values. */
  recipe: Recipe;
  /** One trial per matrix combination; exactly one (with no values) without a matrix. */
  trials: Trial[];
  warnings: Diagnostic[];
}

function runRules(input: RecipeInput, ctx: RuleContext, rules: readonly Rule[] = RULES): Problem[] {
  const out: Problem[] = [];
  for (const rule of rules) out.push(...rule(input, ctx));
  return out;
}

/**
 * The rules a sweep's trials need: those that read, of the recipe without its matrix, something
 * at, under or on the way to a matrix path. The others give each trial what they gave that
 * recipe, whose problems a trial does not repeat, so running them again could add nothing.
 * Found by running each rule once on the recipe through `readPaths`.
 */
export function rulesOfTrials(base: RecipeInput, matrix: Record<string, unknown[]>, ctx: RuleContext): Rule[] {
  const axes = Object.keys(matrix).map((path) => path.split("."));
  return RULES.filter((rule) => {
    const reads = readPaths(base);
    try {
      rule(reads.value as RecipeInput, { ...ctx, structureClean: new WeakMap() });
    } catch {
      return true;
    }
    return axes.some((axis) => reads.touches(axis));
  });
}

function toDiagnostic(source: RecipeSource, p: Problem): Diagnostic {
  return diagnosticAt(source, p.path, p.code, p.message, {
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
    target: p.target ?? "value",
    severity: p.severity ?? "error",
  });
}

const MAX_TRIAL_PROBLEMS = 5;

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0);
}

/**
 * The semantic rules' errors on a recipe that also has schema errors, so one `validate` shows
 * everything. A rule may not cope with a value of the wrong shape: such a rule is skipped, and
 * problems at or around a place the schema already faulted are dropped as consequences.
 */
function rulesDespiteSchema(source: RecipeSource, data: unknown, ctx: RuleContext, schemaErrors: Diagnostic[]): Diagnostic[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return [];
  const faulted = schemaErrors.map((d) => d.path ?? "");
  const out: Diagnostic[] = [];
  const { matrix: _matrix, ...base } = data as RecipeInput;
  for (const rule of RULES) {
    let problems: Problem[];
    try {
      problems = rule(base as RecipeInput, ctx);
    } catch {
      continue;
    }
    for (const p of problems) {
      if ((p.severity ?? "error") !== "error") continue;
      const d = toDiagnostic(source, p);
      const at = d.path ?? "";
      // A rule reading a value the schema rejected, or a part of it, would only echo that error.
      if (p.path.length <= 1 || faulted.some((f) => f === "(recipe)" || f.startsWith(at) || at.startsWith(f))) continue;
      out.push(d);
    }
  }
  return out;
}

/**
 * Schema, semantic rules, then the same for every matrix trial. Collects every error and
 * throws them together; returns the normalized recipe and warnings otherwise. Pure.
 */
export function validateRecipe(parsed: ParsedRecipe, ctx: RuleContext): ValidatedRecipe {
  const { source, data } = parsed;
  const keyTypes: KeyTypes = (input, key) => {
    const version = trlVersionOf(input);
    return (version !== null ? ctx.trlTable(version, input.training?.method ?? "sft")?.keys[key]?.type : undefined) ?? null;
  };
  const schemaErrors = checkSchema(source, data);
  ctx = { ...ctx, structureClean: new WeakMap() };
  if (schemaErrors.length > 0) throw new RecipeInvalidError(source.file, [...schemaErrors, ...rulesDespiteSchema(source, data, ctx, schemaErrors)].sort(byPosition));
  const input = data as RecipeInput;
  const { matrix, ...base } = input;
  const baseProblems = runRules(base as RecipeInput, ctx);
  const diagnostics = baseProblems.map((p) => toDiagnostic(source, p));
  const tooMany = tooManyStages(source, input);
  if (tooMany) diagnostics.push(tooMany);
  const trials: Trial[] = [];
  if (diagnostics.every((d) => d.severity !== "error")) {
    const known = new Set(baseProblems.map((p) => `${formatPath(p.path)}|${p.message}`));
    const trialProblems = new Map<string, Diagnostic>();
    const trialRules = matrix === undefined ? RULES : rulesOfTrials(base as RecipeInput, matrix, ctx);
    for (const t of matrix === undefined ? [{ index: 0, values: [] as [string, unknown][] }] : matrixTrials(matrix)) {
      let trialInput: RecipeInput = base as RecipeInput;
      let broken = false;
      for (const [path, value] of t.values) {
        const next = withValue(trialInput, path, value);
        if ("error" in next) {
          trialProblems.set(`${path}|${next.error}`, diagnosticAt(source, ["matrix", path], "INTERN_MATRIX_INVALID", `matrix path \`${path}\`: ${next.error}`, { target: "key" }));
          broken = true;
          break;
        }
        trialInput = next;
      }
      if (broken) continue;
      const label = trialLabel(t.values);
      if (t.values.length > 0) {
        const problems = [...checkSchemaProblems(trialInput), ...runRules(trialInput, ctx, trialRules)].filter((p) => (p.severity ?? "error") === "error");
        let bad = false;
        for (const p of problems) {
          const key = `${formatPath(p.path)}|${p.message}`;
          if (known.has(key)) continue;
          bad = true;
          const axis = t.values.find(([path]) => causedBy(p, path)) ?? t.values[0]!;
          if (!trialProblems.has(key) && trialProblems.size < MAX_TRIAL_PROBLEMS) {
            trialProblems.set(key, diagnosticAt(source, ["matrix", axis[0]], p.code, `in matrix trial ${t.index + 1} (${label}): ${p.message}`, { ...(p.hint !== undefined ? { hint: p.hint } : {}), target: "key" }));
          }
        }
        if (bad) continue;
      }
      trials.push({ index: t.index, label, values: t.values, recipe: normalizeRecipe(trialInput, keyTypes) });
    }
    diagnostics.push(...trialProblems.values());
  }
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new RecipeInvalidError(source.file, diagnostics);
  return { source, input, recipe: trials.length === 1 && matrix === undefined ? trials[0]!.recipe : normalizeRecipe(base as RecipeInput, keyTypes), trials, warnings: diagnostics };
}

/**
 * The scale limit, checked from the matrix's axis lengths before any trial is made: refusing a
 * sweep of millions of trials costs no more than accepting a small one.
 */
function tooManyStages(source: RecipeSource, input: RecipeInput): Diagnostic | null {
  const b = stageBound(input);
  if (b.total <= MAX_STAGES) return null;
  const perPass = b.passes > 1 ? ` in each of ${b.passes} passes` : "";
  const hint = `a recipe may compile to at most ${countText(MAX_STAGES)} stages`;
  if (b.trials > 1) {
    return diagnosticAt(source, ["matrix"], "INTERN_TOO_MANY_STAGES", `matrix makes ${countText(b.trials)} trials of up to ${countText(b.perTrial)} stages each: ${countText(b.total)} stages, over the limit of ${countText(MAX_STAGES)}`, {
      hint: `${hint}; sweep fewer values (each axis multiplies the trials), or split the sweep into several recipes`,
      target: "key",
    });
  }
  return diagnosticAt(source, ["stages"], "INTERN_TOO_MANY_STAGES", `the recipe makes up to ${countText(b.total)} stages (${countText(b.own)} own stages${perPass}, and the built-in ones), over the limit of ${countText(MAX_STAGES)}`, {
    hint: `${hint}; use fewer stages${b.passes > 1 ? " or fewer passes (budget.iterations)" : ""}, or split the work into several recipes`,
    target: "key",
  });
}

/** Whether a trial's problem comes from the matrix axis at `axisPath` (`data.datasets.0.fraction`). */
function causedBy(p: Problem, axisPath: string): boolean {
  const axis = axisPath.replace(/\.(\d+)(?=\.|$)/g, "[$1]");
  const where = formatPath(p.path);
  const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  // The axis sets the problem's value, or a value inside what the problem is about (a fraction of the mix).
  return within(where, axis) || within(axis, where);
}

/** Schema errors of a derived (matrix) input, each at the path it is about. */
function checkSchemaProblems(input: RecipeInput): Problem[] {
  return schemaProblems(input).map((p) => ({ path: p.path, code: "INTERN_RECIPE_INVALID", message: p.message, ...(p.hint !== undefined ? { hint: p.hint } : {}) }));
}
