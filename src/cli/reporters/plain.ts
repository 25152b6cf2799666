import type { RunEvent } from "../../engine/events.js";
import { describeEvent } from "./describe-event.js";
import type { Reporter } from "./types.js";

/** Timestamped lines, for logs and CI. */
export function plainReporter(out: { write(s: string): unknown }): Reporter {
  return {
    event(e: RunEvent) {
      const line = describeEvent(e);
      if (line !== null) out.write(`${e.at.slice(11, 19)} ${line}\n`);
    },
    close() {},
  };
}

/** Every event as one JSON line, for tools. */
export function jsonReporter(out: { write(s: string): unknown }): Reporter {
  return {
    event(e: RunEvent) {
      out.write(`${JSON.stringify(e)}\n`);
    },
    close() {},
  };
}
