import { spawn, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/main.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHECKER = fileURLToPath(new URL("../render/check_rendered.py", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `intern render FILE --out OUT --backend B`, in-process, with its output captured. */
export async function render(file: string, out: string, backend: string): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv: ["render", file, "--out", out, "--backend", backend],
    cwd: ROOT,
    env: {},
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** Every file under `dir` (recursively) with one of these names, sorted. */
export function filesNamed(dir: string, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesNamed(full, names));
    else if (names.includes(entry.name)) out.push(full);
  }
  return out.sort();
}

/** `bash -n`: null when the file parses, bash's complaint otherwise. */
export function bashSyntaxError(file: string): string | null {
  const r = spawnSync("bash", ["-n", file], { encoding: "utf8" });
  return r.status === 0 ? null : `${file}: ${r.stderr || `exit ${r.status}`}`;
}

/** What Python made of one value: its type name (`enum` for enums) and its value as JSON. */
export interface PyValue {
  type: string;
  value: unknown;
}

export interface SftResult {
  error?: string;
  remaining_config: string[];
  remaining_args: string[];
  values: Record<string, PyValue>;
  /** For grpo.yaml: each of reward_funcs, true when `trl grpo`'s way of loading it finds a function, else the error. */
  rewards?: Record<string, true | string>;
}

export interface AccelerateResult {
  error?: string;
  class: string;
  distributed_type: string;
  num_processes: number;
  num_machines: number;
  mixed_precision: string;
  use_cpu: boolean;
  unknown_nested_keys: string[];
  launch: { error?: string } & Record<string, unknown>;
}

export interface CheckResults {
  trl: Record<string, SftResult>;
  accelerate: Record<string, AccelerateResult>;
}

/**
 * Reads every listed file back with TRL and accelerate in one Python process (importing TRL
 * is the slow part). `gpu` says the config is for a GPU job, checked as on a GPU machine.
 */
export function checkWithRealTools(python: string, workDir: string, trl: { path: string; gpu: boolean; command: "sft" | "dpo" | "kto" | "grpo" }[], accelerate: string[]): Promise<CheckResults> {
  const list = join(workDir, "check-list.json");
  writeFileSync(list, JSON.stringify({ trl, accelerate }));
  return new Promise((resolve, reject) => {
    const child = spawn(python, [CHECKER, list], { env: { ...process.env, PYTHONWARNINGS: "ignore", TRANSFORMERS_VERBOSITY: "error", HF_HUB_OFFLINE: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString("utf8")).slice(-20_000)));
    child.on("error", reject);
    child.on("close", (code) => {
      const marker = stdout.lastIndexOf("\n@@RESULT@@");
      if (code !== 0 || marker === -1) return reject(new Error(`check_rendered.py failed (exit ${code}):\n${stderr}\n${stdout.slice(-5000)}`));
      resolve(JSON.parse(stdout.slice(marker + "\n@@RESULT@@".length)) as CheckResults);
    });
  });
}
