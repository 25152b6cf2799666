import { InternError } from "../../errors.js";
import type { JobSpec } from "../types.js";
import { parseSbatchId, sbatchErrorLines, submitHint } from "./parse-sbatch.js";
import { batchScriptPath } from "./script-identity.js";
import { callSlurm, controllerUnreachable, type SlurmClient } from "./slurm-command.js";

/** How long a submission keeps trying while the controller does not answer, and how it waits between tries. */
export interface SubmitRetry {
  windowMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * `sbatch --parsable` of the stage's batch script, from the stage folder (so accounting's WorkDir
 * names the stage too). The script's `--time` is the limit the job runs under (the budget's cut
 * is rendered into it), so nothing is added on the command line. While the controller does not answer (restarting,
 * failing over) it tries again for `retry.windowMs`; when sbatch timed out the job may exist
 * anyway, so `recover` looks for it before each new try.
 */
export async function submitJob(client: SlurmClient, job: JobSpec, recover: () => Promise<string | null>, retry: SubmitRetry): Promise<string> {
  const args = ["--parsable", batchScriptPath(job)];
  const deadline = Date.now() + retry.windowMs;
  let result = await callSlurm(client, "sbatch", args, { cwd: job.dir, env: job.env });
  for (let wait = 1000; !result.ok && controllerUnreachable(result) && Date.now() + wait < deadline; wait = Math.min(wait * 2, 15_000)) {
    await retry.sleep(wait);
    if (result.timedOut) {
      const found = await recover().catch(() => null);
      if (found !== null) return found;
    }
    result = await callSlurm(client, "sbatch", args, { cwd: job.dir, env: job.env });
  }
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
