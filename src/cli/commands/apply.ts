import type { Command } from "../command.js";
import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { readSavedPlan } from "../../saved-plan/read-saved-plan.js";
import { checkSavedPlan, isSavedPlan } from "../../saved-plan/saved-plan.js";
import { applyRecipe } from "../../engine/apply.js";
import type { RunState } from "../../run/run-state.js";
import { UsageError } from "../../errors.js";
import type { CliIO } from "../io.js";
import { loadRecipe, requireFile } from "../../project/load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { internVersion } from "../../project/package-root.js";
import { interruptible, runSetup } from "../run-setup.js";
import { formatDiagnostics } from "../print-diagnostics.js";
import { listrReporter } from "../reporters/listr.js";
import { jsonReporter, plainReporter } from "../reporters/plain.js";
import type { Reporter } from "../reporters/types.js";

export const help = `intern apply <recipe.yaml | plan.json> [--new | --resume RUN] [--replay RUN] [--locked] [--fail-fast] [--jobs N] [--backend local|slurm|kubernetes] [--output text|json]

Runs the recipe: job stages on this machine (compute.backend: local), as Slurm batch jobs
(compute.backend: slurm, from a login node; sbatch/squeue/sacct/scancel find the cluster through
SLURM_CONF as usual) or as Kubernetes Jobs (compute.backend: kubernetes; the kubeconfig from
KUBECONFIG or ~/.kube/config, the project folder on the PVC the pods mount). The run lives in .intern/runs/<run>/: an append-only
events.jsonl, one folder per stage (rendered files, log, outputs) and the report.
A stage whose content key matches a completed stage of any earlier run is reused ("cached").
An unfinished run of the same recipe is resumed: finished stages are not redone and a job that
was running is re-attached, never started twice. Ctrl-C cancels running jobs and exits 130;
apply again resumes. Jobs get the budget's remaining time as their time limit; when a limit is
reached, running jobs are cancelled and the run ends "budget_exhausted". A job that fails in a
way compute.retry.on names (default: node_fail, preempted) is submitted again, up to
compute.retry.max_attempts. On Slurm, GPU-hours come from accounting (AllocTRES x Elapsed).

  --new          start a new run even if an unfinished one exists (the cache still applies)
  --resume RUN   continue this run
  --replay RUN   run the recipe again in a new run, serving the agentic stages (research,
                 discover, decide) from RUN's transcripts: no LLM call and no network; a request
                 not in the record is an error. No stage is reused from the cache; Hub files
                 come from the download cache (.intern/cache/hub).
  --locked       rerun exactly what <recipe>.lock.yaml records, like \`npm ci\`: the recipe,
                 templates, environment and local files must be the ones it records, agentic
                 stages replay the transcripts in <recipe>.lock.d/ (no LLM, no key), Hub files
                 are read at their pinned commits (fetched when the cache lacks them) and
                 checked against their digests, every other stage runs again (no cache), and
                 what the run resolves (data, decisions) must match the lock.
                 Anything that moved is an error naming it. The lock is not rewritten.
  --fail-fast    stop everything at the first failed stage (default: independent branches go on)
  --jobs N       job stages running at once (default 1: training on a CPU wants the cores;
                 on a cluster, raise it to let independent trials run side by side)
  --backend B    run on this backend instead of compute.backend (local, slurm or kubernetes)
  --poll-interval MS
                 how often running jobs are polled (default 1000 locally, 5000 on Slurm,
                 where each poll is one squeue and one sacct call for all of the run's jobs,
                 and on Kubernetes, one list of Jobs and one of pods)
  --output json  events as JSON lines on stdout, and between them a running stage's progress at
                 most once a second: {"type":"progress","at":...,"stage":...,"text":...}, with
                 "point":{"step":...,"total":...,"loss":...,"lr":...} for a training or
                 evaluation job
A long stage shows its progress: data preparation (rows, MB/s, ETA), and a training or evaluation
job, read from its log as the job writes it (step 1,240/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s ·
ETA 14m): under its row on a terminal, at most one line every 10 s otherwise. Progress is not an
event: events.jsonl does not have it. A job's progress points (each logging dict of the trainer,
and its step every 10 s) are kept in its stage folder's progress.jsonl; \`intern status RUN\`
shows the last one of each running job.
A successful run writes <recipe>.lock.yaml beside the recipe (and <recipe>.lock.d/transcripts/),
and lock.yaml in the run folder. Given a plan saved by \`intern plan --out plan.json\`, applies that
plan, and refuses when the recipe, its lock or the cache moved since it was saved.
Exit code 0 when the run succeeds, 1 when it fails or runs out of budget, 130 when interrupted.
`;

