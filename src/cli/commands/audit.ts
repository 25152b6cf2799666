import type { Command } from "../command.js";
import { printableJson } from "../../printable.js";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { auditMarkdown, auditSummary } from "../../audit/audit-report.js";
import { compareLocks } from "../../audit/compare-locks.js";
import { explainAudit, type ItemList } from "../../audit/explain.js";
import { seedSpread, sweepSeeds, type SeedSpread } from "../../audit/seed-spread.js";
import { applyRecipe, type ApplyOptions, type LockedSource } from "../../engine/apply.js";
import type { RunState } from "../../run/run-state.js";
import { foldEvents } from "../../run/run-state.js";
import { internDir, readEvents, runDir } from "../../run/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import { itemsFileOf, lockDirFor, lockedItems, lockedTranscript, lockPathFor, readLock } from "../../lock/lock-files.js";
import type { Lock } from "../../lock/types.js";
import type { CliIO } from "../io.js";
import { loadRecipe, type LoadedRecipe } from "../../project/load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { interruptible, runSetup } from "../run-setup.js";
import { jsonReporter, plainReporter } from "../reporters/plain.js";

export const help = `intern audit <recipe.lock.yaml | RUN> [--factor K | --tolerance X] [--seeds N] [--jobs N] [--backend B] [--output text|json]

Reruns what the lock records, in a new run, with \`intern apply --locked\` (agentic stages replay
the transcripts in the .lock.d folder beside the lock; every other stage runs again, with the
thread count the lock recorded), then compares every recorded metric with the rerun's: equal is
"bit-identical", a difference within the tolerance "within tolerance", anything else "not
matching". The prepared data, the transcripts, the datasets and the decisions must match bit for
bit. The digests of each model and of each evaluation's per-item results name the first stage
whose output moved, and the environment fingerprints say what differs between the machine that
wrote the lock and this one. The verdict: reproduced bit for bit, reproduced within tolerance,
differs and the environment differs (numeric drift is expected), or differs in the same
environment (a real difference). Writes audit.md and audit.json into the rerun's folder and
prints the report. Given a run instead of a lock, audits that run's lock.yaml (its recipe must
not have moved since), replaying the run's own transcripts.

  --factor K      tolerance = the recorded standard error x K (default 2)
  --tolerance X   the same absolute tolerance for every metric instead
  --seeds N       also train with N other seeds (the recorded seed + 1 ... + N; every stage
                  of a chain with each), in a run of their own, and say whether the
                  recorded number is inside their spread
  --jobs N        job stages running at once (default 1)
  --backend B     rerun on this backend instead of compute.backend
  --output json   the audit as JSON on stdout (the run's events are not printed)
Exit code 0 when the lock reproduces (bit for bit or within tolerance), 1 when it does not (or
the rerun fails), 130 when interrupted. The seed spread informs; it does not change the exit code.
`;

interface AuditTarget {
  lockPath: string;
  recorded: Lock;
  recipeFile: string;
  locked: true | LockedSource;
  /** Where the recorded per-item results of an evaluation stage are. */
  recordedItems: (stage: string) => string | null;
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
    return {
      lockPath: join(dir, "lock.yaml"), recorded: readLock(join(dir, "lock.yaml")), recipeFile: state.recipe, locked: { lockPath: join(dir, "lock.yaml"), dir: transcripts },
      recordedItems: (stage) => itemsFileOf(state.stages.get(stage)?.outputs),
    };
  }
  const recorded = readLock(path, what);
  const recipeFile = relative(cwd, join(dirname(path), recorded.recipe.file));
  if (lockPathFor(resolve(cwd, recipeFile)) !== path) {
    throw new InternError("INTERN_LOCK_INVALID", `${what} is not the lock of ${recipeFile} (that is ${relative(cwd, lockPathFor(resolve(cwd, recipeFile)))})`, { hint: "audit the lock that lies beside its recipe, or a run by its id" });
  }
  return { lockPath: path, recorded, recipeFile, locked: true, recordedItems: (stage) => lockedItems(lockDirFor(path), stage) };
}

function readItems(file: string | null): ItemList | null {
  if (file === null || !existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ItemList;
  } catch {
    return null;
  }
}

/**
 * The recipe's last evaluation, per seed of the sweep: each trial's own evaluate stage (the one
 * serving only that trial), against what the lock recorded for that stage.
 */
function spreadOf(loaded: LoadedRecipe, swept: LoadedRecipe, state: RunState, recorded: Lock, seeds: number[]): SeedSpread | null {
  const final = loaded.graph.stages.filter((st) => st.kind === "evaluate" && st.needs.some((n) => loaded.graph.stages.find((x) => x.id === n)?.kind === "train")).at(-1);
  const then = recorded.evaluations.find((e) => e.stage === final?.id);
  if (final === undefined || then === undefined) return null;
  const runs: { seed: number; value: number }[] = [];
  seeds.forEach((seed, i) => {
    const own = swept.graph.stages.filter((st) => st.kind === final.kind && st.trials.length === 1 && st.trials[0] === i + 1 && st.pass === final.pass).at(-1);
    const value = own ? state.stages.get(own.id)?.outputs.value : undefined;
    if (typeof value === "number") runs.push({ seed, value });
  });
  return runs.length === 0 ? null : seedSpread(final.id, then.metric, then.value, runs);
}

