import { describe, expect, it } from "vitest";
import { compareLocks, reproduces } from "../../src/audit/compare-locks.js";
import { explainAudit, type ItemList } from "../../src/audit/explain.js";
import { toleranceStderr } from "../../src/lock/compare-metrics.js";
import type { Lock, LockedFingerprint } from "../../src/lock/types.js";
import { base } from "../lock/lock-fixture.js";

const sha = (c: string) => `sha256:${c.repeat(64)}`;
const machine = (over: { model?: string; isa?: string[]; capability?: string; threads?: number; numpy?: string; files?: string; env?: Record<string, string> } = {}): Omit<LockedFingerprint, "stages"> => ({
  hardware: { cpu: { model: over.model ?? "AMD EPYC", arch: "x86_64", isa: over.isa ?? ["avx2", "avx512f"], cores: 2 }, gpus: [] },
  software: {
    python: "3.11.7", implementation: "CPython", system: "Linux-x86_64", libc: "glibc-2.36",
    torch: { version: "2.13.0+cpu", cuda: null, cpu_capability: over.capability ?? "AVX512", threads: over.threads ?? 2, hip: null, cudnn: null, nccl: null },
    packages: ["numpy==" + (over.numpy ?? "2.4.6"), "torch==2.13.0"],
    packages_sha256: over.files ?? sha("9"),
  },
  environment: over.env ?? { PYTHONHASHSEED: "0" },
});
const STAGES = ["make-model", "baseline", "train", "evaluate"];
/** A quickstart-shaped lock: a made model, a trained one, two evaluations with per-item digests, one environment. */
const lock = (o: { train?: string; evaluate?: string; value?: number; seed?: number; env?: Omit<LockedFingerprint, "stages"> } = {}): Lock => ({
  ...base,
  evaluations: [
    { stage: "baseline", task: "b", metric: "acc", value: 0.25, stderr: 0.0632, n: 48, items: sha("1") },
    { stage: "evaluate", task: "b", metric: "acc", value: o.value ?? 0.9, stderr: 0.0437, n: 48, items: o.evaluate ?? sha("2") },
  ],
  models: [{ stage: "make-model", sha256: sha("3") }, { stage: "train", sha256: o.train ?? sha("4") }],
  fingerprints: [{ stages: STAGES, ...(o.env ?? machine()) }],
  determinism: { train: { seed: o.seed ?? 0, data_seed: null, full_determinism: true } },
});
const noItems = { recorded: () => null, rerun: () => null };
const explain = (recorded: Lock, rerun: Lock, items: { recorded: (s: string) => ItemList | null; rerun: (s: string) => ItemList | null } = noItems) => {
  const checks = compareLocks(recorded, rerun, { factor: 2, absolute: null });
  return explainAudit({ recorded, rerun, checks, reproduced: reproduces(checks), order: ["prepare", ...STAGES, "report"], items });
};

