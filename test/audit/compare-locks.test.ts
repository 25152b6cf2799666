import { describe, expect, it } from "vitest";
import { compareLocks, reproduces } from "../../src/audit/compare-locks.js";
import type { Lock } from "../../src/lock/types.js";
import { base, withValues } from "../lock/lock-fixture.js";

describe("compareLocks", () => {
  it("equal is bit-identical; within stderr x factor is within tolerance; no stderr means no tolerance", () => {
    const checks = compareLocks(base, withValues(0.13, 0.3201), { factor: 2, absolute: null });
    expect(checks.slice(0, 2).map((c) => [c.item, c.verdict, c.tolerance])).toEqual([
      ["metric acc of baseline", "within tolerance", 0.04],
      ["metric acc of evaluate", "not matching", 0],
    ]);
    expect(reproduces(checks)).toBe(false);
    expect(reproduces(compareLocks(base, withValues(0.13, 0.3201), { factor: 2, absolute: 0.05 }))).toBe(true);
    expect(compareLocks(base, withValues(0.15, 0.32), { factor: 2, absolute: null })[0]!.verdict).toBe("not matching");
    expect(reproduces(compareLocks(base, base, { factor: 2, absolute: null }))).toBe(true);
  });

  it("a metric or prepared data the rerun lacks, or a dataset at another commit, does not reproduce", () => {
    const rerun: Lock = { ...base, evaluations: base.evaluations.slice(0, 1), prepared: [], datasets: [{ ...base.datasets[0]!, sha: "2".repeat(40) } as Lock["datasets"][number]] };
    const checks = compareLocks(base, rerun, { factor: 2, absolute: null });
    expect(checks.filter((c) => c.verdict !== "bit-identical").map((c) => [c.item, c.verdict])).toEqual([
      ["metric acc of evaluate", "missing"],
      ["prepared data of prepare", "missing"],
      ["dataset o/d (train.jsonl)", "not matching"],
    ]);
  });
});
