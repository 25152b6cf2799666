import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { InternError } from "../errors.js";
import type { StageGraph } from "../graph/types.js";
import { foldEvents, isFinished, type RunState } from "./run-state.js";
import { listRuns, readEvents, runDir } from "./run-store.js";

/** One digest for everything a run's stages depend on: equal digests mean the same plan. */
export function planDigest(graph: StageGraph): string {
  return createHash("sha256").update(graph.stages.map((s) => `${s.id}:${s.key}`).join("\n")).digest("hex");
}

export type RunChoice = { kind: "resume"; runId: string; state: RunState } | { kind: "new"; reason: string };

/**
 * Which run `apply` continues: the one named, else the newest unfinished run of this recipe with
 * the same plan; otherwise a new run (whose finished stages the cache still reuses).
 */
export function chooseRun(projectDir: string, recipePath: string, digest: string, options: { resume?: string; forceNew: boolean }): RunChoice {
  if (options.resume !== undefined) {
    if (!existsSync(runDir(projectDir, options.resume))) {
      throw new InternError("INTERN_RUN_NOT_FOUND", `no run ${options.resume} in ${projectDir}/.intern/runs`, { hint: "`intern status` lists the runs" });
    }
    const state = foldEvents(readEvents(runDir(projectDir, options.resume)));
    if (!state) throw new InternError("INTERN_RUN_UNREADABLE", `run ${options.resume} has no readable events`);
    if (state.recipe !== recipePath) throw new InternError("INTERN_RUN_MISMATCH", `run ${options.resume} is a run of ${state.recipe}, not ${recipePath}`);
    const started = readEvents(runDir(projectDir, options.resume))[0];
    if (started?.type === "run_started" && started.recipeDigest !== digest) {
      throw new InternError("INTERN_RUN_MISMATCH", `the recipe, its templates or intern changed since run ${options.resume} started`, { hint: "apply without --resume (or with --new) starts a new run that reuses every unchanged stage" });
    }
    if (isFinished(state)) throw new InternError("INTERN_RUN_FINISHED", `run ${options.resume} has finished (${state.status})`, { hint: "apply without --resume starts a new run; unchanged stages are reused from the cache" });
    return { kind: "resume", runId: options.resume, state };
  }
  if (options.forceNew) return { kind: "new", reason: "--new" };
  const runs = listRuns(projectDir).reverse();
  for (const id of runs) {
    const events = readEvents(runDir(projectDir, id));
    const first = events[0];
    if (!first || first.type !== "run_started" || first.recipe !== recipePath) continue;
    const state = foldEvents(events)!;
    if (isFinished(state)) return { kind: "new", reason: `the last run of this recipe (${id}) has finished` };
    if (first.recipeDigest !== digest) return { kind: "new", reason: `the recipe, its templates or intern changed since the unfinished run ${id}` };
    return { kind: "resume", runId: id, state };
  }
  return { kind: "new", reason: "no earlier run of this recipe" };
}
