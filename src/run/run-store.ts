import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "./events.js";

/** `.intern/` under the project: runs, environments, the cache index. */
export function internDir(projectDir: string): string {
  return join(projectDir, ".intern");
}

export function runsDir(projectDir: string): string {
  return join(internDir(projectDir), "runs");
}

export function runDir(projectDir: string, runId: string): string {
  return join(runsDir(projectDir), runId);
}

/**
 * Appends events to a run's log. Each append is written and fsynced before it returns: the
 * engine acts only on what is on disk.
 */
export class EventLog {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, "a");
  }

  append(event: RunEvent): void {
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Reads a run's events. A torn last line (the process died mid-write) is ignored: everything
 * before it was fsynced whole.
 */
export function readEvents(dir: string): RunEvent[] {
  const path = join(dir, "events.jsonl");
  if (!existsSync(path)) return [];
  const out: RunEvent[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as RunEvent);
    } catch {
      break;
    }
  }
  return out;
}

export function createRunDir(projectDir: string, runId: string): string {
  const dir = runDir(projectDir, runId);
  mkdirSync(join(dir, "stages"), { recursive: true });
  return dir;
}

/** Run ids, oldest first (ids start with a sortable timestamp). */
export function listRuns(projectDir: string): string[] {
  const dir = runsDir(projectDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * `20261126-153012-qwen3-gpqa-4527`: sortable, readable, unique enough for one machine. The
 * suffix is the milliseconds and one random hex digit, so two runs of a recipe started in the
 * same second still sort in the order they started (`apply` resumes the newest).
 */
export function newRunId(recipeName: string, now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const suffix = `${String(now.getUTCMilliseconds()).padStart(3, "0")}${Math.floor(random() * 16).toString(16)}`;
  return `${stamp}-${recipeName.slice(0, 40)}-${suffix}`;
}
