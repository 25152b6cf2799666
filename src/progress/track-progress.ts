import type { BarReading, DictReading, Observation } from "./parse-log.js";
import { mergePoints, type ProgressPoint } from "./point.js";

/** A step point at most this often (and at the bar's last step): a loss curve needs the logging dicts, not every redraw. */
export const STEP_POINT_MS = 10_000;
/** A bar's description as points and screens show it: one line, no control characters, at most 80 characters. */
const MAX_DESC = 80;

function cleanDesc(desc: string): string {
  return desc.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "").slice(0, MAX_DESC);
}

/**
 * Turns what a log says into points. The trainer's bar is the first bar without a description;
 * later bars without one and with another total (the evaluation bar the trainer nests in it) do
 * not move its step. A stage whose log has no such bar (an evaluation) follows whichever bar moved
 * last. A logging dict is written just before the bar is redrawn with the step it belongs to
 * (tqdm's `write` clears the bar, prints, and redraws it): the dict waits for that redraw.
 */
export class ProgressTracker {
  private main: { total: number } | null = null;
  private bar: (BarReading & { offset: number }) | null = null;
  private waiting: (DictReading & { offset: number }) | null = null;
  private lastStepPointMs = -Infinity;
  private lastStoredStep: string | null = null;
  private points: ProgressPoint[] = [];
  private merged: ProgressPoint | null = null;
  /** Whether something new was read since `takeChanged` last asked. */
  private changed = false;

  constructor(
    private readonly attempt: number,
    private readonly now: () => number,
    /** `bar`, the bar's description, made safe to store and show (secrets taken out). */
    private readonly clean: (text: string) => string = (t) => t,
  ) {}

  /** Reads observations in log order; returns the points to store, in order. */
  observe(observations: readonly Observation[]): ProgressPoint[] {
    this.points = [];
    for (const o of observations) {
      if (o.type === "dict") {
        if (this.waiting) this.storeDict(this.waiting, this.bar?.n);
        this.waiting = o;
        continue;
      }
      if (!this.counts(o)) continue;
      if (this.waiting) {
        this.storeDict(this.waiting, this.isMain(o) ? o.n : this.bar?.n);
        this.waiting = null;
      }
      this.bar = o;
      this.changed = true;
      const t = this.now();
      const key = `${o.desc}\n${o.n}/${o.total}`;
      if ((t - this.lastStepPointMs >= STEP_POINT_MS || o.n >= o.total) && key !== this.lastStoredStep) {
        this.lastStepPointMs = t;
        this.lastStoredStep = key;
        this.store(this.stepPoint(o));
      }
    }
    return this.points;
  }

  /**
   * A dict still waiting for its redraw is stored with the last step seen, and the bar's last
   * state when no step point holds it yet: the log has gone quiet, or ended.
   */
  flush(final = false): ProgressPoint[] {
    this.points = [];
    if (this.waiting) {
      this.storeDict(this.waiting, this.bar?.n);
      this.waiting = null;
    }
    if (final && this.bar) {
      const key = `${this.bar.desc}\n${this.bar.n}/${this.bar.total}`;
      if (key !== this.lastStoredStep) {
        this.lastStoredStep = key;
        this.store(this.stepPoint(this.bar));
      }
    }
    return this.points;
  }

  /** What is known now: the bar's state with the last logging dict's loss and learning rate; null before anything was read. */
  current(): ProgressPoint | null {
    if (this.bar === null) return this.merged;
    const { offset: _offset, ...bar } = this.stepPoint(this.bar);
    return mergePoints(this.merged ? [this.merged, bar] : [bar]);
  }

  /** Whether anything was read since the last call. */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  private isMain(b: BarReading): boolean {
    return b.desc === "" && this.main !== null && b.total === this.main.total;
  }

  /** Whether a bar moves the stage's progress: the trainer's, or any bar while there is none. */
  private counts(b: BarReading): boolean {
    if (b.desc === "" && this.main === null) this.main = { total: b.total };
    if (this.main !== null) return this.isMain(b);
    return true;
  }

  private stepPoint(b: BarReading & { offset: number }): ProgressPoint {
    const desc = b.desc === "" ? "" : this.clean(cleanDesc(b.desc));
    return {
      at: new Date(this.now()).toISOString(), kind: "step", attempt: this.attempt,
      ...(desc !== "" ? { bar: desc } : {}),
      step: b.n, total: b.total,
      ...(b.rate !== null ? { rate: b.rate } : {}),
      ...(b.elapsedSeconds !== null ? { elapsedSeconds: b.elapsedSeconds } : {}),
      ...(b.etaSeconds !== null && b.n < b.total ? { etaSeconds: b.etaSeconds } : {}),
      offset: b.offset,
    };
  }

  private storeDict(d: DictReading & { offset: number }, step: number | undefined): void {
    const { loss, learning_rate: lr, grad_norm: gradNorm, epoch, ...rest } = d.values;
    const kind = Object.keys(d.values).some((k) => k.startsWith("eval_")) ? "eval" : "train_runtime" in d.values || "train_loss" in d.values ? "summary" : "log";
    const trainerStep = this.main !== null && this.bar !== null && this.isMain(this.bar);
    this.changed = true;
    this.store({
      at: new Date(this.now()).toISOString(), kind, attempt: this.attempt,
      ...(step !== undefined && trainerStep ? { step, total: this.main!.total } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
      ...(loss !== undefined ? { loss } : {}),
      ...(lr !== undefined ? { lr } : {}),
      ...(gradNorm !== undefined ? { gradNorm } : {}),
      ...(Object.keys(rest).length > 0 ? { metrics: rest } : {}),
      offset: d.offset,
    });
  }

  private store(p: ProgressPoint): void {
    this.points.push(p);
    const { offset: _offset, ...shown } = p;
    this.merged = mergePoints(this.merged ? [this.merged, shown] : [shown]);
  }
}
