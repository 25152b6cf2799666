import { join } from "node:path";
import { secretValues } from "../process/redact.js";
import { neededPackages } from "../recipe/derive.js";
import { envsDir } from "../environments/envs-dir.js";
import { ensureEnvironment, type PythonEnvironment } from "../environments/ensure-environment.js";
import { readPythonHelpers } from "../environments/python-helpers.js";
import { readRewardSources } from "../project/reward-files.js";
import type { Stage } from "../graph/types.js";
import { Renderer } from "../render/environment.js";
import type { RunLocation } from "../render/context.js";
import type { Recipe } from "../recipe/types.js";
import { runnerFor } from "../stages/registry.js";
import type { StageContext } from "../stages/types.js";
import type { Lock } from "../lock/types.js";
import type { RunStatus } from "../run/events.js";
import { foldEvents, type RunState } from "../run/run-state.js";
import { readEvents } from "../run/run-store.js";
import type { ApplyOptions, ApplyResult } from "./apply-options.js";
import { openRun, prepareRun, type PreparedRun } from "./apply-prepare.js";
import { recordRun } from "./apply-record.js";
import { schedule, type InitialStage } from "./scheduler.js";

export type { ApplyOptions, ApplyResult, LockedSource } from "./apply-options.js";

/**
 * Applies a recipe: prepares the run (checks, resume or new, the run's lock), provisions the job
 * environment when a job needs it, runs the stages, and records the end (lock, final event).
 * Returns when the run finishes, fails, runs out of budget or is interrupted; the event log says which.
 */
export async function applyRecipe(options: ApplyOptions): Promise<ApplyResult> {
  const run = await prepareRun(options);
  try {
    const { before, startedMs } = openRun(run);
    const recipeOf = trialRecipes(run);
    const pythonEnv = await provisionEnvironment(run, before);
    if (pythonEnv === "interrupted") return recordRun(run, "interrupted", startedMs, recipeOf);
    const status = await runStages(run, before, startedMs, pythonEnv, recipeOf);
    return recordRun(run, status, startedMs, recipeOf);
  } finally {
    run.close();
  }
}

/** The recipe of a stage's trial (matrix values applied). */
function trialRecipes(run: PreparedRun): (s: Stage) => Recipe {
  const byTrial = new Map(run.loaded.validated.trials.map((t) => [t.index + 1, t.recipe]));
  return (s) => byTrial.get(s.trials[0] ?? 1) ?? run.recipe;
}

/**
 * The job environment, once, before the first job that needs it: null when no job will run here
 * (all reused, or Kubernetes, whose pods run the image's Python); "interrupted" on Ctrl-C meanwhile.
 */
async function provisionEnvironment(run: PreparedRun, before: RunState): Promise<PythonEnvironment | null | "interrupted"> {
  const { recipe, options, cache, iso } = run;
  const willRun = (s: Stage) => {
    const st = before.stages.get(s.id)?.status;
    const hit = cache.get(s.key);
    return st !== "done" && st !== "cached" && !(hit && hit.runId !== run.runId);
  };
  // Checking an interpreter imports TRL (seconds): not for a run whose jobs are all reused.
  // On Kubernetes the pods run the image's Python; a venv here would serve nothing.
  const needsEnv = recipe.compute.backend !== "kubernetes" && run.graph.stages.some((s) => s.placement === "job" && willRun(s));
  if (!needsEnv) return null;
  let pythonEnv: PythonEnvironment;
  try {
    pythonEnv = await ensureEnvironment(recipe.compute.environment, {
      envsDir: envsDir(options.projectDir, options.env),
      needs: neededPackages({ harness: recipe.benchmark.harness, accelerate: recipe.compute.accelerate, peft: recipe.training.peft !== null }),
      ...(options.env.INTERN_HOST_PYTHON ? { hostPython: options.env.INTERN_HOST_PYTHON } : {}),
      onProgress: (text) => run.append({ type: "message", at: iso(), text }),
      signal: options.signal,
    });
  } catch (error) {
    // Ctrl-C while the environment was being made: pip is stopped, the half-made folder gone.
    if (!options.signal.aborted) throw error;
    return "interrupted";
  }
  run.append({ type: "env_ready", at: iso(), env: pythonEnv.id, python: pythonEnv.python, created: pythonEnv.created });
  return pythonEnv;
}

