import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { RunEvent } from "../../src/run/events.js";
import { listRuns, readEvents, runDir } from "../../src/run/run-store.js";
import { groupAlive } from "../../src/process/spawn-detached.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";
import { runCli } from "../../src/cli/main.js";
import type { CliResult } from "./cli.js";
import { FIXTURES, patch, ROOT } from "./recipe.js";

/** The engine's test recipe: quickstart data, stand-in train and evaluate job templates. */
export const ENGINE_FIXTURE = join(FIXTURES, "engine");
const QUICKSTART = join(ROOT, "recipes", "quickstart");
const BIN = join(ROOT, "bin", "intern.js");

/** A temp project folder holding the fixture recipe; `.intern/` lands in it. */
export interface Project {
  dir: string;
  /** Where the stand-in job scripts record that they ran (INTERN_TEST_DIR). */
  records: string;
  /** The environment `apply` gets: PATH, the test suite's provisioned job environment, INTERN_TEST_DIR. */
  env: Record<string, string>;
}

const projects: Project[] = [];
const children = new Set<ChildProcess>();

type Plain = Record<string, unknown>;

/** A chat row the quickstart's benchmark never overlaps. */
const filler = (i: number) => JSON.stringify({ messages: [{ role: "user", content: `Which number follows ${i} in the ledger of the eastern vault?` }, { role: "assistant", content: String(i + 1) }] });

/**
 * Copies the fixture recipe (with `changes` merged in), its templates and base model, and the
 * quickstart's training and benchmark files into a new temp folder. `extraRows` appends that many
 * distinct rows to the training file (a slower data preparation).
 */
export function makeProject(options: { changes?: Plain; extraRows?: number } = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), "intern-engine-"));
  const recipe = patch(parse(readFileSync(join(ENGINE_FIXTURE, "recipe.yaml"), "utf8")) as Plain, options.changes ?? {});
  writeFileSync(join(dir, "recipe.yaml"), stringify(recipe, { lineWidth: 0 }));
  cpSync(join(ENGINE_FIXTURE, "templates"), join(dir, "templates"), { recursive: true });
  cpSync(join(ENGINE_FIXTURE, "base-model"), join(dir, "base-model"), { recursive: true });
  mkdirSync(join(dir, "data"));
  cpSync(join(QUICKSTART, "train.jsonl"), join(dir, "data", "train.jsonl"));
  cpSync(join(QUICKSTART, "benchmark.jsonl"), join(dir, "data", "benchmark.jsonl"));
  if (options.extraRows) {
    const chunk = 10_000;
    for (let start = 0; start < options.extraRows; start += chunk) {
      const rows = Array.from({ length: Math.min(chunk, options.extraRows - start) }, (_, k) => filler(start + k));
      appendFileSync(join(dir, "data", "train.jsonl"), `${rows.join("\n")}\n`);
    }
  }
  const records = join(dir, "records");
  mkdirSync(records);
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? dir, INTERN_ENVS_DIR: ENVS_DIR, INTERN_TEST_DIR: records, PIP_RETRIES: "0" };
  const project = { dir, records, env };
  projects.push(project);
  return project;
}

/** Any intern command in-process, in the project, with captured output (and a clock, for `apply`). */
export async function intern(project: Project, argv: string[], env: Record<string, string> = {}, now?: () => number): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv,
    cwd: project.dir,
    env: { ...project.env, ...env },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    ...(now ? { now } : {}),
  });
  return { code, stdout, stderr };
}

/** `intern apply recipe.yaml` in-process, polling jobs every 100 ms. */
export function apply(project: Project, args: string[] = [], env: Record<string, string> = {}, now?: () => number): Promise<CliResult> {
  return intern(project, ["apply", "recipe.yaml", "--poll-interval", "100", ...args], env, now);
}

