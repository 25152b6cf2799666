import type { RunEvent } from "../../engine/events.js";

/** Prints the engine's events; the engine itself never prints. */
export interface Reporter {
  event(e: RunEvent): void;
  /**
   * A running stage's progress in one short line (`reading 412,000 rows · ...`): transient, not an
   * event, and called as often as the stage says it (about twice a second); each reporter shows
   * as much of it as suits where it writes.
   */
  progress(stage: string, text: string): void;
  close(): void;
}

export interface ReporterOptions {
  /** The clock progress is throttled by and stamped with (milliseconds); Date.now when unset. */
  now?: () => number;
}
