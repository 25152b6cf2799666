import type { RunEvent } from "../../run/events.js";
import type { ProgressPoint } from "../../progress/point.js";

/** Prints the engine's events; the engine itself never prints. */
export interface Reporter {
  event(e: RunEvent): void;
  /**
   * A running stage's progress in one short line (`reading 412,000 rows · ...`, `step 1,240/4,000 ·
   * loss 0.84 · ...`): transient, not an event, and called as often as the stage says it (about
   * twice a second; a job's at most once a second, with the `point` it says); each reporter shows
   * as much of it as suits where it writes.
   */
  progress(stage: string, text: string, point?: ProgressPoint): void;
  close(): void;
}

export interface ReporterOptions {
  /** The clock progress is throttled by and stamped with (milliseconds); Date.now when unset. */
  now?: () => number;
}
