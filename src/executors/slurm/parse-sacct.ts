import type { JobUsage } from "../types.js";
import { parseUsage } from "./parse-tres.js";

/** One allocation as `sacct -X -P -n -o JobID,State,ExitCode,AllocTRES,Elapsed,Reason` prints it. */
export interface SacctRow {
  jobId: string;
  /** First word of State: `CANCELLED by 1000` is state CANCELLED, cancelledBy "1000". */
  state: string;
  cancelledBy: string | null;
  /** The script's exit code (the part before the colon). */
  exitCode: number | null;
  /** The signal that ended it (the part after the colon), 0 when none. */
  signal: number | null;
  usage: JobUsage | null;
  reason: string;
}

export const SACCT_FIELDS = "JobID,State,ExitCode,AllocTRES,Elapsed,Reason";

function parseExit(text: string): { exitCode: number | null; signal: number | null } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : { exitCode: null, signal: null };
}

/**
 * Parses `sacct -P -n -o JobID,State,ExitCode,AllocTRES,Elapsed,Reason`. Step lines (`12.batch`,
 * `12.0`) are skipped: the allocation's line carries the job's verdict. A job requeued after a node
 * failure appears once per run; the last line wins, as it is the latest.
 */
export function parseSacct(stdout: string): Map<string, SacctRow> {
  const rows = new Map<string, SacctRow>();
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [jobId = "", stateText = "", exit = "", tres = "", elapsed = "", ...rest] = line.trim().split("|");
    if (jobId === "" || jobId.includes(".")) continue;
    const [state = "", by, who] = stateText.trim().split(/\s+/);
    rows.set(jobId, {
      jobId,
      state,
      cancelledBy: by === "by" && who !== undefined ? who : null,
      ...parseExit(exit),
      usage: parseUsage(tres, elapsed),
      reason: rest.join("|"),
    });
  }
  return rows;
}
