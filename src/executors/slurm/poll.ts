import type { JobStatus } from "../types.js";
import { finishedStatus, isLive, liveStatus } from "./map-state.js";
import { parseSacct, SACCT_FIELDS, type SacctRow } from "./parse-sacct.js";
import { isInvalidJobId, parseSqueue, SQUEUE_FORMAT, type SqueueRow } from "./parse-squeue.js";
import { callSlurm, type SlurmClient } from "./slurm-command.js";

/**
 * Polls without a verdict, per job: how many in a row could not be settled. A short lag is normal
 * (slurmdbd records a finished job a moment after squeue shows it); a long one falls back to what
 * squeue said, or to "lost" when the job is gone from both and both answered.
 */
export type UnsettledCounts = Map<string, number>;

export interface PollResult {
  statuses: Map<string, JobStatus>;
  /** What went wrong talking to Slurm this time, in words (the controller down, a timeout). */
  problems: string[];
}

/** sacct on a cluster without accounting: it never will answer, so squeue's word is final. */
function noAccounting(message: string): boolean {
  return /accounting storage is disabled|not running a supported accounting_storage plugin/i.test(message);
}

/**
 * One `squeue` for all jobs, and one `sacct` for those that squeue shows finished or no longer
 * lists. A job missing from the result is unknown this poll.
 */
export async function pollJobs(client: SlurmClient, ids: readonly string[], unsettled: UnsettledCounts, settleAfter = 3): Promise<PollResult> {
  const statuses = new Map<string, JobStatus>();
  const problems: string[] = [];
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { statuses, problems };

  const sq = await callSlurm(client, "squeue", [`--jobs=${unique.join(",")}`, "--states=all", "--noheader", `--format=${SQUEUE_FORMAT}`]);
  // Asked for one job that the controller has forgotten, squeue fails instead of printing nothing.
  const squeueAnswered = sq.ok || isInvalidJobId(sq.message);
  if (!squeueAnswered) problems.push(`squeue: ${sq.message}`);
  const inQueue = new Map<string, SqueueRow>(sq.ok ? parseSqueue(sq.stdout).map((r) => [r.jobId, r]) : []);

  const rest: string[] = [];
  for (const id of unique) {
    const row = inQueue.get(id);
    if (row && isLive(row.state)) statuses.set(id, liveStatus(row.state));
    else rest.push(id);
  }

  let accounted = new Map<string, SacctRow>();
  let sacctAnswered = true;
  let sacctFinal = false;
  if (rest.length > 0) {
    const sa = await callSlurm(client, "sacct", ["-j", rest.join(","), "-X", "-P", "-n", "-o", SACCT_FIELDS]);
    if (sa.ok) accounted = parseSacct(sa.stdout);
    else if (noAccounting(sa.message)) sacctFinal = true;
    else {
      sacctAnswered = false;
      problems.push(`sacct: ${sa.message}`);
    }
  }

  for (const id of rest) {
    const acct = accounted.get(id);
    const queued = inQueue.get(id);
    if (acct && !isLive(acct.state)) {
      statuses.set(id, finishedStatus(acct));
      unsettled.delete(id);
      continue;
    }
    if (queued && sacctFinal) {
      statuses.set(id, finishedStatus({ state: queued.state, reason: queued.reason, cancelledBy: null, exitCode: null, signal: null }));
      continue;
    }
    if (acct && !squeueAnswered) {
      // The controller is down but accounting answers: its word on a live job will do.
      statuses.set(id, liveStatus(acct.state));
      continue;
    }
    const count = (unsettled.get(id) ?? 0) + 1;
    unsettled.set(id, count);
    if (count < settleAfter) {
      if (acct) statuses.set(id, liveStatus(acct.state));
      continue;
    }
    if (queued) {
      statuses.set(id, finishedStatus({ state: queued.state, reason: queued.reason, cancelledBy: null, exitCode: null, signal: null }));
      unsettled.delete(id);
    } else if (squeueAnswered && (sacctAnswered || sacctFinal)) {
      const why = acct ? `accounting still says ${acct.state}, but squeue no longer lists it` : "it left squeue and accounting has no record of it";
      statuses.set(id, { state: "lost", exitCode: null, reason: `Slurm no longer knows this job: ${why}` });
      unsettled.delete(id);
    }
  }
  return { statuses, problems };
}
