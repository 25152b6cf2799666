import { isInvalidJobId } from "./parse-squeue.js";
import { callSlurm, type SlurmClient } from "./slurm-command.js";

/** scancel of a job that has already ended is not a failure: it is gone, which is what we want. */
function alreadyGone(message: string): boolean {
  return isInvalidJobId(message) || /already completed|Job\/step already completing or completed/i.test(message);
}

/**
 * `scancel`, then waits (bounded by `waitMs`) until squeue no longer lists the job among live
 * ones. Returns null once it is gone, else what stood in the way; never throws, so one stuck job
 * does not keep the others of a run from being cancelled.
 */
export async function cancelJob(client: SlurmClient, id: string, waitMs: number, intervalMs: number, sleep: (ms: number) => Promise<void>): Promise<string | null> {
  const deadline = Date.now() + waitMs;
  let cancelled = false;
  let problem: string | null = null;
  while (true) {
    if (!cancelled) {
      const sc = await callSlurm(client, "scancel", [id]);
      cancelled = sc.ok || alreadyGone(sc.message);
      if (!sc.ok && !cancelled) problem = `scancel: ${sc.message}`;
    }
    if (cancelled) {
      // Without --states, squeue lists only live jobs: a cancelled one that is still completing shows, a gone one does not.
      const sq = await callSlurm(client, "squeue", [`--jobs=${id}`, "--noheader", "--format=%i|%T"]);
      if ((sq.ok && sq.stdout.trim() === "") || (!sq.ok && isInvalidJobId(sq.message))) return null;
      problem = sq.ok ? `job ${id} is still ${sq.stdout.trim().split("|")[1] ?? "listed"}` : `squeue: ${sq.message}`;
    }
    if (Date.now() + intervalMs > deadline) return `job ${id} was not gone after ${Math.round(waitMs / 1000)} s: ${problem}`;
    await sleep(intervalMs);
  }
}
