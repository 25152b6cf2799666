import { existsSync } from "node:fs";
import { secretValues } from "../process/redact.js";
import { dirname, join, relative, resolve } from "node:path";
import type { LoadedRecipe } from "../project/load.js";
import { neededPackages } from "../recipe/derive.js";
import { envsDir } from "../environments/envs-dir.js";
import { ensureEnvironment, type PythonEnvironment } from "../environments/ensure-environment.js";
import { readPythonHelpers } from "../environments/python-helpers.js";
import { requireApiKey } from "../agent/llm.js";
import { InternalError, InternError } from "../errors.js";
import type { Executor, ProblemReporter } from "../executors/types.js";
import type { Stage, StageGraph } from "../graph/types.js";
import { makePlan } from "../plan/make-plan.js";
import { Renderer } from "../render/environment.js";
import type { RunLocation } from "../render/context.js";
import type { Recipe } from "../recipe/types.js";
import { controlCommandRunner, jobCommandRunner } from "../stages/command.js";
import { decideRunner } from "../stages/decide.js";
import { discoverRunner } from "../stages/discover.js";
import { evaluateRunner } from "../stages/evaluate.js";
import { prepareRunner } from "../stages/prepare-runner.js";
import { reportRunner } from "../stages/report.js";
import { writeRunReport } from "../report/write-report.js";
import { writeModelCards } from "../report/model-card.js";
import { researchRunner } from "../stages/research.js";
import { synthesizeRunner } from "../stages/synthesize.js";
import { trainRunner } from "../stages/train.js";
import type { StageContext, StageRunner } from "../stages/types.js";
import { lockPathFor } from "../lock/lock-files.js";
import { lockSourcesOf } from "../lock/lock-sources.js";
import { compareMetrics } from "../lock/compare-metrics.js";
import { openLockedRun, recordLock } from "../lock/record-lock.js";
import type { Lock } from "../lock/types.js";
import { fetchPinnedData } from "../lock/fetch-pinned.js";
import { FileCacheIndex } from "./cache-index.js";
import type { RunEvent, RunStatus } from "../run/events.js";
import type { ProgressPoint } from "../progress/point.js";
import { acquireRunLock } from "../run/run-lock.js";
import { foldEvents, type RunState } from "../run/run-state.js";
import { createRunDir, EventLog, newRunId, readEvents, runDir, runsDir } from "../run/run-store.js";
import { schedule } from "./scheduler.js";
import { chooseRun, planDigest } from "../run/select-run.js";

/** A lock other than the one beside the recipe (an earlier run's), with the folder holding `transcripts/<stage>.jsonl`. */
export interface LockedSource {
  lockPath: string;
  dir: string;
}

export interface ApplyOptions {
  /** The project folder: `.intern/` lives here. */
  projectDir: string;
  recipeFile: string;
  loaded: LoadedRecipe;
  /** The backend's executor, or a function that makes it given where its problems go (the run's events). */
  executor: Executor | ((report: ProblemReporter) => Executor);
  resume?: string;
  /** Leave the lock beside the recipe as it is: the run writes its own `lock.yaml` only (an audit's seed spread). */
  keepLock?: boolean;
  forceNew: boolean;
  failFast: boolean;
  jobs: number;
  pollIntervalMs: number;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  /** intern's own Python helpers (python/). */
  pythonDir: string;
  internVersion: string;
  onEvent: (e: RunEvent) => void;
  /**
   * A running stage's progress, one short line at a time: a control-plane stage's (data
   * preparation: rows, MB/s, ETA; about twice a second), or a job's read from its log (step,
   * loss, learning rate, it/s, ETA; at most once a second, with the point it says). Transient:
   * not an event, never in the event log.
   */
  onProgress?: (stage: string, text: string, point?: ProgressPoint) => void;
  now?: () => number;
  /**
   * Replays this earlier run: its agentic stages are served from its transcripts (no LLM call, no
   * network; a request not in the record is an error), in a new run in which no stage is reused
   * from the cache, so every decision is taken again.
   */
  replay?: string;
  /**
   * `apply --locked`: nothing is resolved again. The recipe's inputs must match its lock, agentic
   * stages replay the lock's transcripts, every other stage runs again, and what the run resolved
   * must match the lock; the lock itself is left as it is.
   */
  locked?: boolean | LockedSource;
}

export interface ApplyResult {
  runId: string;
  status: RunStatus | "interrupted";
  state: RunState;
  resumed: boolean;
  /** A locked run that finished: what it resolved differently from the lock (empty when nothing). */
  lockMoved?: string[];
  /** The lock written beside the recipe (not for a locked run), when the run succeeded. */
  lockFile?: string;
}

function runnerFor(stage: Stage): StageRunner {
  switch (stage.kind) {
    case "prepare":
      return prepareRunner;
    case "train":
      return trainRunner;
    case "evaluate":
      return evaluateRunner;
    case "report":
      return reportRunner;
    case "research":
      return researchRunner;
    case "discover":
      return discoverRunner;
    case "synthesize":
      return synthesizeRunner;
    case "decide":
      return decideRunner;
    case "command":
      return stage.placement === "job" ? jobCommandRunner : controlCommandRunner;
  }
}