describe("explainAudit", () => {
  it("the same digests everywhere: reproduced bit for bit, no divergence, the same environment", () => {
    const x = explain(lock(), lock());
    expect(x).toMatchObject({ verdict: "reproduced bit for bit", firstDivergence: null, environment: [], settings: [], environmentRecorded: true });
  });

  it("another CPU: the trained model is the first output to move, the CPU, its features and torch's kernels are named, and a metric within tolerance still reproduces", () => {
    const x = explain(lock(), lock({ train: sha("5"), evaluate: sha("6"), value: 0.875, env: machine({ model: "Intel Xeon", isa: ["avx2", "avx_vnni"], capability: "AVX2" }) }));
    expect(x.verdict).toBe("reproduced within tolerance");
    expect(x.firstDivergence).toEqual({ stage: "train", what: "model" });
    expect(x.environment).toEqual(["CPU: AMD EPYC then, Intel Xeon now", "torch CPU kernels: AVX512 then, AVX2 now", "CPU features: avx512f then only; avx_vnni now only"]);
  });

  it("a metric beyond tolerance with a package moved: differs, and the environment differs, naming the package", () => {
    const x = explain(lock(), lock({ train: sha("5"), value: 0.5, env: machine({ numpy: "2.4.5" }) }));
    expect(x.verdict).toBe("differs, and the environment differs");
    expect(x.environment).toEqual(["package numpy: 2.4.6 then, 2.4.5 now"]);
  });

  it("a metric beyond tolerance in the same environment is a real difference; a changed seed is named, and train is the first divergence", () => {
    const sameEnv = explain(lock(), lock({ train: sha("5"), value: 0.5 }));
    expect(sameEnv.verdict).toBe("differs in the same environment");
    expect(sameEnv.firstDivergence).toEqual({ stage: "train", what: "model" });
    const seeded = explain(lock(), lock({ train: sha("5"), seed: 1, value: 0.5 }));
    expect(seeded.environment).toEqual([]);
    expect(seeded.settings).toEqual(["seed: 0 then, 1 now"]);
    expect(seeded.verdict).toBe("differs in the same environment");
    expect(seeded.firstDivergence).toEqual({ stage: "train", what: "model" });
  });

  it("the same package versions built differently are named as such; with versions moved, the versions are named instead", () => {
    expect(explain(lock(), lock({ env: machine({ files: sha("8") }) })).environment).toEqual([`installed package files: the same versions, built differently (sha256:${"9".repeat(12)}… then, sha256:${"8".repeat(12)}… now)`]);
    expect(explain(lock(), lock({ env: machine({ files: sha("8"), numpy: "2.5.0" }) })).environment).toEqual(["package numpy: 2.4.6 then, 2.5.0 now"]);
  });

  it("thread counts and environment variables are named; a lock without fingerprints says it cannot compare", () => {
    expect(explain(lock(), lock({ env: machine({ threads: 1, env: { PYTHONHASHSEED: "0", OPENBLAS_CORETYPE: "Haswell" } }) })).environment).toEqual([
      "torch threads: 2 then, 1 now",
      "OPENBLAS_CORETYPE: unset then, Haswell now",
    ]);
    const old = { ...lock(), fingerprints: undefined, models: undefined, determinism: undefined } as Lock;
    const x = explain(old, lock({ value: 0.5 }));
    expect(x.verdict).toBe("differs; the lock records no environment to compare");
    expect(x.environmentRecorded).toBe(false);
  });

  it("counts the items that changed outcome, each way", () => {
    const list = (values: number[]): ItemList => ({ items: values.map((value, doc) => ({ task: "b", doc, value })) });
    const x = explain(lock(), lock({ evaluate: sha("7") }), { recorded: (s) => (s === "evaluate" ? list([1, 1, 0, 0, 1]) : null), rerun: (s) => (s === "evaluate" ? list([1, 0, 1, 1, 1]) : null) });
    expect(x.flips).toEqual([{ stage: "evaluate", items: 5, flipped: 3, gained: 2, lost: 1 }]);
    expect(x.firstDivergence).toEqual({ stage: "evaluate", what: "per-item results" });
  });

  it("model and per-item digests explain but never fail an audit on their own", () => {
    const checks = compareLocks(lock(), lock({ train: sha("5"), evaluate: sha("6") }), { factor: 2, absolute: null });
    expect(checks.filter((c) => c.verdict === "differs").map((c) => c.item)).toEqual(["model of train", "per-item results of evaluate"]);
    expect(reproduces(checks)).toBe(true);
  });
});

describe("toleranceStderr", () => {
  it("is the recorded standard error, or Agresti-Coull's where a proportion sits at 0 or 1", () => {
    expect(toleranceStderr({ value: 0.9, stderr: 0.0437, n: 48 })).toBe(0.0437);
    // 48 of 48: (48 + 2) / 52 -> sqrt(p (1 - p) / 52)
    expect(toleranceStderr({ value: 1, stderr: 0, n: 48 })).toBeCloseTo(Math.sqrt(((50 / 52) * (2 / 52)) / 52), 12);
    expect(toleranceStderr({ value: 1, stderr: 0, n: null })).toBe(0);
    expect(compareLocks({ ...lock(), evaluations: [{ stage: "evaluate", task: "b", metric: "acc", value: 1, stderr: 0, n: 48 }] }, { ...lock(), evaluations: [{ stage: "evaluate", task: "b", metric: "acc", value: 47 / 48, stderr: 0.0208, n: 48 }] }, { factor: 2, absolute: null })[0]!.verdict).toBe("within tolerance");
  });
});
