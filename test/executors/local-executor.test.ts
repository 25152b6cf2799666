import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalExecutor } from "../../src/executors/local/local-executor.js";
import type { JobSpec, JobStatus } from "../../src/executors/types.js";
import { groupAlive, isAlive } from "../../src/process/spawn-detached.js";
import { waitFor } from "../helpers/engine.js";

let dir: string;
const started: { pid: number; dir: string }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "intern-local-executor-"));
});

afterEach(() => {
  for (const s of started.splice(0)) {
    for (const g of [s.pid, Number(readText(join(s.dir, "job.pgid")))]) {
      try {
        if (g > 1) process.kill(-g, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

/** A job whose run.sh is `body`, in its own folder. */
function job(body: string, options: { timeLimitSeconds?: number; env?: Record<string, string>; name?: string } = {}): JobSpec {
  const jobDir = join(dir, options.name ?? "stage");
  mkdirSync(jobDir, { recursive: true });
  const script = join(jobDir, "run.sh");
  writeFileSync(script, `set -eu\n${body}\n`);
  chmodSync(script, 0o755);
  return { stageId: "stage", dir: jobDir, script, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env }, timeLimitSeconds: options.timeLimitSeconds ?? 60, gpus: 0 };
}

async function submit(executor: LocalExecutor, spec: JobSpec): Promise<string> {
  const ref = await executor.submit(spec);
  started.push({ pid: (JSON.parse(ref) as { pid: number }).pid, dir: spec.dir });
  return ref;
}

/** Polls until the job is no longer pending or running. */
async function settle(executor: LocalExecutor, r: string, timeoutMs = 20_000): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = (await executor.poll([r])).get(r)!;
    if (st.state !== "running" && st.state !== "pending") return st;
    if (Date.now() > deadline) throw new Error(`job ${r} still ${st.state} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const ref = (r: string) => JSON.parse(r) as { pid: number; start: string; dir: string };

describe("LocalExecutor", () => {
  it("runs a job detached, with its environment, output in job.log and the exit status in a file", async () => {
    const executor = new LocalExecutor();
    const spec = job('echo "hello from $GREETING"; sleep 0.3', { env: { GREETING: "the job" } });
    const r = await submit(executor, spec);
    expect((await executor.poll([r])).get(r)!.state).toBe("running");
    expect(readText(join(spec.dir, "job.ref"))).toBe(r);
    expect(await settle(executor, r)).toEqual({ state: "succeeded", exitCode: 0, reason: null });
    expect(readFileSync(executor.logPath(spec), "utf8")).toContain("hello from the job");
    expect(readText(join(spec.dir, "exit_code"))).toBe("0");
  });

  it("reports a non-zero exit with its code", async () => {
    const executor = new LocalExecutor();
    const r = await submit(executor, job("echo failing; exit 5"));
    expect(await settle(executor, r)).toEqual({ state: "failed", exitCode: 5, reason: "exited with code 5" });
  });

  it("stops a job at its time limit, even with nobody polling", async () => {
    const executor = new LocalExecutor();
    const r = await submit(executor, job("sleep 30", { timeLimitSeconds: 1 }));
    await new Promise((res) => setTimeout(res, 2500));
    const st = (await executor.poll([r])).get(r)!;
    expect(st).toMatchObject({ state: "timeout", exitCode: 124 });
  });

  it("cancel stops every process of the job, the script's too, and says cancelled", async () => {
    const executor = new LocalExecutor();
    const spec = job("sleep 30 & wait");
    const r = await submit(executor, spec);
    const pgid = Number(await waitFor("job.pgid", () => readText(join(spec.dir, "job.pgid"))));
    await waitFor("the script's sleep", () => groupAlive(pgid));
    await executor.cancel(r);
    expect(isAlive(ref(r).pid, ref(r).start)).toBe(false);
    expect(groupAlive(pgid)).toBe(false);
    expect(groupAlive(ref(r).pid)).toBe(false);
    expect((await executor.poll([r])).get(r)!.state).toBe("cancelled");
  });

  it("a new executor (intern restarted) finds the job by its folder and reads how it ended", async () => {
    const first = new LocalExecutor();
    const spec = job("sleep 0.5; exit 3");
    const r = await submit(first, spec);
    const later = new LocalExecutor();
    expect(await later.find(spec)).toBe(r);
    expect((await later.poll([r])).get(r)!.state).toBe("running");
    expect(await settle(later, r)).toMatchObject({ state: "failed", exitCode: 3 });
    expect(await later.find(job("true", { name: "never-submitted" }))).toBeNull();
  });

  it("forgets a finished job of a stage before a new attempt, so a restart cannot mistake it for the new one", async () => {
    const executor = new LocalExecutor();
    const spec = job("exit 3");
    const r = await submit(executor, spec);
    await settle(executor, r);
    expect(await executor.find(spec)).toBe(r);
    await executor.discard(spec);
    expect(await executor.find(spec)).toBeNull();
  });

  it("a job killed from outside, with no exit status, is lost", async () => {
    const executor = new LocalExecutor();
    const spec = job("sleep 30");
    const r = await submit(executor, spec);
    const pgid = Number(await waitFor("job.pgid", () => readText(join(spec.dir, "job.pgid"))));
    await waitFor("the script's group", () => groupAlive(pgid));
    for (const g of [ref(r).pid, pgid]) process.kill(-g, "SIGKILL");
    await waitFor("the wrapper to die", () => !isAlive(ref(r).pid, ref(r).start));
    expect((await executor.poll([r])).get(r)!).toMatchObject({ state: "lost", exitCode: null });
  });

  it("resubmitting clears the previous attempt's exit status", async () => {
    const executor = new LocalExecutor();
    const spec = job("exit 4");
    expect(await settle(executor, await submit(executor, spec))).toMatchObject({ state: "failed", exitCode: 4 });
    writeFileSync(spec.script, "sleep 0.3\n");
    const again = await submit(executor, spec);
    expect((await executor.poll([again])).get(again)!.state).toBe("running");
    expect(await settle(executor, again)).toMatchObject({ state: "succeeded" });
  });
});
