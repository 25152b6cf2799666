import { methodOfFormat } from "./methods.js";
import type { Recipe, RecipeInput, TrainingMethod } from "./types.js";

/**
 * Chained training: `training` is the first training stage and `training.then` lists the later
 * ones, in order. Each later stage starts from the model of the one before it and trains on the
 * datasets whose format belongs to its method; each method in use gets its own prepare stage.
 */

/** One training stage of a chain, with the ids of its train and prepare stages. */
export interface PhaseStage {
  /** 1-based: 1 is `training` itself, 2 the first of `training.then`. */
  phase: number;
  method: TrainingMethod;
  /** `train` for the first, `train-<method>` for a later one (`train-<method>-<phase>` when its method came before). */
  trainId: string;
  /** `prepare` for the first stage's method, `prepare-<method>` for another. */
  prepareId: string;
}

/** Whether the recipe chains more than one training stage. */
export function isChained(r: Pick<Recipe, "training">): boolean {
  return r.training.then.length > 0;
}

/** The methods of a recipe as written, in order: `training.method`, then each of `training.then`. */
export function methodsOfInput(r: RecipeInput): TrainingMethod[] {
  return [r.training?.method ?? "sft", ...(r.training?.then ?? []).map((t) => t.method)];
}

/** The training stages of a recipe, in order, with their stage ids. */
export function phaseStages(r: Pick<Recipe, "training">): PhaseStage[] {
  return phaseStagesOf([r.training.method, ...r.training.then.map((t) => t.method)]);
}

/** The training stages of a chain of methods, with their stage ids. */
export function phaseStagesOf(methods: readonly TrainingMethod[]): PhaseStage[] {
  return methods.map((method, i) => ({
    phase: i + 1,
    method,
    trainId: i === 0 ? "train" : methods.slice(0, i).includes(method) ? `train-${method}-${i + 1}` : `train-${method}`,
    prepareId: method === methods[0] ? "prepare" : `prepare-${method}`,
  }));
}

/** Every id a chain's train and prepare stages take beyond `train` and `prepare`. */
export function phaseStageIds(r: Pick<Recipe, "training">): string[] {
  return [...new Set(phaseStages(r).flatMap((p) => [p.trainId, p.prepareId]))].filter((id) => id !== "train" && id !== "prepare");
}

/** Indices into data.datasets of the datasets a method trains on. */
export function datasetIndicesOf(r: Pick<Recipe, "data">, method: TrainingMethod): number[] {
  return (r.data.datasets ?? []).flatMap((d, i) => (methodOfFormat(d.format) === method ? [i] : []));
}

/**
 * The recipe as one training stage of a chain sees it: `training` holds that stage's method,
 * hyperparameters and time limit (the first stage is the recipe as written). Later stages have
 * no search space and no PEFT (validate refuses both in a chain).
 */
export function phaseRecipe(r: Recipe, phase: number): Recipe {
  if (phase <= 1) return r;
  const p = r.training.then[phase - 2];
  if (p === undefined) return r;
  return { ...r, training: { ...r.training, method: p.method, hyperparameters: p.hyperparameters, timeLimitSeconds: p.timeLimitSeconds, searchSpace: {}, peft: null } };
}

/** The recipe as a stage sees it: a later training stage (`params.phase`) its own, any other the recipe. */
export function recipeOfStage(r: Recipe, stage: { params: Record<string, unknown> }): Recipe {
  const phase = stage.params.phase;
  return typeof phase === "number" ? phaseRecipe(r, phase) : r;
}
