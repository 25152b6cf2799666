import { priceOf } from "../agent/prices.js";
import type { Stage } from "../graph/types.js";
import type { Recipe } from "../recipe/types.js";
import type { Spending } from "./types.js";

/** Time allowed for a control-plane stage that calls no LLM (data preparation, report). */
export const CONTROL_PLANE_SECONDS: Readonly<Record<string, number>> = { prepare: 600, report: 30, command: 600 };

/**
 * Upper bounds, not guesses: a job can use all GPUs for its whole time limit; an agentic stage
 * can take every step with a full prompt and a full completion. The engine enforces the same
 * limits, so a plan within budget cannot be stopped by a bound it did not show.
 */
export function estimateStage(stage: Stage, recipe: Recipe): Spending {
  if (stage.resources) {
    const hours = stage.resources.timeLimitSeconds / 3600;
    return { gpuHours: stage.resources.gpus * hours, wallSeconds: stage.resources.timeLimitSeconds, llmTokens: 0, llmUsd: 0 };
  }
  if (stage.mode === "agentic") {
    const a = recipe.agent;
    const input = a.maxSteps * a.maxPromptTokens;
    const output = a.maxSteps * a.maxTokens;
    const price = priceOf(a.model, a.pricing);
    return {
      gpuHours: 0,
      wallSeconds: a.maxSteps * a.timeoutSeconds,
      llmTokens: input + output,
      llmUsd: price ? (input * price.input + output * price.output) / 1e6 : 0,
    };
  }
  // A recipe's own control-plane command runs under its own time limit.
  const own = stage.params.time_limit_seconds;
  return { gpuHours: 0, wallSeconds: typeof own === "number" ? own : (CONTROL_PLANE_SECONDS[stage.kind] ?? 60), llmTokens: 0, llmUsd: 0 };
}
