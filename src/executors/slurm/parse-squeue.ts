/** One job as `squeue --format=%i|%T|%r` prints it. */
export interface SqueueRow {
  jobId: string;
  state: string;
  reason: string;
}

/** The `--format` that `parseSqueue` reads: no widths, so nothing is truncated. */
export const SQUEUE_FORMAT = "%i|%T|%r";

/** Parses `squeue --noheader --format=%i|%T|%r`; the reason is free text and keeps any `|`. */
export function parseSqueue(stdout: string): SqueueRow[] {
  const rows: SqueueRow[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [jobId = "", state = "", ...rest] = line.trim().split("|");
    if (jobId === "" || state === "") continue;
    rows.push({ jobId, state, reason: rest.join("|") });
  }
  return rows;
}

/** squeue exits 1 with this when it is asked for one job id that has left the controller's memory. */
export function isInvalidJobId(message: string): boolean {
  return /Invalid job id specified/i.test(message);
}
