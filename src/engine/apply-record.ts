import { relative } from "node:path";
import type { Stage, StageGraph } from "../graph/types.js";
import type { Recipe } from "../recipe/types.js";
import { compareMetrics } from "../lock/compare-metrics.js";
import { recordLock } from "../lock/record-lock.js";
import type { Lock } from "../lock/types.js";
import { writeModelCards } from "../report/model-card.js";
import { writeRunReport } from "../report/write-report.js";
import type { RunStatus } from "../run/events.js";
import { foldEvents, type RunState } from "../run/run-state.js";
import { readEvents } from "../run/run-store.js";
import type { ApplyResult } from "./apply-options.js";
import type { PreparedRun } from "./apply-prepare.js";

/**
 * The run's end on record: for a run that succeeded, its lock (and model cards) written, a locked
 * run's differences from its lock said (they fail it), and moved metrics said; then the final
 * event, and the report again with the lock's digest.
 */
export function recordRun(run: PreparedRun, status: RunStatus | "interrupted", startedMs: number, recipeOf: (s: Stage) => Recipe): ApplyResult {
  const { options, iso, append, locked, dir } = run;
  const { projectDir } = options;
  let finalStatus = status;
  let lockMoved: string[] | undefined;
  let lockFile: string | undefined;
  let reportAgain = false;
  if (status === "succeeded") {
    let written: { moved: string[]; lock?: Lock; previous?: Lock | null };
    let lockWritten = false;
    try {
      const state = readEventsState(dir);
      const recorded = recordLock({ runDir: dir, lockPath: options.keepLock ? null : run.lockPath, sources: run.lockSources, state, locked });
      writeModelCards(recorded.lock, recorded.text, { recipe: run.lockSources.recipe, state });
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
      lockFile = run.lockPath;
      const moved = written.previous && written.lock ? metricsMoved(written.previous, written.lock) : [];
      if (moved.length > 0) append({ type: "lock_metrics_moved", at: iso(), lock: relative(projectDir, run.lockPath), recipeChanged: written.previous!.recipe?.sha256 !== written.lock!.recipe.sha256, moved });
    }
  }
  if (status === "interrupted") append({ type: "run_interrupted", at: iso(), signal: typeof options.signal.reason === "string" ? options.signal.reason : "SIGINT" });
  else append({ type: "run_finished", at: iso(), status: finalStatus === "interrupted" ? "cancelled" : finalStatus, seconds: (run.now() - startedMs) / 1000 });
  // The run as it ended, read once for the report and the result.
  const ended = readEventsState(dir);
  if (reportAgain) refreshReport(run.graph, recipeOf, dir, ended);
  return {
    runId: run.runId, status: finalStatus, state: ended, resumed: run.choice.kind === "resume",
    ...(lockMoved !== undefined ? { lockMoved } : {}), ...(lockFile !== undefined ? { lockFile } : {}),
  };
}

/**
 * The run folder's report again once the run has finished and written its lock, so that the page
 * gives the lock's digest, the run's end and every stage done (the report stage wrote it while it
 * ran). Only a report this run wrote; one that cannot be written again stays as the stage wrote it.
 */
function refreshReport(graph: StageGraph, recipeOf: (s: Stage) => Recipe, dir: string, state: RunState): void {
  const stage = graph.stages.find((s) => s.kind === "report");
  if (!stage || state.stages.get(stage.id)?.status !== "done") return;
  try {
    writeRunReport({ recipe: recipeOf(stage), graph, state, runDir: dir, dirs: [dir] });
  } catch {
    // The stage's own report stands.
  }
}

/** The run as its events say now. */
function readEventsState(dir: string): RunState {
  return foldEvents(readEvents(dir))!;
}

/** The metrics of a new lock that moved beyond the tolerance of the lock it replaced. */
function metricsMoved(previous: Lock, now: Lock) {
  return compareMetrics(previous.evaluations ?? [], now.evaluations, { factor: 2, absolute: null })
    .filter((m) => m.verdict === "not matching")
    .map((m) => ({ stage: m.stage, metric: m.metric, before: m.recorded.value, after: m.rerun!.value, tolerance: m.tolerance }));
}