/** Checks, before anything starts, that the executor is the one the recipe names. */
function checkExecutor(loaded: LoadedRecipe, executor: Executor): void {
  const backend = loaded.validated.recipe.compute.backend;
  if (backend !== executor.name) throw new InternalError(`compute.backend ${backend} given the ${executor.name} executor`);
}

/**
 * Applies a recipe: picks the run (resume or new), takes the run's lock, provisions the job
 * environment when a job needs it, and walks the DAG. Returns when the run finishes, fails,
 * runs out of budget or is interrupted; the event log says which.
 */
export async function applyRecipe(options: ApplyOptions): Promise<ApplyResult> {
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
  const append = (e: RunEvent) => {
    log.append(e);
    options.onEvent(e);
  };
  try {
    const recipe = loaded.validated.recipe;
    const iso = () => new Date(now()).toISOString();
    // This session's wall clock starts here: provisioning the job environment counts, as it
    // does when the events are folded later.
    const startedMs = now();
    const limits = { gpuHours: recipe.budget.gpuHours, wallClockSeconds: recipe.budget.wallClockSeconds, llmTokens: recipe.budget.llmTokens, llmUsd: recipe.budget.llmUsd };
    if (choice.kind === "resume") append({ type: "run_resumed", at: iso(), pid: process.pid, budget: limits });
    else {
      append({
        type: "run_started", at: iso(), run: runId, recipe: recipePath, recipeDigest: digest, name: recipe.name, backend: recipe.compute.backend,
        stages: graph.stages.map((s) => ({ id: s.id, key: s.key, kind: s.kind, placement: s.placement, needs: s.needs, gpus: s.resources?.gpus ?? 0 })),
        budget: limits,
        intern: options.internVersion, pid: process.pid,
      });
      append({ type: "message", at: iso(), text: locked !== null ? `new run ${runId}: --locked, replaying ${relative(projectDir, locked.lockPath)}` : replay !== null ? `new run ${runId}: replaying run ${replay.runId} from its transcripts` : `new run ${runId}: ${choice.reason}` });
    }
    // The run's first event is on record: what the executor says goes there from now on. A
    // controller that is down says the same thing at every poll: once is enough, until it changes.
    let lastProblem = "";
    report = (text) => {
      if (text === lastProblem) return;
      lastProblem = text;
      append({ type: "message", at: iso(), text });
    };
    for (const text of early.splice(0)) report(text);
    const before = foldEvents(readEvents(dir))!;
    const byTrial = new Map(loaded.validated.trials.map((t) => [t.index + 1, t.recipe]));
    const recipeOf = (s: Stage): Recipe => byTrial.get(s.trials[0] ?? 1) ?? recipe;

    // The job environment, once, before the first job that needs it.
    let pythonEnv: PythonEnvironment | null = null;
    const willRun = (s: Stage) => {
      const st = before.stages.get(s.id)?.status;
      const hit = cache.get(s.key);
      return st !== "done" && st !== "cached" && !(hit && hit.runId !== runId);
    };
    // Checking an interpreter imports TRL (seconds): not for a run whose jobs are all reused.
    // On Kubernetes the pods run the image's Python; a venv here would serve nothing.
    const needsEnv = recipe.compute.backend !== "kubernetes" && graph.stages.some((s) => s.placement === "job" && willRun(s));
    if (needsEnv) {
      try {
        pythonEnv = await ensureEnvironment(recipe.compute.environment, {
          envsDir: envsDir(projectDir, options.env),
          needs: neededPackages({ harness: recipe.benchmark.harness, accelerate: recipe.compute.accelerate, peft: recipe.training.peft !== null }),
          ...(options.env.INTERN_HOST_PYTHON ? { hostPython: options.env.INTERN_HOST_PYTHON } : {}),
          onProgress: (text) => append({ type: "message", at: iso(), text }),
          signal: options.signal,
        });
      } catch (error) {
        // Ctrl-C while the environment was being made: pip is stopped, the half-made folder gone.
        if (!options.signal.aborted) throw error;
        append({ type: "run_interrupted", at: iso(), signal: typeof options.signal.reason === "string" ? options.signal.reason : "SIGINT" });
        return { runId, status: "interrupted", state: foldEvents(readEvents(dir))!, resumed: choice.kind === "resume" };
      }
      append({ type: "env_ready", at: iso(), env: pythonEnv.id, python: pythonEnv.python, created: pythonEnv.created });
    }

    const renderer = new Renderer(loaded.templates);
    const pythonHelpers = readPythonHelpers(options.pythonDir);
    const initial = new Map<string, { status: "pending" | "done" | "running"; outputs: Record<string, unknown>; dir: string; ref: string | null; attempt: number; submittedAt: string | null }>();
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
        runId, runDir: dir, envsDir: envsDir(projectDir, options.env), recipeDir, pythonDir: options.pythonDir, pythonHelpers, stageDirs,
        threads: locked ? recordedThreads(locked.lock, s.id) : null,
        ...(pythonEnv ? { pythonEnv: { python: pythonEnv.python, binDir: pythonEnv.binDir } } : {}),
      };
      return {
        stage: s, recipe: recipeOf(s), graph, loc, dir: join(dir, "stages", s.id), recipeDir, projectDir, renderer, executor, pythonEnv,
        needOutputs, state: () => foldEvents(readEvents(dir))!, env: options.env, signal: options.signal, replay,
        lockedDatasets: locked?.lock.datasets ?? null,
      };
    };
    const status = await schedule({
      runId, recipe: graph.recipe, stages: graph.stages, initial, runners: runnerFor, context, executor, cache,
      limits: before.budget, spentBefore: { ...before.spent }, startedMs, jobs: options.jobs, failFast: options.failFast,
      pollIntervalMs: options.pollIntervalMs, append, signal: options.signal, now, secrets: secretValues(options.env),
      ...(options.onProgress ? { progress: options.onProgress } : {}),
    });
    let finalStatus = status;
    let lockMoved: string[] | undefined;
    let lockFile: string | undefined;
    let reportAgain = false;
    if (status === "succeeded") {
      let written: { moved: string[]; lock?: Lock; previous?: Lock | null };
      let lockWritten = false;
      try {
        const state = foldEvents(readEvents(dir))!;
        const recorded = recordLock({ runDir: dir, lockPath: options.keepLock ? null : lockPath, sources: lockSources, state, locked });
        writeModelCards(recorded.lock, recorded.text, { recipe: lockSources.recipe, state });
        written = recorded;
        lockWritten = true;
        reportAgain = true;
      } catch (error) {
        // The stages are done: the run still finishes, and says why there is no lock.
        const text = `the lock could not be written: ${error instanceof Error ? error.message : String(error)}`;
        append({ type: "message", at: iso(), text });
        written = { moved: locked !== null ? [text] : [] };
      }
      if (locked !== null) {
        lockMoved = written.moved;
        if (lockMoved.length > 0) {
          append({ type: "message", at: iso(), text: `--locked: the run resolved ${lockMoved.length} thing(s) differently from ${relative(projectDir, locked.lockPath)}:\n  ${lockMoved.join("\n  ")}` });
          finalStatus = "failed";
        }
      } else if (lockWritten && !options.keepLock) {
        lockFile = lockPath;
        const moved = written.previous && written.lock ? metricsMoved(written.previous, written.lock) : [];
        if (moved.length > 0) append({ type: "lock_metrics_moved", at: iso(), lock: relative(projectDir, lockPath), recipeChanged: written.previous!.recipe?.sha256 !== written.lock!.recipe.sha256, moved });
      }
    }
    if (status === "interrupted") append({ type: "run_interrupted", at: iso(), signal: typeof options.signal.reason === "string" ? options.signal.reason : "SIGINT" });
    else append({ type: "run_finished", at: iso(), status: finalStatus === "interrupted" ? "cancelled" : finalStatus, seconds: (now() - startedMs) / 1000 });
    if (reportAgain) refreshReport(graph, recipeOf, dir);
    return {
      runId, status: finalStatus, state: foldEvents(readEvents(dir))!, resumed: choice.kind === "resume",
      ...(lockMoved !== undefined ? { lockMoved } : {}), ...(lockFile !== undefined ? { lockFile } : {}),
    };
  } finally {
    report = () => {};
    log.close();
    release();
  }
}