function positiveNumber(name: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, not ${v}`);
  return n;
}

/** The seeds a spread reruns training with: the N after the recorded one (TRL's default seed is 42). */
function spreadSeeds(loaded: LoadedRecipe, n: number): number[] {
  const recipe = loaded.validated.recipe;
  const hp = recipe.training.hyperparameters;
  if (loaded.graph.trials.length > 1) throw new UsageError("--seeds needs a recipe without a matrix: the recipe sweeps already", "audit without --seeds, or sweep training.hyperparameters.seed in the matrix yourself");
  if (loaded.graph.stages.some((st) => st.mode === "agentic")) throw new UsageError("--seeds is not available for recipes with agentic stages: their decisions would change with every seed", "audit without --seeds");
  if ("seed" in recipe.training.searchSpace) throw new UsageError("--seeds needs a fixed training seed, not one in training.search_space");
  const seed = typeof hp.seed === "number" ? hp.seed : 42;
  return Array.from({ length: n }, (_, i) => seed + 1 + i);
}

export async function auditCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { factor: { type: "string" }, tolerance: { type: "string" }, seeds: { type: "string" }, jobs: { type: "string", default: "1" }, output: { type: "string", default: "text" }, "poll-interval": { type: "string" }, ...BACKEND_OPTION },
  });
  const lockFile = positionals[0];
  if (lockFile === undefined) throw new UsageError("intern audit needs a lock file", "intern audit recipes/quickstart.lock.yaml");
  if (values.factor !== undefined && values.tolerance !== undefined) throw new UsageError("--factor and --tolerance cannot be used together");
  const factor = positiveNumber("factor", values.factor) ?? 2;
  const absolute = positiveNumber("tolerance", values.tolerance);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number >= 1, not ${values.jobs}`);
  const seedCount = values.seeds === undefined ? 0 : Number(values.seeds);
  if (!Number.isInteger(seedCount) || seedCount < 0 || seedCount > 100) throw new UsageError(`--seeds must be a whole number from 1 to 100, not ${values.seeds}`);
  const target = auditTarget(io.cwd, lockFile);
  const { lockPath, recorded, recipeFile } = target;
  const loaded = loadRecipe(io.cwd, recipeFile, backendOverride(values.backend));
  const seeds = seedCount > 0 ? spreadSeeds(loaded, seedCount) : [];
  const reporter = values.output === "json" ? jsonReporter({ write: () => true }) : plainReporter(io.stdout, io.now ? { now: io.now } : {});
  let result;
  let spread: SeedSpread | null = null;
  try {
    const ran = await interruptible(io, "`intern audit` again starts a new rerun", async (signal) => {
      const run = (what: LoadedRecipe, options: Pick<ApplyOptions, "locked" | "keepLock">) =>
        applyRecipe({ projectDir: io.cwd, recipeFile, loaded: what, forceNew: true, failFast: true, jobs, ...options, ...runSetup(io, what, values["poll-interval"], signal, reporter) });
      const first = await run(loaded, { locked: target.locked });
      if (seeds.length === 0 || first.status === "interrupted") return { first, swept: null };
      // The same recipe swept over other seeds, in a run of its own; the lock beside the recipe stays as it is.
      const swept = loadRecipe(io.cwd, recipeFile, (data) => {
        backendOverride(values.backend)?.(data);
        sweepSeeds(data, seeds);
      });
      return { first, swept: { loaded: swept, run: await run(swept, { keepLock: true }) } };
    });
    result = ran.first;
    if (ran.swept !== null) {
      if (ran.swept.run.status === "interrupted") return 130;
      spread = spreadOf(loaded, ran.swept.loaded, ran.swept.run.state, recorded, seeds);
    }
  } finally {
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
  const checks = rerun === null ? [] : compareLocks(recorded, rerun, { factor, absolute });
  const summary = auditSummary(
    {
      lock: relative(io.cwd, lockPath),
      run: result.runId,
      replayed: stages.filter((s) => s.outputs.replayed === true).map((s) => s.id),
      recomputed: stages.filter((s) => s.status === "done" && s.outputs.replayed !== true).map((s) => s.id),
      moved: [...(result.lockMoved ?? []), ...(result.status !== "succeeded" && !result.lockMoved?.length ? [`the rerun ended ${result.status}: see \`intern status ${result.runId}\``] : [])],
      checks,
      tolerance: absolute !== null ? `${absolute} (absolute)` : `the recorded standard error x ${factor} (for a proportion at 0 or 1, the Agresti-Coull standard error)`,
    },
    result.status === "succeeded" || (result.lockMoved?.length ?? 0) > 0,
  );
  const explained = {
    ...summary,
    explanation: explainAudit({
      recorded, rerun, checks, reproduced: summary.reproduced, order: loaded.graph.stages.map((s) => s.id),
      items: { recorded: (stage) => readItems(target.recordedItems(stage)), rerun: (stage) => readItems(itemsFileOf(result.state.stages.get(stage)?.outputs)) },
    }),
    ...(spread !== null ? { seedSpread: spread } : {}),
  };
  const md = auditMarkdown(explained);
  writeFileSync(join(dir, "audit.md"), md);
  writeFileSync(join(dir, "audit.json"), `${printableJson(explained)}\n`);
  io.stdout.write(values.output === "json" ? `${printableJson(explained)}\n` : `\n${md}\naudit report: ${relative(io.cwd, join(dir, "audit.md"))}\n`);
  return explained.reproduced ? 0 : 1;
}

export const command: Command = { help, run: auditCommand };
