import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { requireApiKey } from "../agent/llm.js";
import { InternalError, InternError } from "../errors.js";
import type { Executor, ProblemReporter } from "../executors/types.js";
import type { StageGraph } from "../graph/types.js";
import type { LoadedRecipe } from "../project/load.js";
import { makePlan } from "../plan/make-plan.js";
import type { Recipe } from "../recipe/types.js";
import { fetchPinnedData } from "../lock/fetch-pinned.js";
import { lockPathFor } from "../lock/lock-files.js";
import type { LockSources } from "../lock/build-lock.js";
import { lockSourcesOf } from "../lock/lock-sources.js";
import { openLockedRun, type LockedRun } from "../lock/record-lock.js";
import type { BudgetLimits, RunEvent } from "../run/events.js";
import { acquireRunLock } from "../run/run-lock.js";
import { foldEvents, type RunState } from "../run/run-state.js";
import { createRunDir, EventLog, newRunId, readEvents, runDir, runsDir } from "../run/run-store.js";
import { chooseRun, planDigest, type RunChoice } from "../run/select-run.js";
import type { ApplyOptions } from "./apply-options.js";
import { FileCacheIndex } from "./cache-index.js";

/** A run chosen, its lock taken and its event log open: what the later steps of `apply` share. */
export interface PreparedRun {
  options: ApplyOptions;
  loaded: LoadedRecipe;
  recipe: Recipe;
  graph: StageGraph;
  executor: Executor;
  now: () => number;
  iso: () => string;
  /** The recipe file, relative to the project folder. */
  recipePath: string;
  recipeDir: string;
  lockSources: LockSources;
  /** The lock beside the recipe. */
  lockPath: string;
  /** `apply --locked`: the lock the run follows. */
  locked: LockedRun | null;
  /** The run agentic stages are served from (`--replay`, `--locked`). */
  replay: { runId: string; runDir: string } | null;
  cache: FileCacheIndex;
  digest: string;
  choice: RunChoice;
  runId: string;
  /** The run's folder. */
  dir: string;
  /** Appends an event to the run's log and passes it on. */
  append: (e: RunEvent) => void;
  /** Where the executor's problems go from now on (the run's events, once it has begun). */
  setReporter: (report: ProblemReporter) => void;
  /** Closes the event log and releases the run's lock. */
  close: () => void;
}

/** Checks, before anything starts, that the executor is the one the recipe names. */
function checkExecutor(loaded: LoadedRecipe, executor: Executor): void {
  const backend = loaded.validated.recipe.compute.backend;
  if (backend !== executor.name) throw new InternalError(`compute.backend ${backend} given the ${executor.name} executor`);
}

/**
 * The checks before anything is created (executor, API key, the plan against the budget), then
 * the run: resumed or new, its lock taken and its event log opened.
 */
