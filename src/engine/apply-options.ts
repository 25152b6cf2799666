import type { LoadedRecipe } from "../project/load.js";
import type { Executor, ProblemReporter } from "../executors/types.js";
import type { RunEvent, RunStatus } from "../run/events.js";
import type { ProgressPoint } from "../progress/point.js";
import type { RunState } from "../run/run-state.js";

/** A lock other than the one beside the recipe (an earlier run's), with the folder holding `transcripts/<stage>.jsonl`. */
export interface LockedSource {
  lockPath: string;
  dir: string;
}

export interface ApplyOptions {
  /** The project folder: `.intern/` lives here. */
  projectDir: string;
  recipeFile: string;
  loaded: LoadedRecipe;
  /** The backend's executor, or a function that makes it given where its problems go (the run's events). */
  executor: Executor | ((report: ProblemReporter) => Executor);
  resume?: string;
  /** Leave the lock beside the recipe as it is: the run writes its own `lock.yaml` only (an audit's seed spread). */
  keepLock?: boolean;
  forceNew: boolean;
  failFast: boolean;
  jobs: number;
  pollIntervalMs: number;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  /** intern's own Python helpers (python/). */
  pythonDir: string;
  internVersion: string;
  onEvent: (e: RunEvent) => void;
  /**
   * A running stage's progress, one short line at a time: a control-plane stage's (data
   * preparation: rows, MB/s, ETA; about twice a second), or a job's read from its log (step,
   * loss, learning rate, it/s, ETA; at most once a second, with the point it says). Transient:
   * not an event, never in the event log.
   */
  onProgress?: (stage: string, text: string, point?: ProgressPoint) => void;
  now?: () => number;
  /**
   * Replays this earlier run: its agentic stages are served from its transcripts (no LLM call, no
   * network; a request not in the record is an error), in a new run in which no stage is reused
   * from the cache, so every decision is taken again.
   */
  replay?: string;
  /**
   * `apply --locked`: nothing is resolved again. The recipe's inputs must match its lock, agentic
   * stages replay the lock's transcripts, every other stage runs again, and what the run resolved
   * must match the lock; the lock itself is left as it is.
   */
  locked?: boolean | LockedSource;
}

export interface ApplyResult {
  runId: string;
  status: RunStatus | "interrupted";
  state: RunState;
  resumed: boolean;
  /** A locked run that finished: what it resolved differently from the lock (empty when nothing). */
  lockMoved?: string[];
  /** The lock written beside the recipe (not for a locked run), when the run succeeded. */
  lockFile?: string;
}
