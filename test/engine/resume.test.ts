import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { runDir } from "../../src/run/run-store.js";
import {
  alive, apply, cleanupEngineTests, intern, doneCounts, events, jobPid, jobRunning, makeProject, ofType, provision, records, runs, spawnApply, waitForEvent, waitForRecords, type Project,
} from "../helpers/engine.js";

/** Enough rows that preparing them takes a second or more: long enough to be killed during it. */
const EXTRA_ROWS = 100_000;
const STAGES = ["baseline", "prepare", "train", "evaluate", "report"];

interface Outcome {
  dataDigest: string;
  metric: number;
}

function outcome(project: Project): Outcome {
  const id = runs(project).at(-1)!;
  const manifest = JSON.parse(readFileSync(join(runDir(project.dir, id), "stages", "prepare", "manifest.json"), "utf8")) as { output: { sha256: string } };
  const done = ofType(events(project, id), "stage_done").find((e) => e.stage === "evaluate")!;
  return { dataDigest: manifest.output.sha256, metric: done.outputs.value as number };
}

let reference: Outcome;

beforeAll(async () => {
  await provision();
  const project = makeProject({ extraRows: EXTRA_ROWS });
  const r = await apply(project);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  reference = outcome(project);
}, 900_000);

afterEach(cleanupEngineTests);

/** Where to kill intern: once this event is on disk and, for a job, its script has started. */
const killPoints: { name: string; at: (e: RunEvent) => boolean; started?: string; env: Record<string, string> }[] = [
  { name: "during data preparation", at: (e) => e.type === "stage_started" && e.stage === "prepare", env: {} },
  { name: "during training", at: (e) => e.type === "job_submitted" && e.stage === "train", started: "train.runs", env: { INTERN_TEST_TRAIN_SLEEP: "3" } },
  { name: "during the evaluation of the trained model", at: (e) => e.type === "job_submitted" && e.stage === "evaluate", started: "evaluate.runs", env: { INTERN_TEST_EVAL_SLEEP: "2" } },
];

describe("apply after intern was killed (SIGKILL)", () => {
  for (const point of killPoints) {
    it(`finishes the run without redoing a stage, killed ${point.name}`, async () => {
      const project = makeProject({ extraRows: EXTRA_ROWS });
      const first = spawnApply(project, [], point.env);
      const at = await waitForEvent(project, point.name, point.at, 120_000);
      if (point.started) await waitForRecords(project, point.started);
      first.child.kill("SIGKILL");
      await first.exited;
      const killed = events(project);
      // The kill landed where it was meant to: the stage it interrupted had not finished.
      const stage = (at as { stage: string }).stage;
      expect(ofType(killed, "stage_done").map((e) => e.stage)).not.toContain(stage);
      expect(ofType(killed, "run_finished")).toHaveLength(0);

      const second = await apply(project);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(runs(project)).toHaveLength(1);
      const all = events(project);
      expect(ofType(all, "run_resumed")).toHaveLength(1);
      expect(doneCounts(all)).toEqual(Object.fromEntries(STAGES.map((s) => [s, 1])));
      expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["succeeded"]);
      expect(records(project, "train.runs")).toHaveLength(1);
      expect(records(project, "baseline.runs")).toHaveLength(1);
      expect(outcome(project)).toEqual(reference);
    }, 240_000);
  }

  it("re-attaches to the training job that outlived intern instead of starting another", async () => {
    const project = makeProject();
    const first = spawnApply(project, [], { INTERN_TEST_TRAIN_SLEEP: "4" });
    const submitted = await waitForEvent(project, "train's job_submitted", (e) => e.type === "job_submitted" && e.stage === "train", 120_000);
    await waitForRecords(project, "train.runs");
    first.child.kill("SIGKILL");
    await first.exited;
    const pid = jobPid(submitted);
    expect(alive(pid)).toBe(true);
    expect(jobRunning(submitted)).toBe(true);
    // Its events end mid-run, but no intern holds it: status does not call it running.
    expect((await intern(project, ["status"])).stdout).toMatch(new RegExp(`^${runs(project)[0]}\\s+recipe\\.yaml\\s+stopped\\s`, "m"));

    const second = await apply(project);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const all = events(project);
    const reattached = ofType(all, "message").filter((e) => e.stage === "train" && /re-attached/.test(e.text));
    expect(reattached).toHaveLength(1);
    expect(reattached[0]!.text).toContain(String(pid));
    expect(second.stdout).toMatch(/train: re-attached to the job that was running/);
    expect(ofType(all, "job_submitted").filter((e) => e.stage === "train")).toHaveLength(1);
    expect(ofType(all, "stage_started").filter((e) => e.stage === "train")).toHaveLength(1);
    expect(records(project, "train.runs")).toEqual([expect.any(String)]);
    expect(doneCounts(all).train).toBe(1);
    expect(jobRunning(submitted)).toBe(false);
  }, 240_000);
});
