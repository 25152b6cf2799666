/** The job id `sbatch --parsable` prints (`123`, or `123;cluster` on a multi-cluster setup). */
export function parseSbatchId(stdout: string): string | null {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  const m = /^(\d+)(?:;\S+)?$/.exec(lines.at(-1) ?? "");
  return m ? m[1]! : null;
}

/** The `sbatch: error: ...` lines of a refusal, which say why better than the exit code. */
export function sbatchErrorLines(text: string): string {
  const errors = text.split(/\r?\n/).map((l) => l.replace(/^\s*\|\s?/, "").trim()).filter((l) => /^sbatch: error:/.test(l));
  return errors.map((l) => l.replace(/^sbatch: error:\s*/, "")).join("; ");
}

/** What to change, for the refusals people meet most. */
export function submitHint(reason: string): string {
  if (/node configuration is not available|Requested GRES|gres/i.test(reason)) {
    return "no node has what the job asks for: compare compute.gpus (per node), compute.slurm.mem and cpus_per_task with `sinfo -o '%P %D %c %m %G'`";
  }
  if (/invalid account|invalid partition|invalid qos|Invalid qos/i.test(reason)) return "check compute.slurm.account, partition and qos against `sacctmgr show assoc user=$USER`";
  if (/time limit/i.test(reason)) return "the time limit is over the partition's MaxTime: lower the stage's time_limit or pick another partition";
  if (/Unable to contact slurm controller|Socket timed out|did not finish within/i.test(reason)) return "the Slurm controller did not answer: check `scontrol ping`, then resume the run";
  return "the batch script is job.sbatch in the stage folder; `sbatch --test-only` on it says more";
}
