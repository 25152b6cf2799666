import { afterAll, beforeAll } from "vitest";
import { createSourceContext, createSourcePolicy, type SourceContext, type SourcePolicy } from "../../src/sources/index.js";
import { compileText, recipeYaml } from "../helpers/recipe.js";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";

export const TOKEN = "hf_emulatorReaderToken0001";

/** Starts the emulators for the file's tests; `current()` is valid inside tests. */
export function useEmulators(scenario = "injection"): () => SourceEmulators {
  let emulators: SourceEmulators | null = null;
  beforeAll(async () => {
    emulators = await startSourceEmulators(scenario);
  });
  afterAll(async () => {
    await emulators?.close();
  });
  return () => emulators!;
}

/** A context against the emulators, with fast retries. */
export function contextFor(e: SourceEmulators, extra: Record<string, string | undefined> = {}): SourceContext {
  return createSourceContext({ ...e.env, ...extra }, { http: { timeoutMs: 5000, retries: 2, baseDelayMs: 10, maxDelayMs: 2000 } });
}

/** The policy of the minimal recipe with `sources` (and GPQA as the benchmark's Hub dataset). */
export function policyFor(sources: Record<string, unknown> = {}, hasToken = false): SourcePolicy {
  const text = recipeYaml({
    sources: { datasets: { allow: ["**"], deny: ["evil/**"] }, models: { allow: ["**"], deny: ["evil/**"] }, ...sources },
    benchmark: { data: { dataset: "Idavidrein/gpqa", split: "train" } },
    // No pinned data: the agent finds it, under this policy.
    data: undefined,
    budget: { llm: { tokens: 100000 } },
  });
  return createSourcePolicy(compileText(text).validated.recipe, { hasToken });
}
