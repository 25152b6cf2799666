import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JobSpec } from "../types.js";

/** How Slurm knows a stage's job: the job name and the comment the batch script sets. */
export interface JobIdentity {
  name: string;
  comment: string | null;
}

/** `#SBATCH --job-name=...` and `#SBATCH --comment=...` of a batch script's text. */
export function parseIdentity(script: string): JobIdentity | null {
  let name: string | null = null;
  let comment: string | null = null;
  for (const line of script.split(/\r?\n/)) {
    const m = /^#SBATCH\s+--(job-name|comment)=(\S+)\s*$/.exec(line);
    if (m?.[1] === "job-name") name = m[2]!;
    else if (m?.[1] === "comment") comment = m[2]!;
  }
  return name === null ? null : { name, comment };
}

/** The batch script of a job: `job.script`, or the stage folder's `job.sbatch` when re-attaching without one. */
export function batchScriptPath(job: Pick<JobSpec, "dir" | "script">): string {
  return job.script !== "" ? job.script : join(job.dir, "job.sbatch");
}

/** The identity in the job's batch script; null when there is no script to read. */
export function readIdentity(job: Pick<JobSpec, "dir" | "script">): JobIdentity | null {
  const path = batchScriptPath(job);
  return existsSync(path) ? parseIdentity(readFileSync(path, "utf8")) : null;
}
