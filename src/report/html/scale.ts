/** Axis helpers shared by the report's SVG charts. */

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten (and 2x, 5x when the range is short) within [min, max], both > 0: a log axis's ticks. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const multiples = hi - lo <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) for (const m of multiples) {
    const v = Number((m * 10 ** p).toPrecision(12));
    if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
  }
  return out;
}

/** A number for an axis or a label: short, without float noise. */
export function short(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** Seconds as `45s`, `3m20s`, `1h05m`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${String(s % 60).padStart(2, "0")}s` : ""}`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A linear map from a domain to a pixel range. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Pixel coordinates, rounded to a tenth: smaller files, same picture. */
export const px = (v: number): string => String(Math.round(v * 10) / 10);

/** The largest of `values` and `floor`, without spreading a long list into Math.max. */
export function maxOf(values: Iterable<number>, floor = Number.NEGATIVE_INFINITY): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest of `values` and `ceiling`. */
export function minOf(values: Iterable<number>, ceiling = Number.POSITIVE_INFINITY): number {
  let m = ceiling;
  for (const v of values) if (v < m) m = v;
  return m;
}

/** At most about `max` of `points`, evenly spaced, the first and last kept: a long run's curve stays a small path. */
export function thin<T>(points: readonly T[], max = 1000): readonly T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}
