import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunState } from "../../src/run/run-state.js";
import type { Stage } from "../../src/graph/types.js";
import type { StageContext } from "../../src/stages/types.js";
import { compileText, recipeYaml, type Checked } from "../helpers/recipe.js";

export const API_KEY = "mk-stage-test-0123456789";

/** The minimal recipe with open data (research and discover) under the injection scenario's policy. */
export function openRecipe(changes: Record<string, unknown> = {}): Checked {
  return compileText(
    recipeYaml({
      data: undefined,
      benchmark: { data: { dataset: "Idavidrein/gpqa", split: "train" } },
      sources: {
        papers: { providers: ["hf-papers", "arxiv", "semantic-scholar"], seed: ["2501.01234"] },
        datasets: { allow: ["**"], deny: ["evil/**"] },
        licenses: ["apache-2.0", "mit"],
      },
      agent: { model: "mistral-small-latest", max_steps: 8, max_tokens: 256 },
      budget: { llm: { tokens: 200000 } },
      ...changes,
    }),
  );
}

export interface Charges {
  tokens: number;
  usd: number;
  calls: number;
}

/** A StageContext for a control-plane stage of `checked`'s graph, in `runDir`, with what it needs. */
export function agenticContext(
  checked: Checked,
  stageId: string,
  options: { runDir: string; projectDir: string; env: Record<string, string>; needOutputs?: Map<string, Record<string, unknown>>; stages?: RunState["stages"]; replay?: { runId: string; runDir: string } },
): { ctx: StageContext; charges: Charges } {
  const stage = checked.graph.stages.find((s) => s.id === stageId) as Stage;
  if (!stage) throw new Error(`no stage ${stageId} in ${checked.graph.stages.map((s) => s.id).join(", ")}`);
  const dir = join(options.runDir, "stages", stageId);
  mkdirSync(dir, { recursive: true });
  const charges: Charges = { tokens: 0, usd: 0, calls: 0 };
  const state = (): RunState =>
    ({
      id: "test-run",
      stages: options.stages ?? new Map(),
      spent: { gpuHours: 0, llmTokens: charges.tokens, llmUsd: charges.usd, wallSeconds: 0 },
    }) as unknown as RunState;
  const ctx: StageContext = {
    stage,
    recipe: checked.validated.recipe,
    graph: checked.graph,
    loc: { runId: "test-run", runDir: options.runDir, envsDir: join(options.projectDir, "envs"), recipeDir: options.projectDir, pythonDir: options.projectDir, stageDirs: {} },
    dir,
    recipeDir: options.projectDir,
    projectDir: options.projectDir,
    renderer: null as never,
    executor: null as never,
    pythonEnv: null,
    needOutputs: options.needOutputs ?? new Map(),
    state,
    env: options.env,
    signal: new AbortController().signal,
    charge: (tokens, usd) => {
      charges.tokens += tokens;
      charges.usd += usd;
      charges.calls++;
    },
    replay: options.replay ?? null,
  };
  return { ctx, charges };
}
