import { appendFileSync, closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { mergePoints, type ProgressPoint } from "./point.js";

/** The stage folder's file of progress points: one JSON object a line, appended, never rewritten. */
export const PROGRESS_FILE = "progress.jsonl";
/** How much of the file's end `latestProgress` reads: many points, and never the whole of a long run's file. */
const TAIL_BYTES = 64 * 1024;

export function progressPath(stageDir: string): string {
  return join(stageDir, PROGRESS_FILE);
}

/** Appends points to the stage's progress file, in one write. */
export function appendPoints(stageDir: string, points: readonly ProgressPoint[]): void {
  if (points.length === 0) return;
  appendFileSync(progressPath(stageDir), points.map((p) => `${JSON.stringify(p)}\n`).join(""));
}

/** The points at the end of the stage's progress file (the last 64 KiB's whole lines), oldest first; none without a file. */
export function lastPoints(stageDir: string): ProgressPoint[] {
  const path = progressPath(stageDir);
  try {
    if (!statSync(path).isFile()) return [];
  } catch {
    return [];
  }
  const fd = openSync(path, "r");
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    text = buf.subarray(0, n).toString("utf8");
    // A read that began inside a line drops that line.
    if (start > 0) text = text.slice(text.indexOf("\n") + 1);
  } finally {
    closeSync(fd);
  }
  const points: ProgressPoint[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const p = JSON.parse(line) as ProgressPoint;
      if (p && typeof p === "object" && typeof p.kind === "string" && typeof p.attempt === "number") points.push(p);
    } catch {
      // a line cut short by a crash: the next is whole
    }
  }
  return points;
}

/** What the stage's progress file says now (its last attempt's points merged), without `offset`; null without points. */
export function latestProgress(stageDir: string): ProgressPoint | null {
  const merged = mergePoints(lastPoints(stageDir));
  if (merged === null) return null;
  const { offset: _offset, ...point } = merged;
  return point;
}
