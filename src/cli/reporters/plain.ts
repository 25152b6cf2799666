import type { ProgressEvent, RunEvent } from "../../run/events.js";
import type { ProgressPoint } from "../../progress/point.js";
import { printableJson } from "../../printable.js";
import { describeEvent } from "./describe-event.js";
import type { Reporter, ReporterOptions } from "./types.js";

/** How often the plain reporter prints a stage's progress: a log gets a line every 10 s, not twice a second. */
export const PLAIN_PROGRESS_MS = 10_000;
/** How often the JSON reporter prints a stage's progress. */
export const JSON_PROGRESS_MS = 1_000;

/** Whether a stage's progress is due: the first line of each stage, then one per `everyMs`. */
function progressThrottle(everyMs: number, now: () => number): (stage: string) => boolean {
  const last = new Map<string, number>();
  return (stage) => {
    const t = now();
    const previous = last.get(stage);
    if (previous !== undefined && t - previous < everyMs) return false;
    last.set(stage, t);
    return true;
  };
}

/** Timestamped lines, for logs and CI; a stage's progress at most once every 10 s. */
export function plainReporter(out: { write(s: string): unknown }, options: ReporterOptions = {}): Reporter {
  const now = options.now ?? Date.now;
  const due = progressThrottle(PLAIN_PROGRESS_MS, now);
  return {
    event(e: RunEvent) {
      const line = describeEvent(e);
      if (line !== null) out.write(`${e.at.slice(11, 19)} ${line}\n`);
    },
    progress(stage: string, text: string) {
      if (due(stage)) out.write(`${new Date(now()).toISOString().slice(11, 19)} ${stage}: ${text}\n`);
    },
    close() {},
  };
}

/**
 * Every event as one JSON line, for tools; between them, a running stage's progress at most once a
 * second per stage, as `{"type":"progress","at":...,"stage":...,"text":...}`, with `"point":{...}`
 * for a job's progress read from its log (step, total, loss, lr, ...: a ProgressPoint). Not an
 * event: it is not in events.jsonl.
 */
export function jsonReporter(out: { write(s: string): unknown }, options: ReporterOptions = {}): Reporter {
  const now = options.now ?? Date.now;
  const due = progressThrottle(JSON_PROGRESS_MS, now);
  return {
    event(e: RunEvent) {
      out.write(`${printableJson(e, 0)}\n`);
    },
    progress(stage: string, text: string, point?: ProgressPoint) {
      if (!due(stage)) return;
      const e: ProgressEvent = { type: "progress", at: new Date(now()).toISOString(), stage, text, ...(point ? { point } : {}) };
      out.write(`${printableJson(e, 0)}\n`);
    },
    close() {},
  };
}
