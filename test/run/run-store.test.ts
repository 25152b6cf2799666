import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { acquireRunLock } from "../../src/run/run-lock.js";
import { foldEvents } from "../../src/run/run-state.js";
import { createRunDir, EventLog, listRuns, newRunId, readEvents } from "../../src/run/run-store.js";
import { chooseRun } from "../../src/run/select-run.js";
import { InternError } from "../../src/errors.js";

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "intern-run-store-"));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, 0) + s * 1000).toISOString();
const budget = { gpuHours: null, wallClockSeconds: 3600, llmTokens: null, llmUsd: null };
const started = (run: string, digest = "d1"): RunEvent => ({
  type: "run_started", at: at(0), run, recipe: "recipe.yaml", recipeDigest: digest, name: "r", backend: "local",
  stages: [{ id: "train", key: "k", kind: "train", placement: "job", needs: [], gpus: 1 }], budget, intern: "0.1.0", pid: 1,
});

function writeRun(id: string, list: RunEvent[]): string {
  const dir = createRunDir(project, id);
  const log = new EventLog(join(dir, "events.jsonl"));
  for (const e of list) log.append(e);
  log.close();
  return dir;
}

describe("the event log", () => {
  it("ignores a torn last line: everything before it was written whole", () => {
    const dir = writeRun("run-a", [started("run-a"), { type: "stage_started", at: at(1), stage: "train", key: "k", attempt: 1 }]);
    appendFileSync(join(dir, "events.jsonl"), '{"type":"stage_done","at":"2026-');
    expect(readEvents(dir).map((e) => e.type)).toEqual(["run_started", "stage_started"]);
    expect(foldEvents(readEvents(dir))!.stages.get("train")!.status).toBe("running");
  });

  it("folds into stage states and spending; wall clock counts the sessions, not the time between them", () => {
    const state = foldEvents([
      started("run-a"),
      { type: "stage_started", at: at(1), stage: "train", key: "k", attempt: 1 },
      { type: "job_submitted", at: at(2), stage: "train", ref: "ref-1", gpus: 1, timeLimitSeconds: 600, attempt: 1 },
      // Killed here, at 10 s; resumed an hour later.
      { type: "message", at: at(10), text: "still running" },
      { type: "run_resumed", at: at(3610), pid: 2 },
      { type: "stage_done", at: at(3700), stage: "train", key: "k", seconds: 3698, gpuHours: 1.02, outputs: { model: "m" } },
      { type: "run_finished", at: at(3720), status: "succeeded", seconds: 110 },
    ])!;
    expect(state.status).toBe("succeeded");
    expect(state.spent.wallSeconds).toBe(10 + 110);
    expect(state.spent.gpuHours).toBeCloseTo(1.02);
    expect(state.stages.get("train")).toMatchObject({ status: "done", attempt: 1, ref: null, outputs: { model: "m" } });
  });
});

describe("run ids", () => {
  it("sort in the order runs started, within the same second too", () => {
    const ids = [0, 5, 250, 999].map((ms) => newRunId("quickstart", new Date(Date.UTC(2026, 10, 26, 15, 30, 12, ms)), () => 0.99));
    expect(ids[0]).toBe("20261126-153012-quickstart-000f");
    expect([...ids].reverse().sort()).toEqual(ids);
  });
});

describe("choosing the run", () => {
  it("resumes the newest unfinished run of the recipe with the same plan, else starts a new one", () => {
    writeRun("20261126-120000-r-0001", [started("20261126-120000-r-0001"), { type: "run_finished", at: at(5), status: "failed", seconds: 5 }]);
    expect(chooseRun(project, "recipe.yaml", "d1", { forceNew: false })).toEqual({ kind: "new", reason: "the last run of this recipe (20261126-120000-r-0001) has finished" });
    writeRun("20261126-120000-r-0502", [started("20261126-120000-r-0502")]);
    expect(chooseRun(project, "recipe.yaml", "d1", { forceNew: false })).toMatchObject({ kind: "resume", runId: "20261126-120000-r-0502" });
    expect(chooseRun(project, "recipe.yaml", "d2", { forceNew: false })).toMatchObject({ kind: "new", reason: expect.stringContaining("changed since the unfinished run") });
    expect(chooseRun(project, "other.yaml", "d1", { forceNew: false })).toEqual({ kind: "new", reason: "no earlier run of this recipe" });
    expect(chooseRun(project, "recipe.yaml", "d1", { forceNew: true })).toEqual({ kind: "new", reason: "--new" });
    expect(() => chooseRun(project, "recipe.yaml", "d2", { resume: "20261126-120000-r-0502", forceNew: false })).toThrow(/changed since run/);
    expect(listRuns(project)).toEqual(["20261126-120000-r-0001", "20261126-120000-r-0502"]);
  });
});

describe("the run lock", () => {
  it("refuses a second holder while the first lives, naming its pid, and is released", async () => {
    const dir = createRunDir(project, "run-a");
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeFileSync(join(dir, "apply.lock"), String(sleeper.pid));
      const error = (() => {
        try {
          acquireRunLock(dir, "run-a");
        } catch (e) {
          return e as InternError;
        }
        throw new Error("expected the lock to be refused");
      })();
      expect(error.code).toBe("INTERN_RUN_LOCKED");
      expect(error.message).toBe(`run run-a is being applied by another intern process (pid ${sleeper.pid})`);
    } finally {
      sleeper.kill("SIGKILL");
      await new Promise((r) => sleeper.on("exit", r));
    }
    // Its holder is dead now: the lock is taken over.
    const release = acquireRunLock(dir, "run-a");
    expect(readFileSync(join(dir, "apply.lock"), "utf8")).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, "apply.lock"))).toBe(false);
  });
});

describe("a resumed run's budget", () => {
  it("is the recipe's budget at the resume, so a limit can be raised to continue", () => {
    const budget = { gpuHours: null, wallClockSeconds: 60, llmTokens: null, llmUsd: null };
    const events: RunEvent[] = [
      { type: "run_started", at: "2026-11-26T10:00:00.000Z", run: "r", recipe: "r.yaml", recipeDigest: "d", name: "r", backend: "local", stages: [], budget, intern: "0", pid: 1 },
      { type: "run_interrupted", at: "2026-11-26T10:00:30.000Z", signal: "SIGINT" },
      { type: "run_resumed", at: "2026-11-26T11:00:00.000Z", pid: 2, budget: { ...budget, wallClockSeconds: 600 } },
    ];
    const state = foldEvents(events)!;
    expect(state.budget.wallClockSeconds).toBe(600);
    expect(state.spent.wallSeconds).toBe(30);
  });
});
