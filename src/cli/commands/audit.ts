import type { Command } from "../command.js";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { auditMarkdown, auditSummary } from "../../audit/audit-report.js";
import { compareLocks } from "../../audit/compare-locks.js";
import { applyRecipe, type LockedSource } from "../../engine/apply.js";
import { foldEvents } from "../../engine/run-state.js";
import { internDir, readEvents, runDir } from "../../engine/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import { createExecutor } from "../../executors/create-executor.js";
import { lockedTranscript, lockPathFor, readLock } from "../../lock/lock-files.js";
import type { Lock } from "../../lock/types.js";
import type { CliIO } from "../io.js";
import { loadRecipe } from "../load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { internVersion, PACKAGE_ROOT } from "../package-root.js";
import { jsonReporter, plainReporter } from "../reporters/plain.js";

export const help = `intern audit <recipe.lock.yaml | RUN> [--factor K | --tolerance X] [--jobs N] [--backend B] [--output text|json]

Reruns what the lock records, in a new run, with \`intern apply --locked\` (agentic stages replay
the transcripts in the .lock.d folder beside the lock; every other stage runs again), then
compares every recorded metric with the rerun's: equal is "bit-identical", a difference within the
tolerance "within tolerance", anything else "not matching". The prepared data, the transcripts,
the datasets and the decisions must match bit for bit. Writes audit.md and audit.json into the
rerun's folder and prints the report. Given a run instead of a lock, audits that run's lock.yaml
(its recipe must not have moved since), replaying the run's own transcripts.

  --factor K      tolerance = the recorded standard error x K (default 2)
  --tolerance X   the same absolute tolerance for every metric instead
  --jobs N        job stages running at once (default 1)
  --backend B     rerun on this backend instead of compute.backend
  --output json   the audit as JSON on stdout (the run's events are not printed)
Exit code 0 when the lock reproduces, 1 when it does not (or the rerun fails), 130 when interrupted.
`;

interface AuditTarget {
  lockPath: string;
  recorded: Lock;
  recipeFile: string;
  locked: true | LockedSource;
}

/** A lock file beside its recipe, or a run (by id) whose lock.yaml and transcripts are audited. */
function auditTarget(cwd: string, what: string): AuditTarget {
  const path = resolve(cwd, what);
  if (!existsSync(path) && existsSync(join(runDir(cwd, what), "events.jsonl"))) {
    const dir = runDir(cwd, what);
    const state = foldEvents(readEvents(dir));
    if (!existsSync(join(dir, "lock.yaml")) || state === null) throw new InternError("INTERN_LOCK_MISSING", `run ${what} has no lock.yaml: only a run that succeeded has one`, { hint: "`intern status` shows how each run ended" });
    // The transcripts the lock names, gathered in one folder (a cached stage's is in the run that made it).
    const transcripts = join(internDir(cwd), "audits", what);
    rmSync(transcripts, { recursive: true, force: true });
    mkdirSync(join(transcripts, "transcripts"), { recursive: true });
    for (const s of state.stages.values()) {
      const file = s.outputs.transcript;
      if (typeof file === "string" && existsSync(file)) copyFileSync(file, lockedTranscript(transcripts, s.id));
    }
    return { lockPath: join(dir, "lock.yaml"), recorded: readLock(join(dir, "lock.yaml")), recipeFile: state.recipe, locked: { lockPath: join(dir, "lock.yaml"), dir: transcripts } };
  }
  const recorded = readLock(path);
  const recipeFile = relative(cwd, join(dirname(path), recorded.recipe.file));
  if (lockPathFor(resolve(cwd, recipeFile)) !== path) {
    throw new InternError("INTERN_LOCK_INVALID", `${what} is not the lock of ${recipeFile} (that is ${relative(cwd, lockPathFor(resolve(cwd, recipeFile)))})`, { hint: "audit the lock that lies beside its recipe, or a run by its id" });
  }
  return { lockPath: path, recorded, recipeFile, locked: true };
}

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
  const target = auditTarget(io.cwd, lockFile);
  const { lockPath, recorded, recipeFile } = target;
  const loaded = loadRecipe(io.cwd, recipeFile, backendOverride(values.backend));
  const reporter = values.output === "json" ? jsonReporter({ write: () => true }) : plainReporter(io.stdout, io.now ? { now: io.now } : {});
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result;
  try {
    result = await applyRecipe({
      projectDir: io.cwd, recipeFile, loaded, locked: target.locked, forceNew: true, failFast: true, jobs,
      executor: (onProblem) => createExecutor(loaded.validated.recipe.compute.backend, { env: io.env, onProblem, kubernetes: loaded.validated.recipe.compute.kubernetes }),
      pollIntervalMs: Math.max(50, Number(values["poll-interval"]) || (loaded.validated.recipe.compute.backend === "local" ? 1000 : 5000)),
      env: io.env, signal: controller.signal, pythonDir: join(PACKAGE_ROOT, "python"), internVersion: internVersion(),
      onEvent: (e) => reporter.event(e),
      onProgress: (stage, text) => reporter.progress(stage, text),
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
