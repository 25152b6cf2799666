import { realpathSync } from "node:fs";
import { InternError } from "../../errors.js";
import type { JobSpec } from "../types.js";
import { readIdentity, type JobIdentity } from "./script-identity.js";
import { isInvalidJobId } from "./parse-squeue.js";
import { callSlurm, type SlurmClient } from "./slurm-command.js";

function sameDir(a: string, dir: string): boolean {
  if (a === dir) return true;
  try {
    return a === realpathSync(dir);
  } catch {
    return false;
  }
}

/**
 * Whether a job listed under the stage's name is this stage's of this run: the comment carries the
 * run and stage key; where the comment is not kept (accounting stores it only with
 * AccountingStoreFlags=job_comment), the working directory, which is the stage folder, decides.
 */
function matches(id: JobIdentity, dir: string, comment: string, workDir: string): boolean {
  if (id.comment !== null && comment !== "" && comment !== "(null)") return comment === id.comment;
  return sameDir(workDir, dir);
}


/**
 * The newest job of this stage that Slurm knows, live (squeue) or finished (sacct, over the
 * last `lookbackDays`), other than the `ignore`d ones (earlier attempts). Throws when Slurm does not answer: "not found" must never be a guess,
 * or a restart submits the stage twice.
 */
export async function findJob(client: SlurmClient, job: Pick<JobSpec, "dir" | "script" | "stageId">, lookbackDays: number, ignore: ReadonlySet<string> = new Set()): Promise<string | null> {
  const id = readIdentity(job);
  if (id === null) return null;
  const newest = (ids: string[]): string | null => ids.filter((j) => !ignore.has(j)).sort((a, b) => Number(b) - Number(a))[0] ?? null;
  const sq = await callSlurm(client, "squeue", [`--name=${id.name}`, "--states=all", "--noheader", "--format=%i|%Z|%k"]);
  if (!sq.ok && !isInvalidJobId(sq.message)) {
    throw new InternError("INTERN_SLURM_UNREACHABLE", `stage ${job.stageId}: cannot tell whether its job is already in Slurm: ${sq.message}`, {
      hint: "check `scontrol ping`; resume the run once the controller answers",
    });
  }
  const live = (sq.ok ? sq.stdout : "").split(/\r?\n/).filter((l) => l.trim() !== "").map((l) => l.trim().split("|"));
  const inQueue = newest(live.filter(([, wd = "", ...c]) => matches(id, job.dir, c.join("|"), wd)).map(([j = ""]) => j));
  if (inQueue !== null) return inQueue;
  const sa = await callSlurm(client, "sacct", [`--name=${id.name}`, "-X", "-P", "-n", "-o", "JobID,WorkDir,Comment", `--starttime=now-${lookbackDays}days`]);
  if (!sa.ok) {
    if (/accounting storage is disabled/i.test(sa.message)) return null;
    throw new InternError("INTERN_SLURM_UNREACHABLE", `stage ${job.stageId}: cannot tell whether its job already ran: ${sa.message}`, {
      hint: "check that slurmdbd answers (`sacct`); resume the run once it does",
    });
  }
  const done = sa.stdout.split(/\r?\n/).filter((l) => l.trim() !== "").map((l) => l.trim().split("|"));
  return newest(done.filter(([j = "", wd = "", ...c]) => !j.includes(".") && matches(id, job.dir, c.join("|"), wd)).map(([j = ""]) => j));
}
