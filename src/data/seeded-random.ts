import { createHash } from "node:crypto";

/** A generator of uniform 32-bit unsigned integers. */
export type Random = () => number;

/**
 * sfc32 seeded from sha256(seed, purpose): each purpose (one dataset's sample, the final order)
 * gets its own stream, so changing one dataset never reshuffles another. Math.random is never
 * used: the same recipe must give the same file on every machine.
 */
export function seededRandom(seed: number, purpose: string): Random {
  const digest = createHash("sha256").update(`${seed}\u0000${purpose}`).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of sfc32 still echo the seed words; discard them as its author advises.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform integer in [0, n), n <= 2^32. */
export function below(random: Random, n: number): number {
  return Math.floor((random() / 4294967296) * n);
}

/** 0..n-1 in a random order (Fisher-Yates). */
export function permutation(random: Random, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = below(random, i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/** `k` distinct integers from [0, n), sorted ascending: a partial Fisher-Yates over 0..n-1. */
export function sampleIndices(random: Random, n: number, k: number): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const take = Math.min(k, n);
  for (let i = 0; i < take; i++) {
    const j = i + below(random, n - i);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return pool.slice(0, take).sort();
}