/**
 * The run folder's report again once the run has finished and written its lock, so that the page
 * gives the lock's digest, the run's end and every stage done (the report stage wrote it while it
 * ran). Only a report this run wrote; one that cannot be written again stays as the stage wrote it.
 */
function refreshReport(graph: StageGraph, recipeOf: (s: Stage) => Recipe, dir: string): void {
  const stage = graph.stages.find((s) => s.kind === "report");
  const state = foldEvents(readEvents(dir))!;
  if (!stage || state.stages.get(stage.id)?.status !== "done") return;
  try {
    writeRunReport({ recipe: recipeOf(stage), graph, state, runDir: dir, dirs: [dir] });
  } catch {
    // The stage's own report stands.
  }
}

/** The torch thread count the lock recorded for a stage: a locked rerun splits its sums the same way. */
function recordedThreads(lock: Lock, stageId: string): number | null {
  const f = (lock.fingerprints ?? []).find((g) => g.stages.includes(stageId));
  const threads = (f?.software.torch as { threads?: unknown } | null | undefined)?.threads;
  return typeof threads === "number" && Number.isInteger(threads) && threads > 0 ? threads : null;
}

/** The metrics of a new lock that moved beyond the tolerance of the lock it replaced. */
function metricsMoved(previous: Lock, now: Lock) {
  return compareMetrics(previous.evaluations ?? [], now.evaluations, { factor: 2, absolute: null })
    .filter((m) => m.verdict === "not matching")
    .map((m) => ({ stage: m.stage, metric: m.metric, before: m.recorded.value, after: m.rerun!.value, tolerance: m.tolerance }));
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
