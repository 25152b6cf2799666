import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export interface CurvePoint {
  x: number;
  y: number;
}

/** The loss of one training pass over its steps (or epochs), as the report draws it. */
export interface TrainingCurve {
  stage: string;
  /** Where the points were read: `progress.jsonl`, a `trainer_state.json`, or TRL's lines in `job.log`. */
  source: string;
  xLabel: "step" | "epoch";
  loss: CurvePoint[];
  /** Evaluation loss, when the pass evaluated while it trained. */
  evalLoss: CurvePoint[];
  /** Steps the pass was to take, when known. */
  total: number | null;
}

const num = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

const evalLossOf = (r: Record<string, unknown>): number | null => num(r.eval_loss) ?? num((r.metrics as Record<string, unknown> | undefined)?.eval_loss);

/**
 * Builds a curve from logged records: each with `loss` or an evaluation loss (`eval_loss`, or
 * under `metrics` as intern's progress points carry it), by `step` when every such record has
 * one, else by `epoch`. Records of an earlier `attempt` (a retried job) are left out.
 */
function curveOf(stage: string, source: string, all: readonly Record<string, unknown>[]): TrainingCurve | null {
  const lastAttempt = all.reduce((m, r) => Math.max(m, num(r.attempt) ?? 0), 0);
  const records = all.filter((r) => (num(r.attempt) ?? 0) === lastAttempt);
  const logged = records.filter((r) => num(r.loss) !== null || evalLossOf(r) !== null);
  if (logged.length === 0) return null;
  const withStep = logged.every((r) => num(r.step) !== null);
  const xLabel = withStep ? "step" : "epoch";
  const loss: CurvePoint[] = [];
  const evalLoss: CurvePoint[] = [];
  for (const r of logged) {
    const x = num(r[xLabel]);
    if (x === null) continue;
    const l = num(r.loss);
    const e = evalLossOf(r);
    if (l !== null) loss.push({ x, y: l });
    if (e !== null) evalLoss.push({ x, y: e });
  }
  if (loss.length === 0 && evalLoss.length === 0) return null;
  let total: number | null = null;
  for (const r of records) total = num(r.total) ?? num(r.max_steps) ?? total;
  return { stage, source, xLabel, loss, evalLoss, total };
}

/** At most the last `max` bytes of a file: a long job's log is read from its end. */
function tail(path: string, max = 32 * 1024 * 1024): string {
  const size = statSync(path).size;
  if (size <= max) return readFileSync(path, "utf8");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, size - max);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // A line being written as the report reads, or noise: skipped.
    }
  }
  return out;
}

/** `trainer_state.json` in the model folder, or in its last checkpoint. */
function trainerState(modelDir: string): string | null {
  if (!existsSync(modelDir)) return null;
  const direct = join(modelDir, "trainer_state.json");
  if (existsSync(direct)) return direct;
  const checkpoints = readdirSync(modelDir)
    .map((name) => ({ name, n: /^checkpoint-(\d+)$/.exec(name)?.[1] }))
    .filter((c) => c.n !== undefined && existsSync(join(modelDir, c.name, "trainer_state.json")))
    .sort((a, b) => Number(b.n) - Number(a.n));
  return checkpoints[0] ? join(modelDir, checkpoints[0].name, "trainer_state.json") : null;
}

/**
 * The lines transformers prints as it logs (`{'loss': '2.25', 'grad_norm': '0.52', ..., 'epoch': '3.333'}`,
 * numbers quoted or not), read from the job's log: what a pass that saves no checkpoint leaves.
 */
function loggedDicts(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const m of text.matchAll(/\{'(?:loss|eval_loss)':[^{}]*\}/g)) {
    const record: Record<string, unknown> = {};
    for (const kv of m[0].matchAll(/'([A-Za-z_]+)': '?([^',}]*)'?/g)) record[kv[1]!] = kv[2];
    out.push(record);
  }
  return out;
}

/**
 * The loss curve of a training stage from its folder: `progress.jsonl` (written while it trains)
 * when present, else the `trainer_state.json` TRL saved with the model or a checkpoint, else the
 * log lines in `job.log`. Null when none has a loss.
 */
export function readTrainingCurve(stage: string, stageDir: string, modelDir?: string | null): TrainingCurve | null {
  try {
    const progress = join(stageDir, "progress.jsonl");
    if (existsSync(progress)) {
      const c = curveOf(stage, "progress.jsonl", jsonLines(tail(progress)));
      if (c) return c;
    }
    const state = trainerState(modelDir ?? join(stageDir, "model"));
    if (state !== null) {
      const saved = JSON.parse(readFileSync(state, "utf8")) as { log_history?: unknown; max_steps?: unknown };
      if (Array.isArray(saved.log_history)) {
        const c = curveOf(stage, "trainer_state.json", [...(saved.log_history as Record<string, unknown>[]), { max_steps: saved.max_steps }]);
        if (c) return c;
      }
    }
    const log = join(stageDir, "job.log");
    if (existsSync(log)) return curveOf(stage, "job.log", loggedDicts(tail(log)));
  } catch {
    // An unreadable or half-written file: the report goes on without this curve.
  }
  return null;
}
