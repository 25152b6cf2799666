import { describe, expect, it } from "vitest";
import { chooseRows, invertInPlace, mixedRows, mixOrder, planMix } from "../../src/data/mix.js";
import { permutation, sampleIndices, seededRandom } from "../../src/data/seeded-random.js";

describe("planMix", () => {
  it("takes every row when fractions match the sizes and nothing caps it", () => {
    const plan = planMix([{ available: 30, fraction: 0.25 }, { available: 90, fraction: 0.75 }], null);
    expect(plan).toEqual({ available: 120, target: 120, taken: 120, shares: [{ available: 30, wanted: 30, taken: 30 }, { available: 90, wanted: 90, taken: 90 }] });
  });

  it("applies fractions to the target capped by max_rows, rounding each share", () => {
    const plan = planMix([{ available: 1000, fraction: 0.3 }, { available: 1000, fraction: 0.7 }], 15);
    expect(plan.target).toBe(15);
    expect(plan.shares.map((s) => s.wanted)).toEqual([5, 11]);
    expect(plan.shares.map((s) => s.taken)).toEqual([5, 11]);
  });

  it("never takes more than a dataset has, and does not fill its gap from others", () => {
    const plan = planMix([{ available: 10, fraction: 0.5 }, { available: 1000, fraction: 0.5 }], null);
    expect(plan.target).toBe(1010);
    expect(plan.shares).toEqual([{ available: 10, wanted: 505, taken: 10 }, { available: 1000, wanted: 505, taken: 505 }]);
    expect(plan.taken).toBe(515);
  });
});

describe("planMix with counts", () => {
  it("takes exactly the counted rows, fewer only when fewer fit", () => {
    const plan = planMix([{ available: 1000, rows: 300 }, { available: 50, rows: 80 }], null);
    expect(plan.shares).toEqual([{ available: 1000, wanted: 300, taken: 300 }, { available: 50, wanted: 80, taken: 50 }]);
    expect(plan).toMatchObject({ available: 1050, target: 380, taken: 350 });
  });

  it("shares what the counted datasets leave of max_rows among the fractions", () => {
    const plan = planMix([{ available: 1000, fraction: 0.5 }, { available: 1000, rows: 200 }, { available: 1000, fraction: 0.5 }], 1000);
    expect(plan.shares.map((s) => s.taken)).toEqual([400, 200, 400]);
    expect(plan).toMatchObject({ target: 1000, taken: 1000 });
  });

  it("applies the fractions to the fraction datasets' own rows when nothing caps them", () => {
    const plan = planMix([{ available: 100, fraction: 0.5 }, { available: 5000, rows: 10 }, { available: 300, fraction: 0.5 }], null);
    expect(plan.shares.map((s) => [s.wanted, s.taken])).toEqual([[200, 100], [10, 10], [200, 200]]);
    expect(plan.target).toBe(410);
  });

  it("takes `all` rows whole, up to what the counts leave of max_rows, before the fractions", () => {
    const plan = planMix([{ available: 1000, fraction: 1 }, { available: 100, rows: 30 }, { available: 50, rows: "all" }], 100);
    expect(plan.shares.map((s) => s.taken)).toEqual([20, 30, 50]);
    const tight = planMix([{ available: 1000, fraction: 1 }, { available: 500, rows: "all" }], 100);
    expect(tight.shares.map((s) => s.taken)).toEqual([0, 100]);
  });
});

describe("seeded choice and order", () => {
  it("gives the same stream for the same seed and purpose, another for another", () => {
    const draw = (seed: number, purpose: string) => Array.from({ length: 8 }, seededRandom(seed, purpose));
    expect(draw(1, "a")).toEqual(draw(1, "a"));
    expect(draw(1, "a")).not.toEqual(draw(2, "a"));
    expect(draw(1, "a")).not.toEqual(draw(1, "b"));
  });

  it("samples k distinct sorted indices, uniformly enough", () => {
    const counts = new Array<number>(10).fill(0);
    for (let s = 0; s < 2000; s++) {
      const picked = sampleIndices(seededRandom(s, "t"), 10, 3);
      expect(picked.length).toBe(3);
      expect(new Set(picked).size).toBe(3);
      expect([...picked]).toEqual([...picked].sort((a, b) => a - b));
      for (const i of picked) counts[i]!++;
    }
    // Each index is picked 600 times in expectation.
    for (const c of counts) expect(Math.abs(c - 600)).toBeLessThan(100);
  });

  it("permutes every index exactly once", () => {
    const p = permutation(seededRandom(5, "p"), 1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("chooses the same rows for the same seed, other rows for another, all rows when all are taken", () => {
    const share = { available: 100, wanted: 10, taken: 10 };
    expect([...chooseRows(7, 0, share)]).toEqual([...chooseRows(7, 0, share)]);
    expect([...chooseRows(7, 0, share)]).not.toEqual([...chooseRows(8, 0, share)]);
    expect([...chooseRows(7, 0, share)]).not.toEqual([...chooseRows(7, 1, share)]);
    expect([...chooseRows(7, 0, { available: 5, wanted: 9, taken: 5 })]).toEqual([0, 1, 2, 3, 4]);
  });

  it("orders the mix by seed", () => {
    expect([...mixOrder(1, 50)]).toEqual([...mixOrder(1, 50)]);
    expect([...mixOrder(1, 50)]).not.toEqual([...mixOrder(2, 50)]);
  });
});

describe("mixedRows", () => {
  it("inverts a permutation in place, cycles and fixed points alike", () => {
    for (const n of [0, 1, 2, 7, 1000]) {
      const p = mixOrder(n + 3, n);
      const inverse = new Uint32Array(n);
      p.forEach((v, k) => (inverse[v] = k));
      invertInPlace(p);
      expect([...p]).toEqual([...inverse]);
    }
    const withFixed = Uint32Array.from([0, 2, 1, 3, 5, 6, 4]);
    invertInPlace(withFixed);
    expect([...withFixed]).toEqual([0, 2, 1, 3, 6, 4, 5]);
  });

  it("puts each dataset's chosen rows at the order's positions, as writing them one by one would", () => {
    const sources = [{ available: 40, fraction: 0.5 }, { available: 7, rows: 0 }, { available: 25, rows: 9 }, { available: 60, fraction: 0.5 }];
    const plan = planMix(sources, 90);
    const bases = [0, 40, 47, 72];
    const expected = new Uint32Array(plan.taken);
    const order = mixOrder(11, plan.taken);
    let k = 0;
    plan.shares.forEach((share, i) => {
      for (const p of chooseRows(11, i, share)) expected[order[k++]!] = bases[i]! + p;
    });
    expect(plan.shares.map((s) => s.taken)).toEqual([40, 0, 9, 41]);
    expect([...mixedRows(11, plan, bases)]).toEqual([...expected]);
  });
});
