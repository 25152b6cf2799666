import { describe, expect, it } from "vitest";
import { SlurmExecutor } from "../../../src/executors/slurm/slurm-executor.js";
import { ChildProcessError, type CommandSpec } from "../../../src/process/run-process.js";

type Reply = string | Error;

/** A fake Slurm: answers each command from a function, and records every call. */
function fake(answer: (spec: CommandSpec) => Reply) {
  const calls: CommandSpec[] = [];
  const run = async (spec: CommandSpec) => {
    calls.push(spec);
    const r = answer(spec);
    if (r instanceof Error) throw r;
    return { stdout: r, stderr: "", exitCode: 0 };
  };
  return { calls, executor: new SlurmExecutor({ run, sleep: async () => {} }) };
}

const fail = (cmd: string, tail: string) => new ChildProcessError(cmd, 1, tail, "exited with code 1");
const hang = (cmd: string) => new ChildProcessError(cmd, null, "", "did not finish within 30 s");

describe("SlurmExecutor.poll", () => {
  it("makes one squeue call for all jobs, and one sacct call only for those that finished", async () => {
    const { calls, executor } = fake((s) => (s.command === "squeue" ? "1|RUNNING|None\n2|PENDING|Resources\n3|COMPLETED|None\n" : "3|COMPLETED|0:0|gres/gpu=1|00:30:00|None\n4|FAILED|2:0||00:00:01|None\n"));
    const st = await executor.poll(["1", "2", "3", "4"]);
    expect(calls.map((c) => c.command)).toEqual(["squeue", "sacct"]);
    expect(calls[0]!.args).toContain("--jobs=1,2,3,4");
    expect(calls[1]!.args.slice(0, 2)).toEqual(["-j", "3,4"]);
    expect(calls.every((c) => c.timeoutMs === 30_000)).toBe(true);
    expect(st.get("1")?.state).toBe("running");
    expect(st.get("2")?.state).toBe("pending");
    expect(st.get("3")).toMatchObject({ state: "succeeded", usage: { gpus: 1, gpuHours: 0.5 } });
    expect(st.get("4")).toMatchObject({ state: "failed", exitCode: 2 });
  });

  it("makes no sacct call while every job is live", async () => {
    const { calls, executor } = fake(() => "1|RUNNING|None\n");
    await executor.poll(["1"]);
    expect(calls.map((c) => c.command)).toEqual(["squeue"]);
  });

  it("asks sacct when squeue has forgotten the only job", async () => {
    const { executor } = fake((s) => (s.command === "squeue" ? fail("squeue", "slurm_load_jobs error: Invalid job id specified") : "7|TIMEOUT|0:0||00:01:00|TimeLimit\n"));
    expect((await executor.poll(["7"])).get("7")).toMatchObject({ state: "timeout", failure: "timeout" });
  });

  it("leaves jobs unknown, never failed, while the controller and accounting do not answer", async () => {
    const { executor } = fake((s) => hang(s.command));
    for (let i = 0; i < 5; i++) expect((await executor.poll(["1", "2"])).size).toBe(0);
  });

  it("takes accounting's word on live jobs while only the controller is down", async () => {
    const { executor } = fake((s) => (s.command === "squeue" ? fail("squeue", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)") : "1|RUNNING|0:0||00:01:00|None\n"));
    expect((await executor.poll(["1"])).get("1")?.state).toBe("running");
  });

  it("waits for accounting to catch up with squeue, then takes squeue's word", async () => {
    const { executor } = fake((s) => (s.command === "squeue" ? "1|COMPLETED|None\n" : "1|RUNNING|0:0||00:01:00|None\n"));
    expect((await executor.poll(["1"])).get("1")?.state).toBe("running");
    expect((await executor.poll(["1"])).get("1")?.state).toBe("running");
    expect((await executor.poll(["1"])).get("1")?.state).toBe("succeeded");
  });

  it("calls a job lost once both answered without it a few times", async () => {
    const { executor } = fake(() => "");
    expect((await executor.poll(["9"])).has("9")).toBe(false);
    expect((await executor.poll(["9"])).has("9")).toBe(false);
    expect((await executor.poll(["9"])).get("9")?.state).toBe("lost");
  });

  it("uses squeue's verdict on a cluster without accounting", async () => {
    const { executor } = fake((s) => (s.command === "squeue" ? "1|FAILED|NonZeroExitCode\n" : fail("sacct", "sacct: error: Slurm accounting storage is disabled")));
    expect((await executor.poll(["1"])).get("1")).toMatchObject({ state: "failed", failure: "failed" });
  });
});

describe("SlurmExecutor.cancel", () => {
  it("scancels, then waits until squeue no longer lists the job", async () => {
    let listed = 2;
    const { calls, executor } = fake((s) => (s.command === "scancel" ? "" : listed-- > 0 ? "5|COMPLETING\n" : ""));
    await executor.cancel("5");
    expect(calls.map((c) => c.command)).toEqual(["scancel", "squeue", "squeue", "squeue"]);
  });

  it("takes a job that already ended as cancelled", async () => {
    const { calls, executor } = fake((s) => (s.command === "scancel" ? fail("scancel", "scancel: error: Kill job error on job id 5: Job/step already completing or completed") : fail("squeue", "slurm_load_jobs error: Invalid job id specified")));
    await executor.cancel("5");
    expect(calls.map((c) => c.command)).toEqual(["scancel", "squeue"]);
  });
});

describe("SlurmExecutor.submit", () => {
  const spec = { stageId: "train", dir: "/nonexistent/stage", script: "/nonexistent/stage/job.sbatch", env: {}, timeLimitSeconds: 150, gpus: 0 };
  const down = () => fail("sbatch", "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)");

  it("keeps trying while the controller does not answer, then returns the job id", async () => {
    let tries = 0;
    const { calls, executor } = fake((s) => (s.command === "sbatch" && ++tries < 3 ? down() : "42\n"));
    expect(await executor.submit(spec)).toBe("42");
    expect(calls.map((c) => c.command)).toEqual(["sbatch", "sbatch", "sbatch"]);
  });

  it("submits the batch script as rendered: its own --time is the limit, nothing overrides it", async () => {
    const { calls, executor } = fake(() => "42\n");
    await executor.submit(spec);
    expect(calls[0]!.args).toEqual(["--parsable", spec.script]);
  });

  it("does not try again when sbatch refuses the job, and says why with a hint", async () => {
    const { calls, executor } = fake(() => fail("sbatch", "sbatch: error: Batch job submission failed: Requested node configuration is not available"));
    await expect(executor.submit(spec)).rejects.toMatchObject({ code: "INTERN_SLURM_SUBMIT_FAILED", message: expect.stringContaining("Requested node configuration is not available"), hint: expect.stringContaining("compute.gpus") });
    expect(calls).toHaveLength(1);
  });

  it("gives up once the retry window has passed", async () => {
    const executor = new SlurmExecutor({ run: async () => Promise.reject(down()), sleep: async () => {}, submitRetryMs: 0 });
    await expect(executor.submit(spec)).rejects.toMatchObject({ code: "INTERN_SLURM_SUBMIT_FAILED", hint: expect.stringContaining("scontrol ping") });
  });
});
