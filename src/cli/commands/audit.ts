import type { Command } from "../command.js";
import { writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { auditMarkdown, auditSummary } from "../../audit/audit-report.js";
import { compareLocks } from "../../audit/compare-locks.js";
import { applyRecipe } from "../../engine/apply.js";
import { runDir } from "../../engine/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import { createExecutor } from "../../executors/create-executor.js";
import { lockPathFor, readLock } from "../../lock/lock-files.js";
import type { CliIO } from "../io.js";
import { loadRecipe } from "../load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { internVersion, PACKAGE_ROOT } from "../package-root.js";
import { jsonReporter, plainReporter } from "../reporters/plain.js";

export const help = `intern audit <recipe.lock.yaml> [--factor K | --tolerance X] [--jobs N] [--backend B] [--output text|json]

Reruns what the lock records, in a new run, with \`intern apply --locked\` (agentic stages replay
the transcripts in the .lock.d folder beside the lock; every other stage runs again), then
compares every recorded metric with the rerun's: equal is "bit-identical", a difference within the
tolerance "within tolerance", anything else "not matching". The prepared data, the transcripts,
the datasets and the decisions must match bit for bit. Writes audit.md and audit.json into the
rerun's folder and prints the report.

  --factor K      tolerance = the recorded standard error x K (default 2)
  --tolerance X   the same absolute tolerance for every metric instead
  --jobs N        job stages running at once (default 1)
  --backend B     rerun on this backend instead of compute.backend
  --output json   the audit as JSON on stdout (the run's events are not printed)
Exit code 0 when the lock reproduces, 1 when it does not (or the rerun fails), 130 when interrupted.
`;

function positiveNumber(name: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, not ${v}`);
  return n;
}

export async function auditCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { factor: { type: "string" }, tolerance: { type: "string" }, jobs: { type: "string", default: "1" }, output: { type: "string", default: "text" }, "poll-interval": { type: "string" }, ...BACKEND_OPTION },
  });
  const lockFile = positionals[0];
  if (lockFile === undefined) throw new UsageError("intern audit needs a lock file", "intern audit recipes/quickstart.lock.yaml");
  if (values.factor !== undefined && values.tolerance !== undefined) throw new UsageError("--factor and --tolerance cannot be used together");
  const factor = positiveNumber("factor", values.factor) ?? 2;
  const absolute = positiveNumber("tolerance", values.tolerance);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number >= 1, not ${values.jobs}`);
  const lockPath = resolve(io.cwd, lockFile);
  const recorded = readLock(lockPath);
  const recipeFile = relative(io.cwd, join(dirname(lockPath), recorded.recipe.file));
  if (lockPathFor(resolve(io.cwd, recipeFile)) !== lockPath) {
    throw new InternError("INTERN_LOCK_INVALID", `${lockFile} is not the lock of ${recipeFile} (that is ${relative(io.cwd, lockPathFor(resolve(io.cwd, recipeFile)))})`, { hint: "audit the lock that lies beside its recipe" });
  }
  const loaded = loadRecipe(io.cwd, recipeFile, backendOverride(values.backend));
  const reporter = values.output === "json" ? jsonReporter({ write: () => true }) : plainReporter(io.stdout);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result;
  try {
    result = await applyRecipe({
      projectDir: io.cwd, recipeFile, loaded, locked: true, forceNew: true, failFast: true, jobs,
      executor: (onProblem) => createExecutor(loaded.validated.recipe.compute.backend, { env: io.env, onProblem, kubernetes: loaded.validated.recipe.compute.kubernetes }),
      pollIntervalMs: Math.max(50, Number(values["poll-interval"]) || (loaded.validated.recipe.compute.backend === "local" ? 1000 : 5000)),
      env: io.env, signal: controller.signal, pythonDir: join(PACKAGE_ROOT, "python"), internVersion: internVersion(),
      onEvent: (e) => reporter.event(e),
      ...(io.now ? { now: io.now } : {}),
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    reporter.close();
  }
  if (result.status === "interrupted") return 130;
  const dir = runDir(io.cwd, result.runId);
  let rerun = null;
  try {
    rerun = readLock(join(dir, "lock.yaml"));
  } catch {
    rerun = null;
  }
  const stages = [...result.state.stages.values()];
  const summary = auditSummary(
    {
      lock: relative(io.cwd, lockPath),
      run: result.runId,
      replayed: stages.filter((s) => s.outputs.replayed === true).map((s) => s.id),
      recomputed: stages.filter((s) => s.status === "done" && s.outputs.replayed !== true).map((s) => s.id),
      moved: [...(result.lockMoved ?? []), ...(result.status !== "succeeded" && !result.lockMoved?.length ? [`the rerun ended ${result.status}: see \`intern status ${result.runId}\``] : [])],
      checks: rerun === null ? [] : compareLocks(recorded, rerun, { factor, absolute }),
      tolerance: absolute !== null ? `${absolute} (absolute)` : `the recorded standard error x ${factor}`,
    },
    result.status === "succeeded" || (result.lockMoved?.length ?? 0) > 0,
  );
  const md = auditMarkdown(summary);
  writeFileSync(join(dir, "audit.md"), md);
  writeFileSync(join(dir, "audit.json"), `${JSON.stringify(summary, null, 2)}\n`);
  io.stdout.write(values.output === "json" ? `${JSON.stringify(summary, null, 2)}\n` : `\n${md}\naudit report: ${relative(io.cwd, join(dir, "audit.md"))}\n`);
  return summary.reproduced ? 0 : 1;
}

export const command: Command = { help, run: auditCommand };