export async function prepareRun(options: ApplyOptions): Promise<PreparedRun> {
  const { loaded, projectDir } = options;
  // Problems an executor meets before the event log exists are said once it does.
  const early: string[] = [];
  let report: ProblemReporter = (text) => early.push(text);
  const executor = typeof options.executor === "function" ? options.executor((text) => report(text)) : options.executor;
  checkExecutor(loaded, executor);
  const now = options.now ?? Date.now;
  const recipePath = relative(projectDir, resolve(projectDir, options.recipeFile)) || options.recipeFile;
  const recipeDir = dirname(resolve(projectDir, options.recipeFile));
  const graph = loaded.graph;
  const lockSources = lockSourcesOf(loaded, projectDir, options.recipeFile, options.internVersion);
  const lockPath = lockPathFor(resolve(projectDir, options.recipeFile));
  const locked = options.locked === true ? openLockedRun(lockPath, lockSources) : typeof options.locked === "object" ? openLockedRun(options.locked.lockPath, lockSources, options.locked.dir) : null;
  if (locked !== null) await fetchPinnedData(locked.lock, { projectDir, recipe: loaded.validated.recipe, env: options.env, lockPath: relative(projectDir, locked.lockPath) });
  const replay = locked !== null ? locked.replay : options.replay !== undefined ? replayedRun(projectDir, options.replay) : null;
  // A replay takes every decision again: nothing is reused from the cache (results are still recorded).
  const cache = replay !== null ? new NoReuseCache(projectDir) : new FileCacheIndex(projectDir);
  // An agentic stage that will call the LLM needs its key: said before anything starts (a stage
  // done before, in this run or another, is in the cache and calls nothing).
  if (replay === null && graph.stages.some((s) => s.mode === "agentic" && !cache.get(s.key))) requireApiKey(options.env);
  // The plan's check, before anything is created: a run that cannot fit its budget never starts.
  const plan = makePlan(graph, loaded.validated.recipe, cache);
  if (plan.overBudget.length > 0) {
    throw new InternError("INTERN_OVER_BUDGET", `the plan exceeds the budget: ${plan.overBudget.join("; ")}`, {
      hint: "`intern plan` shows the estimate; raise the budget, or lower time limits, GPUs or passes",
    });
  }
  const digest = planDigest(graph);
  const choice = chooseRun(projectDir, recipePath, digest, { ...(options.resume !== undefined ? { resume: options.resume } : {}), forceNew: options.forceNew || (replay !== null && options.resume === undefined) });
  if (locked !== null && choice.kind === "resume") throw new InternError("INTERN_USAGE", "--locked starts a new run; it cannot resume one", { hint: "apply --locked without --resume" });
  const runId = choice.kind === "resume" ? choice.runId : newRunId(loaded.validated.recipe.name, new Date(now()));
  const dir = choice.kind === "resume" ? runDir(projectDir, runId) : createRunDir(projectDir, runId);
  const release = acquireRunLock(dir, runId);
  const log = new EventLog(join(dir, "events.jsonl"));
  return {
    options, loaded, recipe: loaded.validated.recipe, graph, executor, now, iso: () => new Date(now()).toISOString(),
    recipePath, recipeDir, lockSources, lockPath, locked, replay, cache, digest, choice, runId, dir,
    append: (e) => {
      log.append(e);
      options.onEvent(e);
    },
    setReporter: (r) => {
      report = r;
      for (const text of early.splice(0)) report(text);
    },
    close: () => {
      report = () => {};
      log.close();
      release();
    },
  };
}

/**
 * Puts the run's beginning on record (started, or resumed with the budget), and from then on
 * what the executor says. Returns the run as its events say so far, and when this session began.
 */
export function openRun(run: PreparedRun): { before: RunState; startedMs: number } {
  const { recipe, graph, options, iso, append, locked, replay, choice, runId } = run;
  // This session's wall clock starts here: provisioning the job environment counts, as it
  // does when the events are folded later.
  const startedMs = run.now();
  const limits: BudgetLimits = { gpuHours: recipe.budget.gpuHours, wallClockSeconds: recipe.budget.wallClockSeconds, llmTokens: recipe.budget.llmTokens, llmUsd: recipe.budget.llmUsd };
  if (choice.kind === "resume") append({ type: "run_resumed", at: iso(), pid: process.pid, budget: limits });
  else {
    append({
      type: "run_started", at: iso(), run: runId, recipe: run.recipePath, recipeDigest: run.digest, name: recipe.name, backend: recipe.compute.backend,
      stages: graph.stages.map((s) => ({ id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: s.resources?.gpus ?? 0 })),
      budget: limits,
      intern: options.internVersion, pid: process.pid,
    });
    append({ type: "message", at: iso(), text: locked !== null ? `new run ${runId}: --locked, replaying ${relative(options.projectDir, locked.lockPath)}` : replay !== null ? `new run ${runId}: replaying run ${replay.runId} from its transcripts` : `new run ${runId}: ${choice.reason}` });
  }
  // The run's first event is on record: what the executor says goes there from now on. A
  // controller that is down says the same thing at every poll: once is enough, until it changes.
  let lastProblem = "";
  run.setReporter((text) => {
    if (text === lastProblem) return;
    lastProblem = text;
    append({ type: "message", at: iso(), text });
  });
  return { before: foldEvents(readEvents(run.dir))!, startedMs };
}

/** A cache that records results but never hands one back. */
class NoReuseCache extends FileCacheIndex {
  override get(): null {
    return null;
  }
}

/** The run a replay serves from: it must exist and hold transcripts. */
function replayedRun(projectDir: string, runId: string): { runId: string; runDir: string } {
  const d = join(runsDir(projectDir), runId);
  if (!existsSync(join(d, "events.jsonl"))) {
    throw new InternError("INTERN_RUN_NOT_FOUND", `cannot replay run ${runId}: there is no such run in ${runsDir(projectDir)}`, { hint: "`intern status` lists the runs" });
  }
  if (!existsSync(join(d, "transcripts"))) {
    throw new InternError("INTERN_REPLAY_MISSING", `cannot replay run ${runId}: it has no transcripts (no agentic stage ran in it)`, { hint: "replay a run whose research, discover or decide stages ran" });
  }
  return { runId, runDir: d };
}
