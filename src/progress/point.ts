/**
 * How far a training or evaluation job has got, as intern read it from the job's log: one line of
 * the stage's `progress.jsonl` (append-only), and the `point` of a `progress` line of
 * `intern apply --output json`.
 */
export interface ProgressPoint {
  /** When intern read it from the log (ISO 8601), not when the job wrote it. */
  at: string;
  /**
   * `step`: the progress bar moved (at most one such point every 10 s, and the bar's last step);
   * `log`: one of the trainer's logging dicts (loss, learning rate, grad norm); `eval`: a dict of
   * evaluation metrics (`eval_loss`, ...); `summary`: the trainer's closing dict (`train_runtime`,
   * `train_loss`).
   */
  kind: "step" | "log" | "eval" | "summary";
  /** The stage's attempt (a retried job starts a new one). */
  attempt: number;
  /** What the bar counts, when it is not the trainer's optimizer steps (`Running loglikelihood requests`). */
  bar?: string;
  /** Steps done, and of how many (the trainer's `max_steps`). */
  step?: number;
  total?: number;
  epoch?: number;
  loss?: number;
  /** The learning rate. */
  lr?: number;
  gradNorm?: number;
  /** Iterations a second, as the bar measures them (a slow bar's `s/it` turned around). */
  rate?: number;
  elapsedSeconds?: number;
  /** What the bar expects is left. */
  etaSeconds?: number;
  /** Every other number of the logging dict, named as the trainer names it (`eval_loss`, `mean_token_accuracy`, `train_runtime`). */
  metrics?: Record<string, number>;
  /** Bytes of the job's log read when the point was taken: where an intern that re-attaches goes on reading. */
  offset?: number;
}

/** What a bar's redraw says: a step point replaces all of them at once (a finished bar has no ETA). */
const BAR_FIELDS = ["bar", "step", "total", "rate", "elapsedSeconds", "etaSeconds"] as const;

/**
 * What is known now, from a series of points of one attempt, oldest first: each field as its latest
 * point gave it (a step point carries no loss; the loss stays the last logging dict's), metrics
 * merged. A point of another attempt starts afresh.
 */
export function mergePoints(points: readonly ProgressPoint[]): ProgressPoint | null {
  let merged: ProgressPoint | null = null;
  for (const p of points) {
    const base: Partial<ProgressPoint> = merged !== null && merged.attempt === p.attempt ? { ...merged } : {};
    if (p.kind === "step") for (const f of BAR_FIELDS) delete base[f];
    // A logging dict's step is the trainer's: a bar of something else no longer applies.
    else if (p.step !== undefined) delete base.bar;
    const metrics = base.metrics || p.metrics ? { ...base.metrics, ...p.metrics } : undefined;
    merged = { ...base, ...p, ...(metrics ? { metrics } : {}) };
  }
  return merged;
}
