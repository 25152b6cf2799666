import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  alive, apply, cleanupEngineTests, intern, doneCounts, events, jobPid, jobRunning, makeProject, ofType, provision, records, runs, spawnApply, waitForEvent, waitForRecords,
} from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

const trainSubmitted = (e: { type: string; stage?: string }) => e.type === "job_submitted" && e.stage === "train";

describe("Ctrl-C", () => {
  it("cancels running jobs, records the interruption, exits 130; apply again resumes the same run", async () => {
    const project = makeProject();
    const first = spawnApply(project, [], { INTERN_TEST_TRAIN_SLEEP: "60" });
    const submitted = await waitForEvent(project, "train's job_submitted", trainSubmitted, 120_000);
    const pid = jobPid(submitted);
    await waitForRecords(project, "train.runs");
    expect(alive(pid)).toBe(true);
    first.child.kill("SIGINT");
    const exit = await first.exited;
    expect(exit.code, first.output()).toBe(130);
    // Every process of the job: the wrapper and the script under timeout.
    expect(jobRunning(submitted)).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(first.output()).toContain("interrupted: running jobs were cancelled; `intern apply` again resumes the run");

    const interrupted = events(project);
    expect(ofType(interrupted, "run_interrupted")).toEqual([expect.objectContaining({ signal: "SIGINT" })]);
    expect(ofType(interrupted, "stage_failed").map((e) => [e.stage, e.code])).toEqual([["train", "INTERN_CANCELLED"]]);
    expect(ofType(interrupted, "run_finished")).toEqual([]);

    const second = await apply(project);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(runs(project)).toHaveLength(1);
    const all = events(project);
    expect(ofType(all, "run_resumed")).toHaveLength(1);
    expect(second.stdout).toContain("resuming the run");
    expect(ofType(all, "stage_started").filter((e) => e.stage === "train").map((e) => e.attempt)).toEqual([1, 2]);
    expect(doneCounts(all)).toEqual({ baseline: 1, prepare: 1, train: 1, evaluate: 1, report: 1 });
    expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["succeeded"]);
    // The cancelled attempt and the one that finished.
    expect(records(project, "train.runs")).toHaveLength(2);
  }, 240_000);

  it("SIGTERM does the same, and the run records which signal stopped it", async () => {
    const project = makeProject();
    const first = spawnApply(project, [], { INTERN_TEST_TRAIN_SLEEP: "60" });
    const submitted = await waitForEvent(project, "train's job_submitted", trainSubmitted, 120_000);
    await waitForRecords(project, "train.runs");
    first.child.kill("SIGTERM");
    expect((await first.exited).code, first.output()).toBe(130);
    expect(jobRunning(submitted)).toBe(false);
    expect(ofType(events(project), "run_interrupted")).toEqual([expect.objectContaining({ signal: "SIGTERM" })]);
    expect((await intern(project, ["status"])).stdout).toMatch(/\sinterrupted\s/);
  }, 240_000);
});

describe("two applies of one run", () => {
  it("lets only one act: the second fails, naming the holder's pid", async () => {
    const project = makeProject();
    const holder = spawnApply(project, [], { INTERN_TEST_TRAIN_SLEEP: "30" });
    await waitForEvent(project, "train's job_submitted", trainSubmitted, 120_000);
    const before = events(project).length;
    expect((await intern(project, ["status"])).stdout).toMatch(/\srunning\s/);

    const second = await apply(project);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is being applied by another intern process (pid ${holder.child.pid}) (INTERN_RUN_LOCKED)`);
    expect(second.stderr).toContain(`hint: wait for it, or stop it (kill ${holder.child.pid})`);
    // It wrote nothing into the run and started no job.
    expect(events(project).length).toBe(before);
    expect(runs(project)).toHaveLength(1);
    expect(records(project, "train.runs")).toHaveLength(1);

    // Explicitly naming the run is refused the same way.
    const named = await apply(project, ["--resume", runs(project)[0]!]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(`(pid ${holder.child.pid})`);
    expect(holder.child.exitCode).toBeNull();
  }, 240_000);
});
