import type { RecipeInput } from "./types.js";

/**
 * The job environment intern provisions when a recipe names none: the TRL stack the rendered
 * configs are written for and checked against.
 */
export const DEFAULT_REQUIREMENTS: readonly string[] = [
  "torch==2.13.0",
  "transformers==5.17.0",
  "trl==1.13.0",
  "accelerate==1.15.0",
  "datasets==5.0.1",
  "peft==0.21.0",
];

/** The TRL version a recipe pins (its `trl==` requirement), or the default stack's. */
export function trlVersionOf(r: RecipeInput): string | null {
  const env = r.compute?.environment;
  const reqs = env?.requirements ?? (env?.python !== undefined ? null : DEFAULT_REQUIREMENTS);
  if (reqs === null) return DEFAULT_TRL_VERSION;
  for (const line of reqs) {
    const m = /^trl(?:\[[^\]]*\])?==([A-Za-z0-9.+!_-]+)$/i.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

export const DEFAULT_TRL_VERSION = "1.13.0";

/** Whether the recipe leaves the training data to the agent. */
export function dataIsOpen(r: RecipeInput): boolean {
  return r.data?.datasets === undefined;
}

/** Whether any stage of this recipe calls an LLM. */
export function needsAgent(r: RecipeInput): boolean {
  return dataIsOpen(r) || (r.budget.iterations ?? 1) > 1 || r.sources?.synthetic?.allow === true;
}
