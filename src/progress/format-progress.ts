import { groupDigits } from "../plan/group-digits.js";
import { formatDuration } from "../recipe/duration.js";
import type { ProgressPoint } from "./point.js";

/** Three significant digits, no trailing zeros: `0.84`, `2.25`, `0.00247`, `1230`. */
function significant(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** A learning rate as recipes write it: `2.0e-5`. */
export function formatRate(lr: number): string {
  return lr === 0 ? "0" : lr.toExponential(1).replace("e+", "e");
}

/** `3.1 it/s`, `18.2 it/s`, `240 it/s`; below one a second, `4.2 s/it`. */
function speed(rate: number): string {
  const one = (x: number) => (x >= 100 ? String(Math.round(x)) : x.toFixed(1));
  return rate >= 1 ? `${one(rate)} it/s` : `${one(1 / rate)} s/it`;
}

/**
 * A job's progress in one line: `step 1,240/4,000 · loss 0.84 · lr 2.0e-5 · 3.1 it/s · ETA 14m`
 * (and `eval loss 0.91` once the trainer has evaluated); a bar that does not count the trainer's
 * steps is named by its description (`Running loglikelihood requests 120/400 · 31.0 it/s · ETA 12s`).
 * Null when the point says nothing worth a line.
 */
export function formatProgress(p: ProgressPoint): string | null {
  const parts: string[] = [];
  if (p.step !== undefined) parts.push(`${p.bar ?? "step"} ${groupDigits(p.step)}${p.total !== undefined ? `/${groupDigits(p.total)}` : ""}`);
  if (p.loss !== undefined) parts.push(`loss ${significant(p.loss)}`);
  const evalLoss = p.metrics?.eval_loss;
  if (evalLoss !== undefined) parts.push(`eval loss ${significant(evalLoss)}`);
  if (p.lr !== undefined) parts.push(`lr ${formatRate(p.lr)}`);
  if (p.rate !== undefined && p.rate > 0) parts.push(speed(p.rate));
  if (p.etaSeconds !== undefined && (p.total === undefined || p.step === undefined || p.step < p.total)) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return parts.length > 0 ? parts.join(" · ") : null;
}
