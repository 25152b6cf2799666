import { describe, expect, it } from "vitest";
import { parseSacct } from "../../../src/executors/slurm/parse-sacct.js";
import { parseSbatchId, sbatchErrorLines, submitHint } from "../../../src/executors/slurm/parse-sbatch.js";
import { isInvalidJobId, parseSqueue } from "../../../src/executors/slurm/parse-squeue.js";
import { parseElapsed, parseGpus, parseUsage } from "../../../src/executors/slurm/parse-tres.js";
import { parseIdentity } from "../../../src/executors/slurm/script-identity.js";

describe("squeue output", () => {
  it("reads id, state and reason per line, keeping a reason's own bars", () => {
    expect(parseSqueue("12|RUNNING|None\n13|PENDING|Resources\n\n14|PENDING|a|b\n")).toEqual([
      { jobId: "12", state: "RUNNING", reason: "None" },
      { jobId: "13", state: "PENDING", reason: "Resources" },
      { jobId: "14", state: "PENDING", reason: "a|b" },
    ]);
  });
  it("knows squeue's error for a job id it has forgotten", () => {
    expect(isInvalidJobId("`squeue --jobs=999` exited with code 1:\n  | slurm_load_jobs error: Invalid job id specified")).toBe(true);
    expect(isInvalidJobId("slurm_load_jobs error: Unable to contact slurm controller (connect failure)")).toBe(false);
  });
});

describe("sacct output", () => {
  it("reads the allocation's line, skips steps, and splits the canceller from the state", () => {
    const rows = parseSacct(
      ["1|FAILED|3:0|billing=1,cpu=1,mem=256M,node=1|00:00:01|None", "1.batch|FAILED|3:0|cpu=1,mem=256M,node=1|00:00:01|", "2|CANCELLED by 0|0:0|billing=1,cpu=1,gres/gpu=2,mem=256M,node=1|01:30:00|None", "3|COMPLETED|0:0||00:00:00|None"].join("\n"),
    );
    expect([...rows.keys()]).toEqual(["1", "2", "3"]);
    expect(rows.get("1")).toMatchObject({ state: "FAILED", exitCode: 3, signal: 0, cancelledBy: null, usage: { gpus: 0, elapsedSeconds: 1, gpuHours: 0 } });
    expect(rows.get("2")).toMatchObject({ state: "CANCELLED", cancelledBy: "0", usage: { gpus: 2, elapsedSeconds: 5400, gpuHours: 3 } });
  });
  it("keeps the latest line of a requeued job", () => {
    expect(parseSacct("5|NODE_FAIL|0:0||00:10:00|None\n5|RUNNING|0:0||00:01:00|None\n").get("5")?.state).toBe("RUNNING");
  });
});

describe("usage", () => {
  it("counts GPUs from AllocTRES, untyped first, typed summed otherwise", () => {
    expect(parseGpus("cpu=4,gres/gpu=2,gres/gpu:a100=2,mem=16G")).toBe(2);
    expect(parseGpus("cpu=4,gres/gpu:a100=2,gres/gpu:h100=1")).toBe(3);
    expect(parseGpus("cpu=4,mem=1G")).toBe(0);
  });
  it("reads Slurm durations", () => {
    expect(parseElapsed("00:00:04")).toBe(4);
    expect(parseElapsed("1-02:03:04")).toBe(93784);
    expect(parseElapsed("03:04")).toBe(184);
    expect(parseElapsed("00:01.500")).toBe(1.5);
    expect(parseElapsed("INVALID")).toBeNull();
    expect(parseUsage("gres/gpu=4", "02:00:00")).toEqual({ gpus: 4, elapsedSeconds: 7200, gpuHours: 8 });
  });
});

describe("sbatch output", () => {
  it("reads the job id, with or without a cluster", () => {
    expect(parseSbatchId("123\n")).toBe("123");
    expect(parseSbatchId("123;cluster\n")).toBe("123");
    expect(parseSbatchId("Submitted batch job 123\n")).toBeNull();
  });
  it("says why a submission was refused, with a hint", () => {
    const msg = "`sbatch --parsable job.sbatch` exited with code 1:\n  | sbatch: error: Batch job submission failed: Requested node configuration is not available";
    const reason = sbatchErrorLines(msg);
    expect(reason).toBe("Batch job submission failed: Requested node configuration is not available");
    expect(submitHint(reason)).toMatch(/compute.gpus/);
  });
});

describe("batch script identity", () => {
  it("reads the job name and comment the template writes", () => {
    const script = "#!/usr/bin/env bash\n#SBATCH --job-name=intern:qs:train\n#SBATCH --comment=intern:run=r1:stage=train:key=abc\n#SBATCH --time=0-00:01:00\n";
    expect(parseIdentity(script)).toEqual({ name: "intern:qs:train", comment: "intern:run=r1:stage=train:key=abc" });
    expect(parseIdentity("#!/bin/bash\necho hi\n")).toBeNull();
  });
});
