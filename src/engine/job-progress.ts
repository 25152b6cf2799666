import { FileFollower } from "../process/follow-file.js";
import { formatProgress } from "../progress/format-progress.js";
import { LogParser } from "../progress/parse-log.js";
import type { ProgressPoint } from "../progress/point.js";
import { appendPoints, lastPoints } from "../progress/progress-file.js";
import { ProgressTracker } from "../progress/track-progress.js";

/** How often a running job's log is read for its progress (and at most how often it is shown). */
export const PROGRESS_TICK_MS = 1_000;

export interface JobProgressOptions {
  stage: string;
  attempt: number;
  /** The stage's folder: `progress.jsonl` goes there. */
  dir: string;
  logPath: string;
  /**
   * Where to start reading the log: `end` for a job about to be submitted (a local log keeps the
   * earlier attempts' output before it), `resume` for a job intern re-attaches to (after the last
   * point stored for this attempt).
   */
  start: "end" | "resume";
  now: () => number;
  /** Shows the progress: a line and the point it says (without `offset`). */
  emit: (text: string, point: ProgressPoint) => void;
  /** Brings the log up to date where the backend keeps it elsewhere (Kubernetes: the pods' logs)... */
  refresh?: () => Promise<void>;
  /** ... at most this often (one call at a time). */
  refreshEveryMs?: number;
  /** Secrets out of a bar's description. */
  clean?: (text: string) => string;
}

/**
 * Follows one running job's log for its progress: reads only the bytes added since the last tick,
 * stores each logging dict and a step point at most every 10 s in the stage's `progress.jsonl`,
 * and shows what is known now, once a tick at most. Nothing here may fail the stage: a log that
 * cannot be read or a file that cannot be written shows no progress, and that is all.
 */
export class JobProgress {
  private readonly follower: FileFollower;
  private parser: LogParser;
  private tracker: ProgressTracker;
  private finished = false;
  private refreshing = false;
  private lastRefreshMs = -Infinity;

  constructor(private readonly o: JobProgressOptions) {
    const from = o.start === "end" ? "end" : resumeOffset(o.dir, o.attempt);
    this.follower = new FileFollower(o.logPath, from);
    this.parser = new LogParser(this.follower.position);
    this.tracker = new ProgressTracker(o.attempt, o.now, o.clean);
  }

  /** Reads what is new, stores its points, and shows the progress when it moved. */
  tick(): void {
    if (this.finished) return;
    try {
      this.read(false);
      if (this.tracker.takeChanged()) {
        const point = this.tracker.current();
        const text = point && formatProgress(point);
        if (point && text) this.o.emit(text, point);
      }
    } catch {
      // the next tick may read it
    }
    this.maybeRefresh();
  }

  /** The job ended: reads the log to its end and stores what is left; shows nothing more. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.read(true);
    } catch {
      // the points stored so far stand
    } finally {
      this.follower.close();
    }
  }

  private read(final: boolean): void {
    for (let i = 0; i < 64; i++) {
      const { bytes, restarted } = this.follower.read();
      if (restarted) {
        // Another log took this one's place (a new attempt's): its points start again.
        this.parser = new LogParser(0);
        this.tracker = new ProgressTracker(this.o.attempt, this.o.now, this.o.clean);
      }
      if (bytes.length === 0) break;
      appendPoints(this.o.dir, this.tracker.observe(this.parser.push(bytes)));
      if (!final) return;
    }
    // Quiet since the last tick, or ended: a dict still waiting for its bar's redraw is stored.
    appendPoints(this.o.dir, this.tracker.flush(final));
  }

  private maybeRefresh(): void {
    const refresh = this.o.refresh;
    if (!refresh || this.refreshing || this.o.now() - this.lastRefreshMs < (this.o.refreshEveryMs ?? 0)) return;
    this.refreshing = true;
    this.lastRefreshMs = this.o.now();
    refresh()
      .catch(() => undefined)
      .finally(() => (this.refreshing = false));
  }
}

/** Where a re-attached job's log was left: after the last point of this attempt; the start for a first attempt without one; else its end. */
function resumeOffset(dir: string, attempt: number): number | "end" {
  const last = lastPoints(dir).filter((p) => p.attempt === attempt && typeof p.offset === "number").at(-1);
  if (last) return last.offset!;
  return attempt === 1 ? 0 : "end";
}
