import { userInfo } from "node:os";
import type { JobStatus } from "../types.js";
import type { SacctRow } from "./parse-sacct.js";

/** Slurm states of a job that is still in the controller's hands (squeue's long names). */
const PENDING = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]);
const RUNNING = new Set(["RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING", "POWER_UP_NODE", "UPDATE_DB"]);

export const TIMEOUT_HINT = "raise the stage's time limit (training.time_limit or benchmark.time_limit)";
export const OOM_HINT = "lower the batch size (per_device_train_batch_size, with more gradient_accumulation_steps to keep the effective batch) or raise compute.slurm.mem (--mem)";
const RETRY_HINT = (kind: string) => `not the job's fault: compute.retry.on: [${kind}] resubmits it`;

/** A job that Slurm still schedules or runs; anything else is finished (or unknown to squeue). */
export function isLive(state: string): boolean {
  return PENDING.has(state) || RUNNING.has(state);
}

/** Pending or running, for a state `isLive` accepts. */
export function liveStatus(state: string): JobStatus {
  return { state: PENDING.has(state) ? "pending" : "running", exitCode: null, reason: null };
}

/** `CANCELLED by 1000`: the user's name when it is us, else the uid as Slurm gives it. */
export function describeCanceller(uid: string): string {
  try {
    const me = userInfo();
    if (String(me.uid) === uid) return `${me.username} (uid ${uid})`;
  } catch {
    // no passwd entry for this process: the uid alone still says who
  }
  return `uid ${uid}`;
}

function exitText(row: Pick<SacctRow, "exitCode" | "signal">): string {
  if (row.signal) return `was killed by signal ${row.signal}`;
  return row.exitCode === null ? "failed" : `exited with code ${row.exitCode}`;
}

/**
 * A finished job's status from Slurm's verdict. Every terminal state maps to a state, a retry
 * kind the recipe's policy can name, and where it helps, a hint. `row` may come from sacct
 * (exit code, canceller, usage) or, without accounting, from squeue (state and reason only).
 */
export function finishedStatus(row: Pick<SacctRow, "state" | "cancelledBy" | "exitCode" | "signal" | "reason"> & { usage?: SacctRow["usage"] }): JobStatus {
  const usage = row.usage ? { usage: row.usage } : {};
  const code = row.exitCode;
  switch (row.state) {
    case "COMPLETED":
      return { state: "succeeded", exitCode: code ?? 0, reason: null, ...usage };
    case "FAILED":
      return { state: "failed", exitCode: code, reason: `${exitText(row)}${row.reason && row.reason !== "None" && row.reason !== "NonZeroExitCode" ? ` (${row.reason})` : ""}`, failure: "failed", ...usage };
    case "CANCELLED": {
      const by = row.cancelledBy !== null ? describeCanceller(row.cancelledBy) : null;
      return { state: "cancelled", exitCode: code, reason: by ? `cancelled by ${by}` : "cancelled", ...(by ? { cancelledBy: by } : {}), ...usage };
    }
    case "TIMEOUT":
      return { state: "timeout", exitCode: code, reason: "ran past its time limit (Slurm TIMEOUT)", failure: "timeout", hint: TIMEOUT_HINT, ...usage };
    case "OUT_OF_MEMORY":
      return { state: "failed", exitCode: code, reason: "ran out of memory (Slurm OUT_OF_MEMORY)", failure: "out_of_memory", hint: OOM_HINT, ...usage };
    case "NODE_FAIL":
      return { state: "failed", exitCode: code, reason: "its node failed (Slurm NODE_FAIL)", failure: "node_fail", hint: RETRY_HINT("node_fail"), ...usage };
    case "PREEMPTED":
      return { state: "failed", exitCode: code, reason: "was preempted by a higher-priority job (Slurm PREEMPTED)", failure: "preempted", hint: RETRY_HINT("preempted"), ...usage };
    case "BOOT_FAIL":
      return { state: "failed", exitCode: code, reason: "its node failed to boot (Slurm BOOT_FAIL)", failure: "boot_fail", hint: RETRY_HINT("boot_fail"), ...usage };
    case "DEADLINE":
      return {
        state: "failed", exitCode: code, reason: "did not finish before its --deadline (Slurm DEADLINE)", failure: "failed",
        hint: "extend or remove --deadline in compute.slurm.extra_sbatch", ...usage,
      };
    default:
      return { state: "failed", exitCode: code, reason: `ended in Slurm state ${row.state || "(none)"}${row.reason && row.reason !== "None" ? ` (${row.reason})` : ""}`, failure: "failed", ...usage };
  }
}