/** Walks the DAG from where the run stands (resume: done stages stay done, running jobs re-attach). */
async function runStages(run: PreparedRun, before: RunState, startedMs: number, pythonEnv: PythonEnvironment | null, recipeOf: (s: Stage) => Recipe): Promise<RunStatus | "interrupted"> {
  const { options, graph, dir, locked, executor } = run;
  const { projectDir } = options;
  const renderer = new Renderer(run.loaded.templates);
  const pythonHelpers = readPythonHelpers(options.pythonDir);
  const rewardSources = readRewardSources(run.loaded.validated.trials.map((t) => t.recipe), run.recipeDir);
  const initial = new Map<string, InitialStage>();
  for (const s of graph.stages) {
    const st = before.stages.get(s.id);
    const own = join(dir, "stages", s.id);
    if (!st) continue;
    if (st.status === "done" || st.status === "cached") initial.set(s.id, { status: "done", outputs: st.outputs, dir: st.dir ?? own, ref: null, attempt: st.attempt, submittedAt: null });
    else if (st.status === "running" && s.placement === "job") initial.set(s.id, { status: "running", outputs: {}, dir: own, ref: st.ref, attempt: st.attempt, submittedAt: st.submittedAt });
    else initial.set(s.id, { status: "pending", outputs: {}, dir: own, ref: null, attempt: st.attempt, submittedAt: null });
  }
  const context = (s: Stage, needOutputs: Map<string, Record<string, unknown>>, dirs: Map<string, string>): StageContext => {
    const stageDirs: Record<string, string> = {};
    for (const [id, d] of dirs) if (d) stageDirs[id] = d;
    const loc: RunLocation = {
      runId: run.runId, runDir: dir, envsDir: envsDir(projectDir, options.env), recipeDir: run.recipeDir, pythonDir: options.pythonDir, pythonHelpers, rewardSources, stageDirs,
      threads: locked ? recordedThreads(locked.lock, s.id) : null,
      ...(pythonEnv ? { pythonEnv: { python: pythonEnv.python, binDir: pythonEnv.binDir } } : {}),
    };
    return {
      stage: s, recipe: recipeOf(s), graph, loc, dir: join(dir, "stages", s.id), recipeDir: run.recipeDir, projectDir, renderer, executor, pythonEnv,
      needOutputs, state: () => foldEvents(readEvents(dir))!, env: options.env, signal: options.signal, replay: run.replay,
      lockedDatasets: locked?.lock.datasets ?? null,
    };
  };
  return schedule({
    runId: run.runId, recipe: graph.recipe, stages: graph.stages, initial, runners: runnerFor, context, executor, cache: run.cache,
    limits: before.budget, spentBefore: { ...before.spent }, startedMs, jobs: options.jobs, failFast: options.failFast,
    pollIntervalMs: options.pollIntervalMs, append: run.append, signal: options.signal, now: run.now, secrets: secretValues(options.env),
    ...(options.onProgress ? { progress: options.onProgress } : {}),
  });
}

/** The torch thread count the lock recorded for a stage: a locked rerun splits its sums the same way. */
function recordedThreads(lock: Lock, stageId: string): number | null {
  const f = (lock.fingerprints ?? []).find((g) => g.stages.includes(stageId));
  const threads = (f?.software.torch as { threads?: unknown } | null | undefined)?.threads;
  return typeof threads === "number" && Number.isInteger(threads) && threads > 0 ? threads : null;
}
