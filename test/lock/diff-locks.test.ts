import { describe, expect, it } from "vitest";
import { diffLocks, formatLockDiff } from "../../src/lock/diff-locks.js";
import type { Lock } from "../../src/lock/types.js";
import { base, withValues } from "./lock-fixture.js";

describe("diffLocks", () => {
  it("names changed sections and gives metric and budget deltas", () => {
    const b: Lock = { ...withValues(0.1, 0.35), training: { ...base.training, hyperparameters: { learning_rate: 2e-5 } }, budget: { llm_tokens: 150, llm_usd: 0.01 } };
    const text = formatLockDiff(diffLocks(base, b), "A.lock.yaml", "B.lock.yaml");
    expect(text).toContain("hyperparameters:\n  learning_rate: 0.00001 in A, 0.00002 in B\n");
    expect(text).not.toContain("datasets and revisions:");
    expect(text).toContain("  evaluate acc: 0.32 -> 0.35 (+0.03)");
    expect(text).toContain("  llm_tokens: 100 -> 150 (+50)");
    expect(formatLockDiff(diffLocks(base, base), "A", "B")).toContain("Same inputs, data, decisions and settings.");
  });
});
