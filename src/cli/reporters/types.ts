import type { RunEvent } from "../../engine/events.js";

/** Prints the engine's events; the engine itself never prints. */
export interface Reporter {
  event(e: RunEvent): void;
  close(): void;
}
