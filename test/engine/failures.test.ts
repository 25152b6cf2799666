import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runDir } from "../../src/run/run-store.js";
import { apply, cleanupEngineTests, events, jobRunning, makeProject, ofType, provision, records, runs } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

// Two jobs at once and a slow baseline: training fails while the baseline is still running.
const FAILING = { INTERN_TEST_TRAIN_EXIT: "3", INTERN_TEST_EVAL_SLEEP: "2" };

describe("a training job that exits non-zero", () => {
  it("fails its stage with the log's last lines and path, skips dependents, and lets independent branches finish", async () => {
    const project = makeProject();
    const r = await apply(project, ["--jobs", "2"], FAILING);
    expect(r.code).toBe(1);
    const id = runs(project)[0]!;
    const log = join(runDir(project.dir, id), "stages", "train", "job.log");

    const all = events(project);
    const failed = ofType(all, "stage_failed");
    expect(failed.map((e) => e.stage)).toEqual(["train"]);
    expect(failed[0]!).toMatchObject({ code: "INTERN_JOB_FAILED", state: "failed", log });
    expect(failed[0]!.error).toBe("stage train: job exited with code 3");
    expect(failed[0]!.logTail!.split("\n").slice(-2)).toEqual(["step 3: loss nan", "RuntimeError: loss is nan"]);
    expect(r.stdout).toContain("train: FAILED: stage train: job exited with code 3");
    expect(r.stdout).toContain(`last lines of ${log}:`);
    expect(r.stdout).toContain("    | RuntimeError: loss is nan");

    const skipped = Object.fromEntries(ofType(all, "stage_skipped").map((e) => [e.stage, e.reason]));
    expect(skipped).toEqual({ evaluate: "needs train, which failed", report: "needs evaluate, which did not run" });
    expect(records(project, "evaluate.runs")).toEqual([]);
    // The baseline was running when training failed, and still finished.
    const baselineDone = ofType(all, "stage_done").find((e) => e.stage === "baseline");
    expect(baselineDone?.outputs.value).toBe(0.25);
    expect(Date.parse(baselineDone!.at)).toBeGreaterThan(Date.parse(failed[0]!.at));
    expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["failed"]);
    expect(r.stdout).toMatch(/run \S+: failed\n$/);
  }, 120_000);

  it("with --fail-fast, stops everything at the first failure", async () => {
    const project = makeProject();
    const r = await apply(project, ["--jobs", "2", "--fail-fast"], { ...FAILING, INTERN_TEST_EVAL_SLEEP: "30" });
    expect(r.code).toBe(1);
    const all = events(project);
    const baseline = ofType(all, "job_submitted").find((e) => e.stage === "baseline")!;
    expect(jobRunning(baseline)).toBe(false);
    const failed = Object.fromEntries(ofType(all, "stage_failed").map((e) => [e.stage, e.code]));
    expect(failed).toEqual({ train: "INTERN_JOB_FAILED", baseline: "INTERN_CANCELLED" });
    expect(ofType(all, "stage_done").map((e) => e.stage)).toEqual(["prepare"]);
    const skipped = ofType(all, "stage_skipped").map((e) => e.stage).sort();
    expect(skipped).toEqual(["evaluate", "report"]);
    expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["failed"]);
    // Cancelled long before the baseline's 30 s sleep would have ended.
    const seconds = ofType(all, "run_finished")[0]!.seconds;
    expect(seconds).toBeLessThan(20);
  }, 120_000);

  it("runs a failed stage again on the next apply, reusing what succeeded", async () => {
    const project = makeProject();
    expect((await apply(project, [], { INTERN_TEST_TRAIN_EXIT: "3" })).code).toBe(1);
    const again = await apply(project);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(runs(project)).toHaveLength(2);
    const second = events(project);
    expect(ofType(second, "stage_cached").map((e) => e.stage).sort()).toEqual(["baseline", "prepare"]);
    expect(ofType(second, "stage_done").map((e) => e.stage)).toEqual(["train", "evaluate", "report"]);
    expect(records(project, "train.runs")).toHaveLength(2);
    expect(records(project, "baseline.runs")).toHaveLength(1);
  }, 120_000);
});

describe("the retry policy (compute.retry)", () => {
  const retrying = (on: string[], maxAttempts: number) => makeProject({ changes: { compute: { retry: { on, max_attempts: maxAttempts } } } });

  it("submits a job again when its failure kind is in compute.retry.on, and the stage succeeds on a later attempt", async () => {
    const project = retrying(["failed"], 3);
    const r = await apply(project, [], { INTERN_TEST_TRAIN_FAIL_RUNS: "1" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const all = events(project);
    const retries = ofType(all, "job_retrying");
    expect(retries.map((e) => [e.stage, e.attempt, e.failure, e.reason])).toEqual([["train", 1, "failed", "exited with code 3"]]);
    expect(ofType(all, "stage_started").filter((e) => e.stage === "train").map((e) => e.attempt)).toEqual([1, 2]);
    expect(ofType(all, "job_submitted").filter((e) => e.stage === "train").map((e) => e.attempt)).toEqual([1, 2]);
    expect(ofType(all, "stage_failed")).toEqual([]);
    expect(records(project, "train.runs")).toHaveLength(2);
    expect(r.stdout).toContain("train: job exited with code 3; retrying (compute.retry.on has failed; attempt 2 of 3 next)");
  }, 120_000);

  it("gives up after compute.retry.max_attempts, saying how many attempts it made", async () => {
    const project = retrying(["failed"], 2);
    const r = await apply(project, [], { INTERN_TEST_TRAIN_FAIL_RUNS: "9" });
    expect(r.code).toBe(1);
    const all = events(project);
    expect(ofType(all, "job_retrying")).toHaveLength(1);
    expect(ofType(all, "stage_failed").map((e) => [e.stage, e.error])).toEqual([["train", "stage train: job exited with code 3 (attempt 2 of 2)"]]);
    expect(records(project, "train.runs")).toHaveLength(2);
  }, 120_000);

  it("does not retry a failure kind the policy leaves out (the default retries node failures and preemption only)", async () => {
    const project = makeProject();
    const r = await apply(project, [], { INTERN_TEST_TRAIN_FAIL_RUNS: "1" });
    expect(r.code).toBe(1);
    expect(ofType(events(project), "job_retrying")).toEqual([]);
    expect(records(project, "train.runs")).toHaveLength(1);
  }, 120_000);
});
