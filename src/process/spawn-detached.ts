import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";

/**
 * Starts a long job in its own process group, detached from intern: it keeps running if intern
 * is killed, and `apply` re-attaches to it. Output goes to `logFile`; nothing is piped back.
 */
export function spawnDetached(command: string, args: string[], options: { cwd: string; env: Record<string, string>; logFile: string }): { pid: number; startTime: string } {
  const fd = openSync(options.logFile, "a");
  try {
    // node's spawn, not execa: the job must get the log file's descriptor itself and outlive
    // intern, with no pipe back to this process.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", fd, fd] });
    child.on("error", () => undefined);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${command}`);
    return { pid, startTime: processStartTime(pid) ?? "unknown" };
  } finally {
    closeSync(fd);
  }
}

/** The kernel's start time of a process (clock ticks since boot), to tell a job from a reused pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may contain spaces, so count from its closing paren.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` is the same live process that started at `startTime`. */
export function isAlive(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = processStartTime(pid);
  if (now === null) return false;
  // A zombie has exited; its status is in the exit file.
  try {
    if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
  } catch {
    return false;
  }
  return startTime === "unknown" || now === startTime;
}

/** Whether any process of group `pgid` is running (zombies have exited and do not count). */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return true;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // After the command name: state, ppid, pgrp.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

/** Signals a whole process group; ignores a group that is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  // -0 and -1 would mean intern's own group and every process it may signal.
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
