import type { ErrorCode } from "../../errors.js";
import type { PathSegment } from "../source.js";
import type { TrlKeyTable } from "../trl-keys.js";
import type { RecipeInput, TrainingMethod } from "../types.js";

/** A semantic problem at a path in the recipe; `validate` locates it in the source. */
export interface Problem {
  path: PathSegment[];
  code: ErrorCode;
  message: string;
  hint?: string;
  /** Point at the key rather than the value. */
  target?: "key" | "value";
  severity?: "error" | "warning";
}

export interface RuleContext {
  /** The key table of a TRL version's command (`sft`, `dpo`), or null when intern has none for it. */
  trlTable(version: string, command: TrainingMethod): TrlKeyTable | null;
  /** TRL versions intern has key tables for. */
  trlVersions: readonly string[];
  /**
   * Within one validation: the objects the structure rule found clean, with the depth it found
   * each at. A sweep's trials share the base recipe's objects but for the paths their matrix
   * values set, so each trial walks only those.
   */
  structureClean?: WeakMap<object, number>;
}

/** A semantic rule: reads a schema-valid recipe, returns what is wrong with it. Pure. */
export type Rule = (recipe: RecipeInput, ctx: RuleContext) => Problem[];
