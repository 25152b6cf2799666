/**
 * Integration tests against a real Slurm cluster. CI does not start a cluster yet: these run only
 * when INTERN_TEST_SLURM_STATE names the STATE_DIR of a running one, e.g.
 *
 *   test/slurm/start.sh /tmp/intern-slurm
 *   INTERN_TEST_SLURM_STATE=/tmp/intern-slurm npx vitest run test/executors/slurm
 *   test/slurm/stop.sh /tmp/intern-slurm
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMEOUT_HINT } from "../../../src/executors/slurm/map-state.js";
import { SlurmExecutor } from "../../../src/executors/slurm/slurm-executor.js";
import type { JobSpec, JobStatus } from "../../../src/executors/types.js";
import { runCommand, type CommandSpec } from "../../../src/process/run-process.js";

const STATE = process.env.INTERN_TEST_SLURM_STATE;

/** The `export K=V` lines of the cluster's env.sh (SLURM_CONF above all). */
function clusterEnv(stateDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(stateDir, "env.sh"), "utf8").split("\n")) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, "");
  }
  return env;
}

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

  it("polls 20 jobs in flight with exactly one squeue call", async () => {
    const refs: string[] = [];
    for (let i = 0; i < 20; i++) refs.push(await submit(job(`many-${i}`, "sleep 120")));
    calls.length = 0;
    const st = await executor.poll(refs);
    expect(calls.filter((c) => c.command === "squeue")).toHaveLength(1);
    expect(calls.filter((c) => c.command === "sacct").length).toBeLessThanOrEqual(1);
    expect(calls.every((c) => c.timeoutMs === 15_000)).toBe(true);
    expect(st.size).toBe(20);
    for (const s of st.values()) expect(["pending", "running"]).toContain(s.state);
    await runCommand({ command: "scancel", args: refs, env, timeoutMs: 15_000 });
  }, 90_000);

  it("reports a job past its --time as timeout, with the hint to raise time_limit", async () => {
    const ref = await submit(job("too-slow", "sleep 600", { timeLimitSeconds: 60 }));
    const st = await until(ref, finished, 200);
    expect(st).toMatchObject({ state: "timeout", failure: "timeout", hint: TIMEOUT_HINT });
  }, 240_000);
});
