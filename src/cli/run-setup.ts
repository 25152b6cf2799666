import { join } from "node:path";
import type { ApplyOptions } from "../engine/apply.js";
import { createExecutor } from "../executors/create-executor.js";
import type { CliIO } from "./io.js";
import type { LoadedRecipe } from "../project/load.js";
import { internVersion, PACKAGE_ROOT } from "../project/package-root.js";
import type { Reporter } from "./reporters/types.js";

/** What every command that runs a recipe (apply, audit) hands the engine, besides its own choices. */
export type RunSetup = Pick<ApplyOptions, "executor" | "pollIntervalMs" | "env" | "signal" | "pythonDir" | "internVersion" | "onEvent" | "onProgress" | "now">;

/**
 * The engine's wiring for a run from the command line: the recipe's backend, the poll interval
 * (`--poll-interval`, else 1 s locally and 5 s on a cluster), the environment, and events and
 * progress to the reporter.
 */
export function runSetup(io: CliIO, loaded: LoadedRecipe, pollInterval: string | undefined, signal: AbortSignal, reporter: Reporter): RunSetup {
  const compute = loaded.validated.recipe.compute;
  return {
    executor: (onProblem) => createExecutor(compute.backend, { env: io.env, onProblem, kubernetes: compute.kubernetes }),
    pollIntervalMs: Math.max(50, Number(pollInterval) || (compute.backend === "local" ? 1000 : 5000)),
    env: io.env,
    signal,
    pythonDir: join(PACKAGE_ROOT, "python"),
    internVersion: internVersion(),
    onEvent: (e) => reporter.event(e),
    onProgress: (stage, text, point) => reporter.progress(stage, text, point),
    ...(io.now ? { now: io.now } : {}),
  };
}

/**
 * Runs `body` with Ctrl-C (and SIGTERM) aborting its signal, whose reason is the signal's name:
 * the run records which one stopped it. A second one while jobs are being cancelled leaves at
 * once, exit 130, saying `then`. The listeners stay until `body` settles: with none left, a
 * library's exit hook (execa's, while a Slurm client or pip runs) would re-raise the signal and
 * kill intern before it cancels its jobs.
 */
export async function interruptible<T>(io: CliIO, then: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) return controller.abort(signal);
    io.stderr.write(`\n${signal} again: leaving without waiting for running jobs to stop; ${then}\n`);
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
