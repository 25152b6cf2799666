import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { allowedSeconds, checkBudget } from "../../src/engine/budget.js";
import type { BudgetLimits } from "../../src/run/events.js";
import { apply, cleanupEngineTests, events, intern, jobRunning, makeProject, ofType, provision, records } from "../helpers/engine.js";

// Only the test that runs jobs needs the job environment: the arithmetic and the plan's check never reach it.
afterEach(cleanupEngineTests);

const limits = (l: Partial<BudgetLimits>): BudgetLimits => ({ gpuHours: null, wallClockSeconds: null, llmTokens: null, llmUsd: null, ...l });
const spent = { gpuHours: 0, wallSeconds: 0, llmTokens: 0, llmUsd: 0 };

describe("budget arithmetic", () => {
  it("cuts a job's time limit to the wall clock and GPU-hours left", () => {
    expect(allowedSeconds(limits({ wallClockSeconds: 3600 }), { ...spent, wallSeconds: 3000 }, 1800, 0)).toBe(600);
    expect(allowedSeconds(limits({ wallClockSeconds: 3600 }), { ...spent, wallSeconds: 100 }, 1800, 0)).toBe(1800);
    // 1 GPU-hour left over 4 GPUs: 15 minutes.
    expect(allowedSeconds(limits({ gpuHours: 10 }), { ...spent, gpuHours: 9 }, 7200, 4)).toBe(900);
    expect(allowedSeconds(limits({ gpuHours: 10 }), { ...spent, gpuHours: 9 }, 7200, 0)).toBe(7200);
    expect(allowedSeconds(limits({ wallClockSeconds: 60 }), { ...spent, wallSeconds: 90 }, 1800, 0)).toBe(0);
  });

  it("names the first limit reached", () => {
    expect(checkBudget(limits({ wallClockSeconds: 60, gpuHours: 1 }), { ...spent, wallSeconds: 59 }).exhausted).toBeNull();
    expect(checkBudget(limits({ wallClockSeconds: 60, gpuHours: 1 }), { ...spent, wallSeconds: 60 }).exhausted).toEqual({ resource: "wall_clock", limit: 60, spent: 60 });
    expect(checkBudget(limits({ gpuHours: 1 }), { ...spent, gpuHours: 1.5 }).exhausted?.resource).toBe("gpu_hours");
  });
});

describe("apply and the budget", () => {
  it("refuses a budget smaller than the plan's estimate before running anything", async () => {
    const project = makeProject({ changes: { budget: { wall_clock: "10m" } } });
    const plan = await intern(project, ["plan", "recipe.yaml"]);
    expect(plan.code).toBe(1);
    const r = await apply(project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: the plan exceeds the budget: wall_clock: the stages that always run may take 25m30s, over the budget of 10m (INTERN_OVER_BUDGET)");
    expect(r.stderr).toContain("hint: `intern plan` shows the estimate");
    const runsDir = join(project.dir, ".intern", "runs");
    expect(existsSync(runsDir) ? readdirSync(runsDir) : []).toEqual([]);
    expect(records(project, "baseline.runs")).toEqual([]);
  });

  describe("with a job running", () => {
    beforeAll(provision, 900_000);

    it("cancels the training job when the wall clock runs out mid-training, and says so", async () => {
      // The plan fits (10m prepare + 2m train + 1m evaluate + 30s report <= 14m), and the clock runs
      // 100 times fast: the 14 minutes are over about 8 s into a training job that wants a minute.
      const project = makeProject({ changes: { budget: { wall_clock: "14m" }, training: { time_limit: "2m" }, benchmark: { time_limit: "1m" } } });
      const t0 = Date.now();
      const fast = () => t0 + (Date.now() - t0) * 100;
      const r = await apply(project, [], { INTERN_TEST_TRAIN_SLEEP: "60" }, fast);
      expect(r.code).toBe(1);
      expect(Date.now() - t0).toBeLessThan(40_000);

      const all = events(project);
      const submitted = ofType(all, "job_submitted").find((e) => e.stage === "train")!;
      const startedAt = Date.parse(ofType(all, "run_started")[0]!.at);
      // The job's own limit never reaches past the budget: at most what the wall clock had left.
      expect(submitted.timeLimitSeconds).toBeLessThanOrEqual(14 * 60 - (Date.parse(submitted.at) - startedAt) / 1000 + 1);
      expect(jobRunning(submitted)).toBe(false);
      expect(ofType(all, "budget_exhausted")).toEqual([expect.objectContaining({ resource: "wall_clock", limit: 840 })]);
      const failed = ofType(all, "stage_failed");
      expect(failed.map((e) => [e.stage, e.code])).toEqual([["train", "INTERN_BUDGET_EXHAUSTED"]]);
      expect(Object.fromEntries(ofType(all, "stage_skipped").map((e) => [e.stage, e.reason]))).toEqual({ evaluate: "the budget ran out", report: "the budget ran out" });
      expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["budget_exhausted"]);
      expect(r.stdout).toContain("budget exhausted: wall_clock reached its limit (840)");
      expect(r.stdout).toContain("train: FAILED: budget exhausted: wall_clock reached its limit of 840");
      expect(r.stdout).toMatch(/run \S+: budget_exhausted\n$/);

      const status = await intern(project, ["status", "--output", "json"]);
      expect((JSON.parse(status.stdout) as { status: string }[])[0]!.status).toBe("budget_exhausted");
    }, 120_000);
  });
});
