import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run/events.js";
import { apply, cleanupEngineTests, events, intern, makeProject, provision, runs, type Project } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

async function finishedRun(project: Project, env: Record<string, string> = {}): Promise<string> {
  const r = await apply(project, [], env);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return runs(project).at(-1)!;
}

describe("intern apply", () => {
  it("prints one line per step and where the report is", async () => {
    const project = makeProject();
    const r = await apply(project);
    expect(r.code, r.stderr).toBe(0);
    const id = runs(project)[0]!;
    // Durations depend on the machine's load: a job spends a fraction of a second on its fingerprint.
    const lines = r.stdout.split("\n").map((l) => l.replace(/^\d\d:\d\d:\d\d /, "").replace(/process \d+ submitted/, "process N submitted").replace(/done in \d+s/, "done in Ns"));
    expect(lines).toEqual(
      expect.arrayContaining([
        `run ${id}: 5 stages of recipe.yaml`,
        `new run ${id}: no earlier run of this recipe`,
        "baseline: process N submitted (time limit 5m)",
        "baseline: done in Ns (acc 0.2500)",
        "train: process N submitted (time limit 10m)",
        "evaluate: done in Ns (acc 0.6760)",
        `run ${id}: succeeded`,
        `report: ${join(project.dir, ".intern", "runs", id, "report.md")}`,
      ]),
    );
  });

  it("with --output json, streams every event as one JSON line, progress lines between them, and nothing else", async () => {
    const project = makeProject();
    const r = await apply(project, ["--output", "json"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as RunEvent | { type: "progress"; at: string; stage: string; text: string });
    const progress = lines.filter((l) => l.type === "progress");
    const streamed = lines.filter((l): l is RunEvent => l.type !== "progress");
    expect(streamed).toEqual(events(project));
    // Data preparation's progress; transient, so not among the run's events.
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(Object.keys(p)).toEqual(["type", "at", "stage", "text"]);
      expect(p).toMatchObject({ stage: "prepare", text: expect.stringMatching(/^(reading [\d,]+ rows · |writing the mix )/) });
      expect(Number.isNaN(Date.parse(p.at))).toBe(false);
    }
    expect(streamed[0]!.type).toBe("run_started");
    expect(streamed.at(-1)).toMatchObject({ type: "run_finished", status: "succeeded" });
  });

  it("refuses bad options as usage errors, before creating a run", async () => {
    const project = makeProject();
    expect((await apply(project, ["--jobs", "0"])).code).toBe(2);
    const both = await apply(project, ["--new", "--resume", "x"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--new and --resume cannot be used together");
    const unknown = await apply(project, ["--resume", "no-such-run"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no run no-such-run");
    expect(runs(project)).toEqual([]);
  });

  it("says so when it rewrites a lock whose numbers moved beyond their tolerance, in text and in --output json", async () => {
    const project = makeProject();
    expect((await apply(project)).code).toBe(0);
    const lockPath = join(project.dir, "recipe.lock.yaml");
    const written = readFileSync(lockPath, "utf8");
    const recorded = /- stage: evaluate\n(?: {4}\w+: .*\n)*? {4}value: (\S+)\n/.exec(written)?.[1];
    expect(Number(recorded), written).toBeLessThan(0.8);
    const claim = (text: string) => text.replace(`value: ${recorded}\n`, "value: 0.9\n");
    // As if the committed lock had recorded 0.9: the next apply (every stage cached) rewrites it.
    writeFileSync(lockPath, claim(written));
    const again = await apply(project);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("warning: this run's numbers moved from the lock it replaced (recipe.lock.yaml), with the same recipe:");
    expect(again.stdout).toContain(`  acc of evaluate: 0.9 then, ${recorded} now (difference ${(Number(recorded) - 0.9).toPrecision(3)}, tolerance `);
    expect(readFileSync(lockPath, "utf8")).toBe(written);
    writeFileSync(lockPath, claim(written));
    const json = await apply(project, ["--output", "json"]);
    const moved = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as RunEvent).find((e) => e.type === "lock_metrics_moved");
    expect(moved).toMatchObject({ lock: "recipe.lock.yaml", recipeChanged: false, moved: [{ stage: "evaluate", metric: "acc", before: 0.9, after: Number(recorded) }] });
    // A rerun whose numbers match says nothing.
    expect((await apply(project)).stdout).not.toContain("warning:");
  });

  it("--resume of a finished run is refused; --new starts another", async () => {
    const project = makeProject();
    const id = await finishedRun(project);
    const resumed = await apply(project, ["--resume", id]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`run ${id} has finished (succeeded) (INTERN_RUN_FINISHED)`);
    const fresh = await apply(project, ["--new"]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain("new run");
    expect(fresh.stdout).toContain(": --new");
    expect(runs(project)).toHaveLength(2);
  });
});

describe("intern status", () => {
  it("lists runs newest first, and shows one run's stages and spending", async () => {
    const project = makeProject();
    expect((await intern(project, ["status"])).stdout).toBe("no runs yet: `intern apply <recipe>` starts one\n");
    const failed = (await apply(project, [], { INTERN_TEST_TRAIN_EXIT: "1" })).code;
    expect(failed).toBe(1);
    const id1 = runs(project)[0]!;
    const id2 = await finishedRun(project);

    const list = await intern(project, ["status"]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^RUN\s+RECIPE\s+STATE\s+STAGES\s+SPENT$/);
    expect(rows[1]).toMatch(new RegExp(`^${id2}\\s+recipe\\.yaml\\s+succeeded\\s+2 cached, 3 done\\s+\\d+s wall$`));
    expect(rows[2]).toMatch(new RegExp(`^${id1}\\s+recipe\\.yaml\\s+failed\\s+.*1 failed.*2 skipped`));

    const one = await intern(project, ["status", id1]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`run ${id1} of recipe.yaml: failed\n`);
    expect(one.stdout).toMatch(/^baseline\s+evaluate\s+done\s+.*acc 0\.2500$/m);
    expect(one.stdout).toMatch(/^train\s+train\s+failed\s+.*stage train: job exited with code 1$/m);
    expect(one.stdout).toMatch(/^evaluate\s+evaluate\s+skipped\s+.*needs train, which failed$/m);
    expect(one.stdout).toMatch(/\nspent: \d+s wall; limits: 1h wall\n$/);
    const cached = await intern(project, ["status", id2]);
    expect(cached.stdout).toMatch(new RegExp(`^prepare\\s+prepare\\s+cached\\s+.*from ${id1}$`, "m"));

    const json = JSON.parse((await intern(project, ["status", id2, "--output", "json"])).stdout) as { id: string; status: string; stages: { id: string; status: string; outputs: { value?: number } }[] };
    expect(json).toMatchObject({ id: id2, status: "succeeded" });
    expect(json.stages.find((s) => s.id === "evaluate")).toMatchObject({ status: "done", outputs: { value: 0.676 } });

    const missing = await intern(project, ["status", "no-such-run"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no run no-such-run (INTERN_RUN_NOT_FOUND)");
  });
});

describe("intern logs", () => {
  it("prints a stage's log, its tail, and a cached stage's log from the run that made it", async () => {
    const project = makeProject();
    const id1 = await finishedRun(project);
    const log = await intern(project, ["logs", id1, "train"]);
    expect(log.code).toBe(0);
    expect(log.stdout).toBe(`training on ${join(project.dir, ".intern", "runs", id1, "stages", "prepare", "data")}\n`);
    const failing = makeProject();
    await apply(failing, [], { INTERN_TEST_TRAIN_EXIT: "1" });
    const tail = await intern(failing, ["logs", runs(failing)[0]!, "train", "--tail", "2"]);
    expect(tail.stdout).toBe("step 3: loss nan\nRuntimeError: loss is nan\n");

    const id2 = await finishedRun(project, {});
    expect(id2).not.toBe(id1);
    expect((await intern(project, ["logs", id2, "train"])).stdout).toBe(log.stdout);
    const noLog = await intern(project, ["logs", id1, "prepare"]);
    expect(noLog.stdout).toBe("stage prepare (done) has no log\n");
    const unknown = await intern(project, ["logs", id1, "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("run " + id1 + " has no stage nope");
    expect((await intern(project, ["logs", id1])).code).toBe(2);
  });

  it("never prints a secret of its environment, even from a log no job scrubbed (one still being written)", async () => {
    const project = makeProject();
    const id = await finishedRun(project);
    const path = join(project.dir, ".intern", "runs", id, "stages", "train", "job.log");
    appendFileSync(path, "token hf_abcdefghijkl in flight\n");
    const env = { HF_TOKEN: "hf_abcdefghijkl" };
    expect((await intern(project, ["logs", id, "train"], env)).stdout).toContain("token *** in flight\n");
    expect((await intern(project, ["logs", id, "train", "--tail", "1"], env)).stdout).toBe("token *** in flight\n");
  });
});
