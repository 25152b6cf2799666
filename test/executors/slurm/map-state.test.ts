import { userInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { finishedStatus, isLive, liveStatus, OOM_HINT, TIMEOUT_HINT } from "../../../src/executors/slurm/map-state.js";

const row = (state: string, extra: Partial<Parameters<typeof finishedStatus>[0]> = {}) => finishedStatus({ state, cancelledBy: null, exitCode: 0, signal: 0, reason: "None", ...extra });

describe("Slurm states", () => {
  it("tells live states from finished ones", () => {
    for (const s of ["PENDING", "REQUEUED", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED"]) expect(isLive(s)).toBe(true);
    for (const s of ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"]) expect(isLive(s)).toBe(false);
    expect(liveStatus("PENDING").state).toBe("pending");
    expect(liveStatus("COMPLETING").state).toBe("running");
  });

  it("maps every terminal state to a state, a retry kind and a hint", () => {
    expect(row("COMPLETED")).toEqual({ state: "succeeded", exitCode: 0, reason: null });
    expect(row("FAILED", { exitCode: 3, reason: "NonZeroExitCode" })).toEqual({ state: "failed", exitCode: 3, reason: "exited with code 3", failure: "failed" });
    expect(row("FAILED", { exitCode: 0, signal: 9 }).reason).toBe("was killed by signal 9");
    expect(row("TIMEOUT")).toMatchObject({ state: "timeout", failure: "timeout", hint: TIMEOUT_HINT });
    expect(row("OUT_OF_MEMORY")).toMatchObject({ state: "failed", failure: "out_of_memory", hint: OOM_HINT });
    expect(row("NODE_FAIL")).toMatchObject({ state: "failed", failure: "node_fail" });
    expect(row("PREEMPTED")).toMatchObject({ state: "failed", failure: "preempted" });
    expect(row("BOOT_FAIL")).toMatchObject({ state: "failed", failure: "boot_fail" });
    expect(row("DEADLINE")).toMatchObject({ state: "failed", failure: "failed", reason: expect.stringMatching(/deadline/) });
    expect(row("REVOKED")).toMatchObject({ state: "failed", reason: "ended in Slurm state REVOKED" });
    expect(TIMEOUT_HINT).toMatch(/time_limit/);
    expect(OOM_HINT).toMatch(/batch size.*--mem/);
  });

  it("says who cancelled a job", () => {
    const me = userInfo();
    expect(row("CANCELLED", { cancelledBy: String(me.uid) })).toMatchObject({ state: "cancelled", cancelledBy: `${me.username} (uid ${me.uid})`, reason: `cancelled by ${me.username} (uid ${me.uid})` });
    expect(row("CANCELLED", { cancelledBy: "4242424" }).reason).toBe("cancelled by uid 4242424");
    expect(row("CANCELLED").reason).toBe("cancelled");
  });

  it("carries accounting's usage", () => {
    expect(row("COMPLETED", { usage: { gpus: 2, elapsedSeconds: 3600, gpuHours: 2 } }).usage).toEqual({ gpus: 2, elapsedSeconds: 3600, gpuHours: 2 });
  });
});
