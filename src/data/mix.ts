import { permutation, sampleIndices, seededRandom } from "./seeded-random.js";

/** One dataset's part of the mix. */
export interface MixShare {
  /** Rows that fit, after the dataset's own max_rows. */
  available: number;
  /** round(fraction x target), the count asked for, or every row. */
  wanted: number;
  /** min(wanted, available): fewer than wanted when the dataset is short. */
  taken: number;
}

/**
 * What one dataset gives: a `fraction` of what the others leave, an exact number of `rows`, or
 * `all` of its rows (synthetic data).
 */
export interface MixSource {
  available: number;
  fraction?: number | null;
  rows?: number | "all" | null;
}

export interface MixPlan {
  /** Sum of rows available over all datasets. */
  available: number;
  /** The rows asked for: the counted datasets' counts and the rows the fractions apply to. */
  target: number;
  shares: MixShare[];
  /** Sum of `taken`. */
  taken: number;
}

/**
 * How many rows each dataset gives. Datasets with a count give that many (a seeded sample),
 * never more than they have; datasets with `all` give every row, up to what data.max_rows
 * leaves. The datasets with a fraction share the rest: every one of their rows, capped by what
 * data.max_rows leaves, each giving round(fraction x that). A short dataset's gap is not filled
 * from the others, so the mix keeps the proportions and counts the recipe asked for at most.
 */
export function planMix(datasets: readonly MixSource[], maxRows: number | null): MixPlan {
  const shares: MixShare[] = new Array(datasets.length);
  let left = maxRows ?? Infinity;
  let fixedWanted = 0;
  // Counts first, then `all`, then fractions of what is left.
  for (const pass of ["count", "all"] as const) {
    datasets.forEach((d, i) => {
      if (pass === "count" ? typeof d.rows !== "number" : d.rows !== "all") return;
      const wanted = pass === "count" ? (d.rows as number) : Math.min(d.available, Math.max(0, left));
      const taken = Math.min(wanted, d.available, Math.max(0, left));
      shares[i] = { available: d.available, wanted, taken };
      fixedWanted += wanted;
      left -= taken;
    });
  }
  const shared = datasets.filter((d) => d.rows === undefined || d.rows === null);
  const sharedAvailable = shared.reduce((sum, d) => sum + d.available, 0);
  const sharedTarget = Math.min(sharedAvailable, Math.max(0, left));
  datasets.forEach((d, i) => {
    if (d.rows !== undefined && d.rows !== null) return;
    const wanted = Math.round((d.fraction ?? 0) * sharedTarget);
    shares[i] = { available: d.available, wanted, taken: Math.min(wanted, d.available) };
  });
  return {
    available: datasets.reduce((sum, d) => sum + d.available, 0),
    target: fixedWanted + sharedTarget,
    shares,
    taken: shares.reduce((sum, s) => sum + s.taken, 0),
  };
}

/**
 * Which of a dataset's `available` rows it gives, as sorted positions in 0..available-1: a seeded
 * sample with its own stream per dataset, so the other datasets never change it.
 */
export function chooseRows(seed: number, datasetIndex: number, share: MixShare): Uint32Array {
  if (share.taken === share.available) {
    const all = new Uint32Array(share.available);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  return sampleIndices(seededRandom(seed, `sample:${datasetIndex}`), share.available, share.taken);
}

/**
 * The order of the mixed file: the `n` chosen rows, numbered dataset by dataset in file order,
 * are written at these positions (a seeded permutation), so datasets are interleaved.
 */
export function mixOrder(seed: number, n: number): Uint32Array {
  return permutation(seededRandom(seed, "order"), n);
}

/**
 * The mixed file's rows: for each position of the file, the row written there, numbered over all
 * datasets' fitting rows (dataset `i`'s from `bases[i]`). The same as writing each dataset's
 * chosen rows, in order, at the positions {@link mixOrder} gives, made in one array (the order,
 * inverted in place): ten million rows take 40 MB and no more.
 */
export function mixedRows(seed: number, plan: MixPlan, bases: readonly number[]): Uint32Array {
  const rows = mixOrder(seed, plan.taken);
  invertInPlace(rows);
  const starts: number[] = [];
  const chosen: (Uint32Array | null)[] = [];
  let start = 0;
  plan.shares.forEach((share, i) => {
    starts.push(start);
    chosen.push(share.taken === share.available ? null : chooseRows(seed, i, share));
    start += share.taken;
  });
  for (let position = 0; position < rows.length; position++) {
    const k = rows[position]!;
    // The last dataset starting at or before k: an empty one shares its start with the next.
    let i = starts.length - 1;
    while (starts[i]! > k) i--;
    const within = k - starts[i]!;
    const picked = chosen[i]!;
    rows[position] = bases[i]! + (picked === null ? within : picked[within]!);
  }
  return rows;
}

/** Turns a permutation `p` into its inverse, in place: afterwards `p[old p[k]] = k`. */
export function invertInPlace(p: Uint32Array): void {
  const SEEN = 0x80000000;
  for (let leader = 0; leader < p.length; leader++) {
    if ((p[leader]! & SEEN) !== 0) continue;
    let previous = leader;
    let current = p[leader]!;
    while (current !== leader) {
      const next = p[current]!;
      p[current] = (previous | SEEN) >>> 0;
      previous = current;
      current = next;
    }
    p[leader] = (previous | SEEN) >>> 0;
  }
  for (let i = 0; i < p.length; i++) p[i] = p[i]! & ~SEEN;
}
