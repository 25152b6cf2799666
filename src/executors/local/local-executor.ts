import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { groupAlive, isAlive, killGroup, spawnDetached } from "../../process/spawn-detached.js";
import type { Executor, JobSpec, JobStatus } from "../types.js";

/**
 * The job wrapper: runs the stage script under `timeout`, so the time limit holds even when
 * intern is not running, and records the exit status in a file (a detached process's status
 * cannot be waited for after a restart). `timeout` puts itself and the script in a process
 * group of their own, apart from the wrapper's; its id goes to a file so `cancel` can stop
 * the script too, after a restart as well. Paths arrive as arguments, never pasted into code.
 */
const WRAPPER =
  'timeout --signal=TERM --kill-after=30 "$1" bash "$2" & printf "%s\\n" "$!" > "$4"; wait "$!"; code=$?; printf "%s\\n" "$code" > "$3.tmp" && mv "$3.tmp" "$3"';

interface LocalRef {
  pid: number;
  start: string;
  dir: string;
}

function parse(ref: string): LocalRef {
  return JSON.parse(ref) as LocalRef;
}

const TIMEOUT_EXIT = 124;

/** Runs job stages as processes on this machine. */
export class LocalExecutor implements Executor {
  readonly name = "local";
  private readonly cancelled = new Set<string>();

  logPath(job: Pick<JobSpec, "dir">): string {
    return join(job.dir, "job.log");
  }

  describe(job: JobSpec): string {
    return `bash ${job.script} (time limit ${job.timeLimitSeconds} s, log ${this.logPath(job)})`;
  }

  label(ref: string): string {
    return `process ${parse(ref).pid}`;
  }

  async submit(job: JobSpec): Promise<string> {
    for (const f of ["exit_code", "exit_code.tmp", "job.pgid"]) if (existsSync(join(job.dir, f))) writeFileSync(join(job.dir, f), "");
    const limit = Math.max(1, Math.ceil(job.timeLimitSeconds));
    const { pid, startTime } = spawnDetached("bash", ["-c", WRAPPER, "intern-job", String(limit), job.script, join(job.dir, "exit_code"), join(job.dir, "job.pgid")], {
      cwd: job.dir,
      env: job.env,
      logFile: this.logPath(job),
    });
    const ref = JSON.stringify({ pid, start: startTime, dir: job.dir } satisfies LocalRef);
    // Written before submit returns: a restart finds the job here even if the event was lost.
    writeFileSync(join(job.dir, "job.ref"), ref);
    return ref;
  }

  async discard(job: Pick<JobSpec, "dir">): Promise<void> {
    for (const f of ["job.ref", "exit_code", "exit_code.tmp"]) rmSync(join(job.dir, f), { force: true });
  }

  async find(job: JobSpec): Promise<string | null> {
    const path = join(job.dir, "job.ref");
    if (!existsSync(path)) return null;
    const ref = readFileSync(path, "utf8").trim();
    return ref === "" ? null : ref;
  }

  async poll(refs: readonly string[]): Promise<Map<string, JobStatus>> {
    const out = new Map<string, JobStatus>();
    for (const ref of refs) out.set(ref, this.status(ref));
    return out;
  }

  private status(ref: string): JobStatus {
    const r = parse(ref);
    const exitFile = join(r.dir, "exit_code");
    const text = existsSync(exitFile) ? readFileSync(exitFile, "utf8").trim() : "";
    if (text !== "") {
      const code = Number(text);
      if (code === 0) return { state: "succeeded", exitCode: 0, reason: null };
      if (code === TIMEOUT_EXIT || code === 128 + 9) return { state: "timeout", exitCode: code, reason: "the job ran past its time limit" };
      return { state: "failed", exitCode: code, reason: `exited with code ${code}` };
    }
    if (isAlive(r.pid, r.start)) return { state: "running", exitCode: null, reason: null };
    if (this.cancelled.has(ref)) return { state: "cancelled", exitCode: null, reason: "cancelled" };
    return { state: "lost", exitCode: null, reason: "the job's process is gone and left no exit status (killed from outside?)" };
  }

  /** The process group `timeout` made for the script, once the wrapper has written it. */
  private scriptGroup(dir: string): number | null {
    const path = join(dir, "job.pgid");
    const pgid = existsSync(path) ? Number(readFileSync(path, "utf8").trim()) : NaN;
    return Number.isInteger(pgid) && pgid > 1 ? pgid : null;
  }

  async cancel(ref: string): Promise<void> {
    const r = parse(ref);
    this.cancelled.add(ref);
    // The wrapper's group alone is not enough: the script runs in timeout's group, which a
    // wrapper that has only just started may not have written down yet.
    for (let i = 0; i < 20 && this.scriptGroup(r.dir) === null && isAlive(r.pid, r.start); i++) await new Promise((res) => setTimeout(res, 50));
    const group = this.scriptGroup(r.dir);
    const running = () => isAlive(r.pid, r.start) || (group !== null && groupAlive(group));
    for (const g of [r.pid, group]) if (g !== null) killGroup(g, "SIGTERM");
    for (let i = 0; i < 100 && running(); i++) await new Promise((res) => setTimeout(res, 100));
    if (running()) for (const g of [r.pid, group]) if (g !== null) killGroup(g, "SIGKILL");
  }
}
