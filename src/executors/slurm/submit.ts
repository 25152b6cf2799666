import { InternError } from "../../errors.js";
import { formatSlurmTime } from "../../recipe/duration.js";
import type { JobSpec } from "../types.js";
import { parseSbatchId, sbatchErrorLines, submitHint } from "./parse-sbatch.js";
import { batchScriptPath } from "./script-identity.js";
import { callSlurm, type SlurmClient } from "./slurm-command.js";

/**
 * `--time` for a limit in seconds. Slurm counts whole minutes; rounding up would let a job run
 * past what the budget allows, so it rounds down (to at least one minute).
 */
export function submitTime(seconds: number): string {
  return formatSlurmTime(Math.max(60, Math.floor(seconds / 60) * 60));
}

/**
 * `sbatch --parsable` of the stage's batch script, from the stage folder (so accounting's WorkDir
 * names the stage too). `--time` on the command line overrides the script's: the engine may have
 * cut the limit to what the budget has left. When sbatch times out the job may exist anyway, so
 * `recover` looks for it before giving up.
 */
export async function submitJob(client: SlurmClient, job: JobSpec, recover: () => Promise<string | null>): Promise<string> {
  const args = ["--parsable"];
  if (job.timeLimitSeconds > 0) args.push(`--time=${submitTime(job.timeLimitSeconds)}`);
  args.push(batchScriptPath(job));
  const result = await callSlurm(client, "sbatch", args, { cwd: job.dir, env: job.env });
  if (result.ok) {
    const id = parseSbatchId(result.stdout);
    if (id !== null) return id;
    throw new InternError("INTERN_SLURM_SUBMIT_FAILED", `stage ${job.stageId}: sbatch printed no job id: ${JSON.stringify(result.stdout.trim())}`, {
      hint: "is `sbatch` Slurm's? intern needs `sbatch --parsable`",
    });
  }
  if (result.timedOut) {
    const found = await recover().catch(() => null);
    if (found !== null) return found;
  }
  const reason = sbatchErrorLines(result.message) || result.message;
  throw new InternError("INTERN_SLURM_SUBMIT_FAILED", `stage ${job.stageId}: sbatch refused the job: ${reason}`, { hint: submitHint(reason), cause: result.error });
}
