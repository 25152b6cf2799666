// mulberry32: a small seeded generator of numbers in [0, 1), for the scripts that generate data
// (the quickstart's committed files, the benchmarks' inputs): the same seed writes the same
// files on every machine.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
