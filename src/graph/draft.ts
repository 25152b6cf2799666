import type { Stage } from "./types.js";

/**
 * A stage of one trial before trials are merged: a Stage without the merge's results (id,
 * trials, key), with needs as local ids of the same trial.
 */
export interface StageDraft extends Omit<Stage, "id" | "trials" | "key"> {
  localId: string;
  /** Files (as the recipe names them, relative to it) whose content the stage reads; their digests join its key. */
  files?: string[];
  /** Index into recipe.stages for user stages, to locate problems. */
  userIndex?: number;
}

/** `train` or `train.p2`: the pass suffix appears only when the recipe has several passes. */
export function passId(name: string, pass: number | null, passes: number): string {
  return pass === null || passes === 1 ? name : `${name}.p${pass}`;
}