function reporterFor(io: CliIO, output: string, stages: { id: string; kind: string }[]): Reporter {
  const options = io.now ? { now: io.now } : {};
  if (output === "json") return jsonReporter(io.stdout, options);
  const tty = io.stdout.isTTY === true && !io.env.CI && io.env.TERM !== "dumb";
  return tty ? listrReporter(stages, io.stdout as NodeJS.WriteStream) : plainReporter(io.stdout, options);
}

/** The run's LLM spend, when it had any: a replayed call spent nothing, and the recorded figure is said beside. */
function llmLine(state: RunState): string {
  const replayed = state.replayed?.llmTokens ?? 0;
  if (replayed > 0) return `\nllm: ${state.spent.llmTokens} tokens spent (replayed from transcripts; recorded: ${replayed} tokens)`;
  return state.spent.llmTokens > 0 ? `\nllm: ${state.spent.llmTokens} tokens spent` : "";
}

export async function applyCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      new: { type: "boolean", default: false },
      resume: { type: "string" },
      replay: { type: "string" },
      locked: { type: "boolean", default: false },
      "fail-fast": { type: "boolean", default: false },
      jobs: { type: "string", default: "1" },
      output: { type: "string", default: "text" },
      "poll-interval": { type: "string" },
      ...BACKEND_OPTION,
    },
  });
  const given = requireFile(positionals[0], "apply");
  const saved = isSavedPlan(given) ? readSavedPlan(io.cwd, given) : null;
  const file = saved !== null ? saved.recipe : given;
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a whole number >= 1, not ${values.jobs}`);
  if (values.new && values.resume !== undefined) throw new UsageError("--new and --resume cannot be used together");
  if (values.replay !== undefined && values.resume !== undefined) throw new UsageError("--replay and --resume cannot be used together");
  if (values.locked && (values.replay !== undefined || values.resume !== undefined)) throw new UsageError("--locked cannot be used with --replay or --resume", "--locked replays the transcripts its lock names, in a new run");
  const loaded = loadRecipe(io.cwd, file, backendOverride(values.backend ?? saved?.backend));
  if (saved !== null) checkSavedPlan(saved, given, { cwd: io.cwd, loaded, internVersion: internVersion() });
  if (loaded.validated.warnings.length > 0 && values.output !== "json") io.stderr.write(formatDiagnostics(loaded.validated.warnings));
  const reporter = reporterFor(io, values.output!, loaded.graph.stages);
  try {
    return await interruptible(io, "`intern apply` again re-attaches to them", async (signal) => {
      const result = await applyRecipe({
        projectDir: io.cwd,
        recipeFile: file,
        loaded,
        ...(values.resume !== undefined ? { resume: values.resume } : {}),
        ...(values.replay !== undefined ? { replay: values.replay } : {}),
        ...(values.locked ? { locked: true } : {}),
        forceNew: values.new!,
        failFast: values["fail-fast"]!,
        jobs,
        ...runSetup(io, loaded, values["poll-interval"], signal, reporter),
      });
      reporter.close();
      if (values.output !== "json") {
        // A reused report stage's file is in the run that wrote it.
        const report = result.state.stages.get("report")?.outputs.report;
        io.stdout.write(`\nrun ${result.runId}: ${result.status}${result.status === "succeeded" && typeof report === "string" ? `\nreport: ${report}` : ""}${result.lockFile ? `\nlock: ${relative(io.cwd, result.lockFile)}` : ""}${llmLine(result.state)}\n`);
      }
      if (result.lockMoved && result.lockMoved.length > 0) {
        io.stderr.write(`error: --locked: the run resolved ${result.lockMoved.length} thing(s) differently from the lock (INTERN_LOCK_MOVED):\n  ${result.lockMoved.join("\n  ")}\n  hint: \`intern diff\` the lock and this run's lock.yaml; apply without --locked to accept the new resolution\n`);
      }
      return result.status === "succeeded" ? 0 : result.status === "interrupted" ? 130 : 1;
    });
  } finally {
    reporter.close();
  }
}

export const command: Command = { help, run: applyCommand };
