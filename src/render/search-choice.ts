import type { SearchRange } from "../recipe/types.js";

/**
 * The value a search-space key takes before any decide stage has chosen: the first listed
 * value, or the middle of the range (geometric middle on a log scale).
 */
export function initialChoice(range: SearchRange): unknown {
  if (range.values !== null) return range.values[0];
  const min = range.min!;
  const max = range.max!;
  const mid = range.log ? Math.sqrt(min * max) : (min + max) / 2;
  if (range.integer) return Math.round(mid);
  return Number.isInteger(min) && Number.isInteger(max) && !range.log ? Math.round(mid) : Number(mid.toPrecision(6));
}
