import type { RunEvent } from "../../run/events.js";
import { printable, printableLines } from "../../printable.js";
import { formatDuration } from "../../recipe/duration.js";

/** A log's last lines as a terminal would have left them (what a carriage return overwrote is gone), control characters escaped. */
function logLines(tail: string): string {
  return tail.split("\n").map((line) => `    | ${printable(line.replace(/\r+$/, "").split("\r").pop() ?? "")}`).join("\n");
}

/** One line for an event, or null for events not worth a line. */
export function describeEvent(e: RunEvent): string | null {
  switch (e.type) {
    case "run_started":
      return `run ${e.run}: ${e.stages.length} stages of ${e.recipe}`;
    case "run_resumed":
      return "resuming the run";
    case "env_ready":
      return `job environment ${e.created ? "created" : "ready"}: ${e.python}`;
    case "stage_started":
      return `${e.stage}: started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "job_submitted":
      return `${e.stage}: ${e.job ?? "job"} submitted (time limit ${formatDuration(e.timeLimitSeconds)})`;
    case "job_retrying":
      return `${e.stage}: job ${e.reason}; retrying (compute.retry.on has ${e.failure}; attempt ${e.attempt + 1} of ${e.maxAttempts} next)`;
    case "stage_cached":
      return `${e.stage}: cached (same inputs as run ${e.fromRun})`;
    case "stage_done":
      return `${e.stage}: done in ${formatDuration(e.seconds)}${typeof e.outputs.value === "number" ? ` (${String(e.outputs.metric)} ${(e.outputs.value as number).toFixed(4)})` : ""}`;
    case "stage_failed":
      return `${e.stage}: FAILED: ${printable(e.error)}${e.hint ? `\n  hint: ${printable(e.hint)}` : ""}${e.logTail ? `\n  last lines of ${e.log}:\n${logLines(e.logTail)}` : ""}`;
    case "stage_skipped":
      return `${e.stage}: skipped, ${printable(e.reason)}`;
    case "budget_exhausted":
      return `budget exhausted: ${e.resource} reached its limit (${e.limit})`;
    case "run_interrupted":
      return "interrupted: running jobs were cancelled; `intern apply` again resumes the run";
    case "run_finished":
      return `run ${e.status} in ${formatDuration(e.seconds)}`;
    case "lock_metrics_moved":
      return [
        `warning: this run's numbers moved from the lock it replaced (${e.lock})${e.recipeChanged ? ", whose recipe was different" : ", with the same recipe"}:`,
        ...e.moved.map((m) => `  ${m.metric} of ${m.stage}: ${m.before} then, ${m.after} now (difference ${(m.after - m.before).toPrecision(3)}, tolerance ${m.tolerance.toPrecision(3)})`),
        `  \`git diff ${e.lock}\` shows the old numbers; \`intern audit ${e.lock}\` after restoring it tells an environment difference from a real one`,
      ].join("\n");
    case "message":
      return `${e.stage ? `${e.stage}: ` : ""}${printableLines(e.text)}`;
    default:
      return null;
  }
}
