import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  alive, apply, cleanupEngineTests, intern, doneCounts, events, jobPid, jobRunning, makeProject, ofType, provision, records, runs, spawnApply, waitFor, waitForEvent, waitForRecords,
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
    await waitForRecords(project, "train.runs");
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

describe("Ctrl-C while the job environment is being created", () => {
  it("stops the installer, leaves no half-made environment, and exits 130", async () => {
    const project = makeProject();
    const envs = join(project.dir, "envs");
    // A host Python whose `-m venv` takes a minute, recording its pid.
    const host = join(project.dir, "slow-python");
    writeFileSync(host, `#!/bin/sh\necho $$ > ${JSON.stringify(join(project.dir, "installer.pid"))}\nsleep 60\n`, { mode: 0o755 });
    const child = spawnApply(project, [], { INTERN_ENVS_DIR: envs, INTERN_HOST_PYTHON: host });
    const pid = Number(await waitFor("the installer to start", () => existsSync(join(project.dir, "installer.pid")) && readFileSync(join(project.dir, "installer.pid"), "utf8").trim(), 60_000));
    expect(alive(pid)).toBe(true);
    const sent = Date.now();
    child.child.kill("SIGINT");
    expect((await child.exited).code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(15_000);
    await waitFor("the installer to be gone", () => !alive(pid), 10_000);
    expect(ofType(events(project), "run_interrupted")).toHaveLength(1);
    // Nothing half-made is left to be mistaken for a ready environment.
    expect(readdirSync(envs).filter((f) => !f.endsWith(".log"))).toEqual([]);
    expect(child.output()).toContain("interrupted");
  }, 120_000);
});
