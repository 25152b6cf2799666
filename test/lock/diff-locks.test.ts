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

  it("says where the jobs ran when the machines differ, and which models moved", () => {
    const machine = (model: string, threads: number): NonNullable<Lock["fingerprints"]> => [
      { stages: ["train"], hardware: { cpu: { model, arch: "x86_64", isa: ["avx2"], cores: 2 }, gpus: [] }, software: { python: "3.11.7", torch: { version: "2.13.0+cpu", cpu_capability: "AVX2", threads }, packages: ["torch==2.13.0"] }, environment: {} },
    ];
    const a: Lock = { ...base, fingerprints: machine("AMD EPYC", 2), models: [{ stage: "train", sha256: `sha256:${"1".repeat(64)}` }], determinism: { train: { seed: 0 } } };
    const b: Lock = { ...base, fingerprints: machine("Intel Xeon", 16), models: [{ stage: "train", sha256: `sha256:${"2".repeat(64)}` }], determinism: { train: { seed: 1 } } };
    const text = formatLockDiff(diffLocks(a, b), "A", "B");
    expect(text).toContain("machine and packages (A then, B now):\n  CPU: AMD EPYC then, Intel Xeon now\n  torch threads: 2 then, 16 now\n");
    expect(text).toContain("training seeds and switches (A then, B now):\n  seed: 0 then, 1 now\n");
    expect(text).toMatch(/models:\n {2}\[0\]\.sha256: "sha256:1+" in A, "sha256:2+" in B\n/);
    expect(formatLockDiff(diffLocks(a, a), "A", "B")).toContain("Same inputs, data, decisions and settings.");
  });
});
