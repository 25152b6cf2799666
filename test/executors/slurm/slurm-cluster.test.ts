/**
 * Integration tests against a real Slurm cluster: the executor, then `intern apply`. They run only
 * when INTERN_TEST_SLURM_STATE names the STATE_DIR of a running one (`.ci/run` starts one), e.g.
 *
 *   test/slurm/start.sh /tmp/intern-slurm
 *   INTERN_TEST_SLURM_STATE=/tmp/intern-slurm npx vitest run test/executors/slurm
 *   test/slurm/stop.sh /tmp/intern-slurm
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlurmExecutor } from "../../../src/executors/slurm/slurm-executor.js";
import type { JobSpec, JobStatus } from "../../../src/executors/types.js";
import { runCommand, type CommandSpec } from "../../../src/process/run-process.js";
import type { RunEvent } from "../../../src/run/events.js";
import { runDir } from "../../../src/run/run-store.js";
import { slurmJobName } from "../../../src/render/job-names.js";
import type { CliResult } from "../../helpers/cli.js";
import { alive, apply, cleanupEngineTests, events, intern, makeProject, ofType, provision, records, runs, spawnApply, waitFor, waitForEvent, waitForRecords, type Project } from "../../helpers/engine.js";
import { accountedJobs, clusterEnv, slurm, SLURM_STATE } from "../../support/slurm.js";

const STATE = SLURM_STATE;

describe.skipIf(!STATE)("SlurmExecutor on a real cluster", () => {
  let env: Record<string, string>;
  let root: string;
  const calls: CommandSpec[] = [];
  const submitted: string[] = [];
  let executor: SlurmExecutor;

  beforeAll(() => {
    env = clusterEnv(STATE!);
    root = mkdtempSync(join(STATE!, "executor-test-"));
    executor = new SlurmExecutor({ env, timeoutMs: 15_000, cancelIntervalMs: 250, run: (spec) => (calls.push(spec), runCommand(spec)) });
  });

  afterAll(async () => {
    if (submitted.length > 0) await runCommand({ command: "scancel", args: submitted, env, timeoutMs: 15_000 }).catch(() => {});
  });

  /** A stage folder with a batch script shaped like the rendered job.sbatch. */
  function job(name: string, body: string, options: { timeLimitSeconds?: number; sbatch?: string[] } = {}): JobSpec {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const script = join(dir, "job.sbatch");
    const lines = [
      "#!/usr/bin/env bash",
      `#SBATCH --job-name=intern:executor-test:${name}`,
      `#SBATCH --comment=intern:run=${root.split("/").pop()}:stage=${name}:key=0123456789abcdef`,
      `#SBATCH --output=${join(dir, "job.log")}`,
      "#SBATCH --nodes=1",
      "#SBATCH --ntasks-per-node=1",
      "#SBATCH --time=0-00:10:00",
      "#SBATCH --kill-on-invalid-dep=yes",
      ...(options.sbatch ?? []).map((l) => `#SBATCH ${l}`),
      "set -euo pipefail",
      body,
    ];
    writeFileSync(script, `${lines.join("\n")}\n`, { mode: 0o755 });
    return { stageId: name, dir, script, env: {}, timeLimitSeconds: options.timeLimitSeconds ?? 600, gpus: 0 };
  }

  async function submit(j: JobSpec): Promise<string> {
    const ref = await executor.submit(j);
    submitted.push(ref);
    return ref;
  }

  async function until(ref: string, done: (s: JobStatus) => boolean, seconds: number): Promise<JobStatus> {
    const deadline = Date.now() + seconds * 1000;
    let last: JobStatus | undefined;
    while (Date.now() < deadline) {
      last = (await executor.poll([ref])).get(ref) ?? last;
      if (last && done(last)) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`job ${ref} still ${JSON.stringify(last)} after ${seconds} s`);
  }
  const finished = (s: JobStatus) => s.state !== "pending" && s.state !== "running";

  it("submits a job and sees it succeed, with its output in job.log and its usage from accounting", async () => {
    const j = job("ok", "echo hello from slurm");
    const ref = await submit(j);
    expect(ref).toMatch(/^\d+$/);
    const st = await until(ref, finished, 60);
    expect(st).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(st.usage).toMatchObject({ gpus: 0 });
    expect(readFileSync(executor.logPath(j), "utf8")).toContain("hello from slurm");
  }, 90_000);

  it("charges GPU-hours from accounting's AllocTRES x Elapsed", async () => {
    const ref = await submit(job("gpu", "sleep 2", { sbatch: ["--gres=gpu:1"] }));
    const st = await until(ref, finished, 60);
    expect(st.state).toBe("succeeded");
    expect(st.usage?.gpus).toBe(1);
    expect(st.usage!.elapsedSeconds).toBeGreaterThanOrEqual(2);
    expect(st.usage!.gpuHours).toBeCloseTo(st.usage!.elapsedSeconds / 3600, 6);
  }, 90_000);

  it("reports a failing job's exit code", async () => {
    const ref = await submit(job("fails", "exit 3"));
    expect(await until(ref, finished, 60)).toMatchObject({ state: "failed", exitCode: 3, failure: "failed" });
  }, 90_000);

  it("finds the job it submitted, from a fresh executor too, so a restart never submits twice", async () => {
    const j = job("find", "sleep 2");
    const ref = await submit(j);
    expect(await executor.find(j)).toBe(ref);
    expect(await new SlurmExecutor({ env }).find({ ...j, script: "" })).toBe(ref);
    await until(ref, finished, 60);
    expect(await executor.find(j)).toBe(ref);
    expect(await executor.find(job("never-submitted", "true"))).toBeNull();
  }, 90_000);

  it("refuses a job that asks for more GPUs than the node has, quickly and clearly", async () => {
    const started = Date.now();
    await expect(submit(job("too-many-gpus", "true", { sbatch: ["--gres=gpu:64"] }))).rejects.toMatchObject({
      code: "INTERN_SLURM_SUBMIT_FAILED",
      message: expect.stringMatching(/sbatch refused the job: .*(node configuration is not available|gres)/i),
      hint: expect.stringMatching(/compute.gpus/),
    });
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it("reports a job cancelled from outside as cancelled, and by whom", async () => {
    const ref = await submit(job("cancelled-outside", "sleep 300"));
    await until(ref, (s) => s.state === "running", 60);
    await runCommand({ command: "scancel", args: [ref], env, timeoutMs: 15_000 });
    const st = await until(ref, finished, 60);
    expect(st.state).toBe("cancelled");
    expect(st.reason).toMatch(/^cancelled by .*uid \d+/);
  }, 90_000);

  it("cancel() returns once squeue no longer lists the job", async () => {
    const ref = await submit(job("cancelled-by-us", "sleep 300"));
    await until(ref, (s) => s.state === "running" || s.state === "pending", 60);
    await executor.cancel(ref);
    const live = await runCommand({ command: "squeue", args: [`--jobs=${ref}`, "--noheader"], env, timeoutMs: 15_000 });
    expect(live.stdout.trim()).toBe("");
    expect(await until(ref, finished, 30)).toMatchObject({ state: "cancelled" });
  }, 90_000);

  it("polls 50 jobs in flight with one squeue call, and at most one sacct call, per poll", async () => {
    const refs: string[] = [];
    // Half finish at once, half wait (pending until an hour from now, holding no CPU): polls see live and finished jobs together.
    for (let i = 0; i < 50; i++) refs.push(await submit(i % 2 === 0 ? job(`many-${i}`, "true") : job(`many-${i}`, "true", { sbatch: ["--begin=now+3600"] })));
    let polls = 0;
    let finished = 0;
    for (const deadline = Date.now() + 120_000; finished < 25 && Date.now() < deadline; polls++) {
      calls.length = 0;
      const st = await executor.poll(refs);
      expect(calls.filter((c) => c.command === "squeue"), `poll ${polls}`).toHaveLength(1);
      expect(calls.filter((c) => c.command === "sacct").length, `poll ${polls}`).toBeLessThanOrEqual(1);
      expect(calls).toHaveLength(calls.filter((c) => c.command === "squeue" || c.command === "sacct").length);
      expect(calls.every((c) => c.timeoutMs === 15_000)).toBe(true);
      finished = [...st.values()].filter((s) => s.state === "succeeded").length;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(finished).toBe(25);
    expect(polls).toBeGreaterThan(1);
    await runCommand({ command: "scancel", args: refs, env, timeoutMs: 15_000 });
  }, 180_000);
});

/**
 * `intern apply` on the cluster, with the engine's stand-in job templates (quick shell scripts in
 * place of `trl sft` and the evaluator): the whole pipeline, and every fault the engine must
 * survive. These run one after another: one of them restarts slurmctld.
 */
describe.skipIf(!STATE)("intern apply on a real Slurm cluster", () => {
  let env: Record<string, string>;
  /** The TIMEOUT case takes two minutes (Slurm counts whole minutes): it runs beside the others. */
  let slow: { project: Project; result: Promise<CliResult> };
  const onSlurm = (changes: Record<string, unknown> = {}) => makeProject({ changes: { compute: { backend: "slurm" }, ...changes } });
  const jobName = (stage: string) => slurmJobName("engine-fixture", stage);
  const stageDir = (project: Project, stage: string) => join(runDir(project.dir, runs(project).at(-1)!), "stages", stage);
  const submittedRef = (project: Project, stage: string) => ofType(events(project), "job_submitted").filter((e) => e.stage === stage).at(-1)?.ref;
  /** The accounting records of a stage's jobs in the project's run, once accounting has them all (it lags a little behind). */
  const accounted = async (project: Project, stage: string, count = 1) => {
    for (let i = 0; ; i++) {
      const ours = (await accountedJobs(env, jobName(stage))).filter((j) => j.workDir === stageDir(project, stage));
      if ((ours.length >= count && ours.every((j) => !/^(PENDING|RUNNING|REQUEUED)/.test(j.state))) || i >= 50) return ours;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const live = async (ref: string) => (await slurm(env, "squeue", [`--jobs=${ref}`, "--noheader", "--format=%T"]).catch(() => "")).trim();

  beforeAll(async () => {
    await provision();
    env = clusterEnv(STATE!);
    const project = onSlurm({ training: { time_limit: "1m" } });
    slow = { project, result: apply(project, ["--poll-interval", "1000"], { ...env, INTERN_TEST_TRAIN_SLEEP: "600" }) };
  }, 900_000);

  afterAll(async () => {
    const refs = projects().flatMap((p) => (runs(p).length > 0 ? ofType(events(p), "job_submitted").map((e) => e.ref) : []));
    if (refs.length > 0) await slurm(env, "scancel", refs).catch(() => "");
    cleanupEngineTests();
  });

  const projectsMade: Project[] = [];
  const projects = () => [slow.project, ...projectsMade];
  const make = (changes: Record<string, unknown> = {}) => {
    const p = onSlurm(changes);
    projectsMade.push(p);
    return p;
  };

  it("runs the pipeline as Slurm jobs, one job per stage, charging GPU-hours from accounting", async () => {
    const project = make({ compute: { backend: "slurm", gpus: 1 } });
    const r = await apply(project, [], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const all = events(project);
    const submitted = ofType(all, "job_submitted");
    // Data preparation runs inside intern; the three job stages are Slurm jobs.
    expect(submitted.map((e) => e.stage).sort()).toEqual(["baseline", "evaluate", "train"]);
    for (const e of submitted) expect(e.job).toBe(`Slurm job ${e.ref}`);
    expect(r.stdout).toMatch(/train: Slurm job \d+ submitted \(time limit 10m\)/);
    for (const stage of ["baseline", "train", "evaluate"]) expect((await accounted(project, stage)).map((j) => j.state), stage).toEqual(["COMPLETED"]);
    // The training job had one (fake) GPU: its GPU-hours are accounting's, not intern's clock.
    const train = ofType(all, "stage_done").find((e) => e.stage === "train")!;
    const [acct] = await accounted(project, "train");
    expect(acct!.allocTres).toContain("gres/gpu=1");
    const [, mm = "0", ss = "0"] = /(\d+):(\d+)$/.exec(acct!.elapsed) ?? [];
    expect(train.gpuHours).toBeCloseTo((Number(mm) * 60 + Number(ss)) / 3600, 9);
    expect(ofType(all, "stage_done").find((e) => e.stage === "evaluate")?.outputs.value).toBe(0.676);
    // The batch script asks what intern's policy needs of Slurm.
    const script = readFileSync(join(stageDir(project, "train"), "job.sbatch"), "utf8");
    expect(script).toContain("#SBATCH --gres=gpu:1");
    expect(script).toContain("#SBATCH --no-requeue");
    expect(script).toContain("#SBATCH --kill-on-invalid-dep=yes");
    const logs = await intern(project, ["logs", runs(project)[0]!, "train"], env);
    expect(logs.stdout).toContain("training on");
  }, 180_000);

  it("reports a job cancelled from outside (scancel) as a failed stage, cancelled by whom", async () => {
    const project = make();
    const running = apply(project, [], { ...env, INTERN_TEST_TRAIN_SLEEP: "300" });
    await waitForRecords(project, "train.runs", 1, 120_000);
    const ref = submittedRef(project, "train")!;
    await slurm(env, "scancel", [ref]);
    const r = await running;
    expect(r.code).toBe(1);
    const failed = ofType(events(project), "stage_failed");
    expect(failed.map((e) => [e.stage, e.state, e.code])).toEqual([["train", "cancelled", "INTERN_JOB_CANCELLED"]]);
    expect(failed[0]!.error).toMatch(/^stage train: job cancelled by .*uid \d+/);
    expect(r.stdout).toMatch(/train: FAILED: stage train: job cancelled by/);
  }, 180_000);

  it("refuses a job asking for more GPUs than any node has, at once and clearly", async () => {
    const project = make({ compute: { backend: "slurm", gpus: 4 } });
    const started = Date.now();
    const r = await apply(project, [], env);
    expect(r.code).toBe(1);
    const failed = ofType(events(project), "stage_failed").find((e) => e.stage === "train")!;
    expect(failed.code).toBe("INTERN_SLURM_SUBMIT_FAILED");
    expect(failed.error).toMatch(/sbatch refused the job: .*(node configuration is not available|gres)/i);
    expect(failed.hint).toMatch(/compute.gpus/);
    expect(Date.now() - started).toBeLessThan(90_000);
    // Slurm records a refused job in accounting as FAILED that never ran; nothing of it ran.
    const ours = await accounted(project, "train", 0);
    for (const j of ours) expect([j.state, j.elapsed]).toEqual(["FAILED", "00:00:00"]);
    expect(records(project, "train.runs")).toEqual([]);
  }, 180_000);

  it("re-attaches to the job it had submitted after intern is killed: exactly one job per stage", async () => {
    const project = make();
    const first = spawnApply(project, [], { ...env, INTERN_TEST_TRAIN_SLEEP: "12" });
    await waitForRecords(project, "train.runs", 1, 120_000);
    const ref = submittedRef(project, "train")!;
    first.child.kill("SIGKILL");
    await first.exited;
    expect(await live(ref)).toBe("RUNNING");
    const again = await apply(project, [], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain(`re-attached to the job that was running (Slurm job ${ref})`);
    expect(runs(project)).toHaveLength(1);
    for (const stage of ["baseline", "train", "evaluate"]) expect((await accounted(project, stage)).map((j) => j.state), stage).toEqual(["COMPLETED"]);
    expect(records(project, "train.runs")).toHaveLength(1);
  }, 180_000);

  it("keeps polling while slurmctld is stopped and restarted, and finishes the run", async () => {
    const project = make();
    const running = apply(project, [], { ...env, INTERN_TEST_TRAIN_SLEEP: "45" });
    await waitForRecords(project, "train.runs", 1, 120_000);
    const pidFile = join(STATE!, "run", "slurmctld.pid");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    await slurm(env, "scontrol", ["shutdown", "slurmctld"]);
    await waitFor("slurmctld to exit", () => !alive(pid), 60_000);
    // The controller stays down until a poll has found it down (Slurm's clients retry a down
    // controller for about MessageTimeout before they give up), however slow the machine is.
    const controllerDown = /^squeue: .*(Unable to contact slurm controller|did not finish within|Connection refused|Socket timed out|Zero Bytes were transmitted)/;
    let said: RunEvent;
    try {
      said = await waitForEvent(project, "a poll to find slurmctld down", (e) => e.type === "message" && controllerDown.test(e.text), 120_000).catch(async (error: Error) => {
        const ping = await runCommand({ command: "scontrol", args: ["ping"], env, timeoutMs: 30_000 }).then((p) => p.stdout, (e: Error) => e.message);
        throw new Error(`${error.message}\nscontrol ping: ${ping}\nlast events:\n${events(project).slice(-8).map((e) => JSON.stringify(e)).join("\n")}`);
      });
    } finally {
      // Restarted whatever happened: the tests after this one need the controller.
      await runCommand({ command: "slurmctld", args: ["-f", env.SLURM_CONF!], env, timeoutMs: 30_000 });
    }
    const r = await running;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ofType(events(project), "stage_done").map((e) => e.stage)).toContain("report");
    // The poll that found the controller down said so, and nothing failed for it.
    expect(r.stdout).toContain(` ${said.type === "message" ? said.text : "(not a message)"}\n`);
    expect(ofType(events(project), "stage_failed")).toEqual([]);
  }, 240_000);

  it("Ctrl-C cancels the run's jobs and waits until Slurm no longer lists them", async () => {
    const project = make();
    const child = spawnApply(project, [], { ...env, INTERN_TEST_TRAIN_SLEEP: "300" });
    await waitForRecords(project, "train.runs", 1, 120_000);
    const ref = submittedRef(project, "train")!;
    child.child.kill("SIGINT");
    expect((await child.exited).code).toBe(130);
    expect(await live(ref)).toBe("");
    // Accounting records the end a moment after the controller forgets the job.
    let state = "";
    for (let i = 0; i < 50 && !state.startsWith("CANCELLED"); i++) {
      state = (await accountedJobs(env, jobName("train"))).find((j) => j.id === ref)?.state ?? "";
      if (!state.startsWith("CANCELLED")) await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toMatch(/^CANCELLED/);
    expect(ofType(events(project), "stage_failed").map((e) => [e.stage, e.code])).toEqual([["train", "INTERN_CANCELLED"]]);
  }, 180_000);

  it("reports a job past its time limit as TIMEOUT, with the hint to raise it", async () => {
    const r = await slow.result;
    expect(r.code).toBe(1);
    const failed = ofType(events(slow.project), "stage_failed").find((e) => e.stage === "train")!;
    expect(failed).toMatchObject({ state: "timeout", code: "INTERN_JOB_FAILED" });
    expect(failed.error).toBe("stage train: job ran past its time limit (Slurm TIMEOUT)");
    expect(failed.hint).toMatch(/raise the stage's time limit \(training.time_limit/);
    expect(r.stdout).toContain("hint: raise the stage's time limit");
    const ref = submittedRef(slow.project, "train")!;
    expect(ofType(events(slow.project), "job_submitted").find((e) => e.ref === ref)?.timeLimitSeconds).toBe(60);
  }, 300_000);
});
