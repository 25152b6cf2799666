import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ProgressEvent, RunEvent } from "../../src/run/events.js";
import { runDir } from "../../src/run/run-store.js";
import type { ProgressPoint } from "../../src/progress/point.js";
import { lastPoints } from "../../src/progress/progress-file.js";
import { apply, cleanupEngineTests, events, intern, makeProject, provision, runs, spawnApply, waitFor, type Project } from "../helpers/engine.js";
import { ROOT } from "../helpers/recipe.js";
import { REAL_TRAINING_LOG, replayTraining } from "../helpers/replay-training.js";
import { clusterEnv, SLURM_STATE } from "../support/slurm.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

const TOKEN = "hf_progressTestToken0123456789";

/** Whether util-linux's `script` is here, to give a command a pseudo-terminal. */
function hasScript(): boolean {
  return ["/usr/bin/script", "/bin/script"].some((p) => existsSync(p));
}

const trainDir = (project: Project) => join(runDir(project.dir, runs(project).at(-1)!), "stages", "train");

describe("a training job's progress", () => {
  it("reaches --output json as progress lines with their point while the job runs, and progress.jsonl keeps every logging dict", async () => {
    const project = makeProject();
    replayTraining(project);
    const r = await apply(project, ["--output", "json"], { HF_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as RunEvent | ProgressEvent);
    const at = (pred: (l: RunEvent | ProgressEvent) => boolean) => lines.findIndex(pred);
    const submitted = at((l) => l.type === "job_submitted" && l.stage === "train");
    const done = at((l) => l.type === "stage_done" && l.stage === "train");
    const train = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.type === "progress" && l.stage === "train") as { l: ProgressEvent; i: number }[];
    expect(train.length).toBeGreaterThan(1);
    // Only while the job runs.
    for (const { i } of train) expect(i > submitted && i < done).toBe(true);
    const steps = train.map(({ l }) => l).filter((p) => p.text.startsWith("step "));
    expect(steps.length).toBeGreaterThan(0);
    for (const p of steps) {
      expect(Object.keys(p)).toEqual(["type", "at", "stage", "text", "point"]);
      expect(p.text).toMatch(/^step \d+\/360( · loss [\d.]+ · lr [\d.]+e-\d+)? · [\d.]+ it\/s( · ETA \w+)?$/);
      expect(p.point).toMatchObject({ kind: "step", attempt: 1, total: 360 });
      expect(p.point!.offset).toBeUndefined();
    }
    // At most one a second (the job runs about five).
    const times = train.map(({ l }) => Date.parse(l.at));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(990);

    const points = lastPoints(trainDir(project));
    expect(points.filter((p) => p.kind === "log").map((p) => [p.step, p.loss])).toEqual([[60, 2.25], [120, 0.2379], [180, 0.1181], [240, 0.03379], [300, 0.0062], [360, 0.002471]]);
    expect(points.find((p) => p.kind === "summary")?.metrics?.train_loss).toBe(0.4414);
    // Progress is not an event, and no token reached a point.
    const log = readFileSync(join(runDir(project.dir, runs(project).at(-1)!), "events.jsonl"), "utf8");
    expect(log).not.toMatch(/"progress"|it\/s/);
    expect(readFileSync(join(trainDir(project), "progress.jsonl"), "utf8")).not.toContain(TOKEN);
    expect(events(project).filter((e) => e.type === "stage_done").length).toBe(5);
  }, 120_000);

  it.skipIf(!SLURM_STATE)("reaches --output json from a Slurm job's log on the shared file system", async () => {
    const project = makeProject({ changes: { compute: { backend: "slurm" } } });
    replayTraining(project, { delaySeconds: 0.4 });
    const r = await apply(project, ["--output", "json"], { ...clusterEnv(SLURM_STATE!), HF_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as RunEvent | ProgressEvent);
    expect(lines.find((l) => l.type === "job_submitted" && l.stage === "train")).toMatchObject({ job: expect.stringMatching(/^Slurm job \d+$/) });
    const done = lines.findIndex((l) => l.type === "stage_done" && l.stage === "train");
    expect(lines.slice(0, done).some((l) => l.type === "progress" && l.stage === "train" && l.point?.total === 360)).toBe(true);
    expect(lastPoints(trainDir(project)).filter((p) => p.kind === "log").map((p) => p.loss)).toEqual([2.25, 0.2379, 0.1181, 0.03379, 0.0062, 0.002471]);
  }, 180_000);

  it("is a line under the stage in plain output", async () => {
    const project = makeProject();
    // From the trainer's first bar on, so that the first line (the next ones come every 10 s) is a step.
    const real = readFileSync(REAL_TRAINING_LOG);
    replayTraining(project, { log: real.subarray(real.indexOf("\r  0%|          | 0/360")) });
    const r = await apply(project, [], { HF_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const shown = lines.filter((l) => /^\d\d:\d\d:\d\d train: step /.test(l));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]).toMatch(/^\d\d:\d\d:\d\d train: step \d+\/360( · loss [\d.]+ · lr [\d.]+e-\d+)? · [\d.]+ it\/s · ETA \w+$/);
    const index = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(index("train: step ")).toBeGreaterThan(index("train: process"));
    expect(index("train: step ")).toBeLessThan(index("train: done"));
  }, 120_000);

  it.skipIf(!hasScript())("is shown under the stage's row of the task list on a terminal", async () => {
    const project = makeProject();
    const real = readFileSync(REAL_TRAINING_LOG);
    replayTraining(project, { log: real.subarray(real.indexOf("\r  0%|          | 0/360")) });
    // A pseudo-terminal of 120 columns (util-linux's script), as a person at a terminal has.
    const command = `stty cols 120 rows 40; ${process.execPath} ${join(ROOT, "bin", "intern.js")} apply recipe.yaml --poll-interval 100`;
    const env: Record<string, string | undefined> = { ...project.env, TERM: "xterm" };
    delete env.CI;
    const { stdout } = await promisify(execFile)("script", ["-qfec", command, "/dev/null"], { cwd: project.dir, env, timeout: 90_000 });
    const screen = stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/\r?\n|\r/);
    // The running stage's row, then its progress under it.
    const at = screen.findIndex((l) => /^ {2}› step \d+\/360 · loss [\d.]+ · lr [\d.]+e-\d+ · [\d.]+ it\/s · ETA \w+$/.test(l));
    expect(at, stdout.slice(-3000)).toBeGreaterThan(0);
    expect(screen[at - 1]).toMatch(/ train \(train\)$/);
    expect(stdout).toMatch(/run \S+: succeeded/);
  }, 120_000);

  it("shows in `intern status RUN` while the job runs, and `intern logs --follow` prints the log as it grows, scrubbed, until the stage ends", async () => {
    const project = makeProject();
    replayTraining(project, { delaySeconds: 0.4 });
    const child = spawnApply(project, [], { HF_TOKEN: TOKEN });
    const id = await waitFor("the run", () => runs(project).at(-1));
    const dir = join(runDir(project.dir, id), "stages", "train");
    await waitFor("the train job's log", () => existsSync(join(dir, "job.log")));
    const followed = intern(project, ["logs", id, "train", "--follow"], { HF_TOKEN: TOKEN });
    await waitFor("a logging dict in progress.jsonl", () => lastPoints(dir).some((p) => p.kind === "log"));
    const status = await intern(project, ["status", id]);
    const row = status.stdout.split("\n").find((l) => l.startsWith("train "));
    expect(row, status.stdout).toMatch(/ running .* step \d+\/360 · loss [\d.]+ · lr [\d.]+e-\d+ · [\d.]+ it\/s( · ETA \w+)?, \d+s ago/);
    const json = JSON.parse((await intern(project, ["status", id, "--output", "json"])).stdout) as { stages: { id: string; progress?: ProgressPoint }[] };
    expect(json.stages.find((s) => s.id === "train")!.progress).toMatchObject({ attempt: 1, total: 360, loss: expect.any(Number) });
    expect(json.stages.find((s) => s.id === "prepare")!.progress).toBeUndefined();

    const logs = await followed;
    expect(logs.code, logs.stderr).toBe(0);
    expect((await child.exited).code).toBe(0);
    // Everything the job wrote, as the stage left it (scrubbed), and never the token.
    expect(logs.stdout).toBe(readFileSync(join(dir, "job.log"), "utf8"));
    expect(logs.stdout).toContain("logging in with ***");
    expect(logs.stdout).toContain("{'train_runtime': '19.74'");
    expect(logs.stdout).not.toContain(TOKEN);
    // Once the stage is done, --follow prints the log and returns at once.
    const after = await intern(project, ["logs", id, "train", "--follow", "--tail", "1"]);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("Model saved to");
  }, 120_000);

  it("`intern logs --follow` stops at Ctrl-C with 130, and when no apply runs the run any more", async () => {
    const project = makeProject();
    replayTraining(project, { delaySeconds: 0.4 });
    const child = spawnApply(project, [], { HF_TOKEN: TOKEN });
    const id = await waitFor("the run", () => runs(project).at(-1)).catch((e: Error) => Promise.reject(new Error(`${e.message}: ${child.output()}`)));
    const dir = join(runDir(project.dir, id), "stages", "train");
    await waitFor("the train job's log", () => existsSync(join(dir, "job.log")) && readFileSync(join(dir, "job.log")).length > 0);
    const follower = spawn(process.execPath, [join(ROOT, "bin", "intern.js"), "logs", id, "train", "-f"], { cwd: project.dir, env: { ...project.env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    follower.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on("exit", (code) => resolve(code)));
    await waitFor("followed output", () => out.length > 0);
    follower.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(out).toContain("logging in with");

    // apply stopped (killed): following says why it stops instead of waiting forever.
    child.child.kill("SIGKILL");
    await child.exited;
    const stopped = await intern(project, ["logs", id, "train", "--follow"]);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopped following: no `intern apply` is running this run/);
  }, 120_000);
});