/** Provisions the test suite's job environment (once per machine); call in a beforeAll with a long timeout. */
export async function provision(): Promise<void> {
  await ensurePythonEnv();
}

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/intern.js apply recipe.yaml` as a child process, for tests that signal or kill it. */
export function spawnApply(project: Project, args: string[] = [], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, "apply", "recipe.yaml", "--poll-interval", "100", ...args], { cwd: project.dir, env: { ...project.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => out, exited };
}

/** The project's runs, oldest first. */
export function runs(project: Project): string[] {
  return listRuns(project.dir);
}

/** The events of one run (the newest by default). */
export function events(project: Project, runId?: string): RunEvent[] {
  const id = runId ?? runs(project).at(-1);
  return id === undefined ? [] : readEvents(runDir(project.dir, id));
}

export function ofType<T extends RunEvent["type"]>(list: RunEvent[], type: T): Extract<RunEvent, { type: T }>[] {
  return list.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
}

/** How many stage_done events each stage has, over the given events. */
export function doneCounts(list: RunEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of ofType(list, "stage_done")) out[e.stage] = (out[e.stage] ?? 0) + 1;
  return out;
}

/** Lines a stand-in job script appended to a record file (`train.runs`, `baseline.runs`). */
export function records(project: Project, name: string): string[] {
  const path = join(project.records, name);
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l !== "") : [];
}

/** Polls `fn` until it returns something other than null, undefined, false or "". */
export async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== null && v !== undefined && v !== false && v !== "") return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the newest run has an event matching `match`, and returns it. */
export function waitForEvent(project: Project, what: string, match: (e: RunEvent) => boolean, timeoutMs = 60_000): Promise<RunEvent> {
  return waitFor(what, () => events(project).find(match), timeoutMs);
}

/** Waits until a stand-in job script has recorded `n` starts in `name` (it is running, not just submitted). */
export function waitForRecords(project: Project, name: string, n = 1, timeoutMs = 60_000): Promise<string[]> {
  return waitFor(`${n} line(s) in ${name}`, () => {
    const lines = records(project, name);
    return lines.length >= n && lines;
  }, timeoutMs);
}

/** Whether a process exists and has not exited (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The pid of a local job, from its job_submitted event's ref (the job's process group leader). */
export function jobPid(e: RunEvent): number {
  if (e.type !== "job_submitted") throw new Error(`not a job_submitted event: ${e.type}`);
  return (JSON.parse(e.ref) as { pid: number }).pid;
}

/** Process groups of a local job: its wrapper's, and the one `timeout` makes for the script. */
function groupsOf(stageDir: string): number[] {
  const out: number[] = [];
  for (const [file, read] of [["job.ref", (t: string) => (JSON.parse(t) as { pid: number }).pid], ["job.pgid", Number]] as const) {
    const path = join(stageDir, file);
    try {
      const pid = existsSync(path) ? read(readFileSync(path, "utf8").trim()) : NaN;
      if (Number.isInteger(pid) && pid > 1) out.push(pid);
    } catch {
      // empty or torn: nothing there
    }
  }
  return out;
}

/** Whether any process of the job a job_submitted event names is still running. */
export function jobRunning(e: RunEvent): boolean {
  if (e.type !== "job_submitted") throw new Error(`not a job_submitted event: ${e.type}`);
  const ref = JSON.parse(e.ref) as { pid: number; dir: string };
  return alive(ref.pid) || groupsOf(ref.dir).some(groupAlive);
}

/** Every file under `dir`, recursively. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(p));
    else if (e.isFile() || statSync(p).isFile()) out.push(p);
  }
  return out;
}

function jobGroups(project: Project): number[] {
  const out: number[] = [];
  for (const id of runs(project)) {
    const stages = join(runDir(project.dir, id), "stages");
    if (existsSync(stages)) for (const s of readdirSync(stages)) out.push(...groupsOf(join(stages, s)));
  }
  return out;
}

/** Kills intern processes the test started and every job process group they left, then removes the projects. */
export function cleanupEngineTests(): void {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const p of projects.splice(0)) {
    for (const pid of jobGroups(p)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(p.dir, { recursive: true, force: true });
  }
}
