import { permutation, sampleIndices, seededRandom } from "./seeded-random.js";

/** One dataset's part of the mix. */
export interface MixShare {
  /** Rows that fit, after the dataset's own max_rows. */
  available: number;
  /** round(fraction x target). */
  wanted: number;
  /** min(wanted, available): fewer than wanted when the dataset is short. */
  taken: number;
}

export interface MixPlan {
  /** Sum of rows available over all datasets. */
  available: number;
  /** `available`, capped by data.max_rows. */
  target: number;
  shares: MixShare[];
  /** Sum of `taken`. */
  taken: number;
}

/**
 * How many rows each dataset gives: the target is every available row, capped by `maxRows`;
 * each dataset gives round(fraction x target), never more than it has. A short dataset's gap
 * is not filled from the others, so the mix keeps the proportions the recipe asked for at most.
 */
export function planMix(datasets: { available: number; fraction: number }[], maxRows: number | null): MixPlan {
  const available = datasets.reduce((sum, d) => sum + d.available, 0);
  const target = maxRows === null ? available : Math.min(available, maxRows);
  const shares = datasets.map((d) => {
    const wanted = Math.round(d.fraction * target);
    return { available: d.available, wanted, taken: Math.min(wanted, d.available) };
  });
  return { available, target, shares, taken: shares.reduce((sum, s) => sum + s.taken, 0) };
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
