import type { RecipeInput } from "./types.js";

export interface TrialValues {
  index: number;
  /** Matrix path -> value for this trial, in matrix key order. */
  values: [string, unknown][];
}

/** The cartesian product of the matrix axes; the first axis varies slowest. */
export function matrixTrials(matrix: Record<string, unknown[]> | undefined): TrialValues[] {
  if (matrix === undefined) return [{ index: 0, values: [] }];
  const axes = Object.entries(matrix);
  let combos: [string, unknown][][] = [[]];
  for (const [path, values] of axes) {
    const next: [string, unknown][][] = [];
    for (const combo of combos) for (const v of values) next.push([...combo, [path, v]]);
    combos = next;
  }
  return combos.map((values, index) => ({ index, values }));
}

/** The number of trials, from the axis lengths alone. */
export function trialCount(matrix: Record<string, unknown[]> | undefined): number {
  if (matrix === undefined) return 1;
  return Object.values(matrix).reduce((n, v) => n * v.length, 1);
}

/** `lr=2e-05 seed=1`: the last segment of each path, for tables and stage labels. */
export function trialLabel(values: [string, unknown][]): string {
  return values.map(([path, v]) => `${path.split(".").pop()}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" ");
}

/**
 * Sets `value` at a dotted path in a copy of `input`. Missing objects on the way are created;
 * an index past the end of a list is an error (a sweep changes what the recipe has, it does
 * not invent list entries).
 */
export function withValue(input: RecipeInput, path: string, value: unknown): RecipeInput | { error: string } {
  const segs = path.split(".");
  const root: Record<string, unknown> = { ...(input as unknown as Record<string, unknown>) };
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(seg)) return { error: `\`${segs.slice(0, i).join(".")}\` is a list; index it with a number` };
      const idx = Number(seg);
      if (idx >= node.length) return { error: `\`${segs.slice(0, i).join(".")}\` has ${node.length} entries, so index ${idx} does not exist` };
      if (last) node[idx] = value;
      else {
        const child: unknown = node[idx];
        const copy: Record<string, unknown> | unknown[] = Array.isArray(child) ? [...child] : { ...(child as Record<string, unknown>) };
        node[idx] = copy;
        node = copy;
      }
      continue;
    }
    if (last) {
      node[seg] = value;
      break;
    }
    const child: unknown = node[seg];
    if (child !== undefined && (typeof child !== "object" || child === null)) return { error: `\`${segs.slice(0, i + 1).join(".")}\` is a value, not a mapping or list` };
    const copy: Record<string, unknown> | unknown[] = Array.isArray(child) ? [...child] : { ...((child as Record<string, unknown> | undefined) ?? {}) };
    node[seg] = copy;
    node = copy;
  }
  delete root.matrix;
  return root as unknown as RecipeInput;
}
