import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_REQUIREMENTS } from "../../src/recipe/derive.js";

/** The test environment: intern's pinned TRL stack, installed once and reused across runs. */
export const VENV_DIR = fileURLToPath(new URL("../.venv", import.meta.url));

/** pip must fail fast on an index it cannot reach, and say nothing about its own version. */
const PIP_ENV = { PIP_RETRIES: "0", PIP_DISABLE_PIP_VERSION_CHECK: "1" };

/** What the stamp records: the requirement list, so a changed pin rebuilds the environment. */
export function requirementsDigest(requirements: readonly string[]): string {
  return createHash("sha256").update(`intern-test-venv/1\n${requirements.join("\n")}\n`).digest("hex");
}

interface Finished {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-200_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

function tail(output: string, lines = 25): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The requirement pip names when it cannot find a distribution, if it says so. */
export function missingRequirement(pipOutput: string): string | null {
  const m =
    /No matching distribution found for ([^\s;]+)/.exec(pipOutput) ??
    /Could not find a version that satisfies the requirement ([^\s;]+)/.exec(pipOutput);
  return m ? m[1]! : null;
}

interface Paths {
  dir: string;
  python: string;
  stamp: string;
  lock: string;
}

function stampMatches(p: Paths, digest: string): boolean {
  return existsSync(p.python) && existsSync(p.stamp) && readFileSync(p.stamp, "utf8").trim() === digest;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock folder, so test files running in parallel install once between them. */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // The owner has made the folder but not yet written its pid.
      }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${owner})`);
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Creates a virtual environment (test/.venv unless told otherwise) with `python3 -m venv` and
 * installs the requirements (intern's DEFAULT_REQUIREMENTS unless told otherwise) from pip's
 * configured index, unless a stamp shows it already holds exactly that list. Returns the
 * environment's python. A pip failure names the requirement pip could not find.
 */
export async function ensurePythonEnv(options: { dir?: string; requirements?: readonly string[] } = {}): Promise<string> {
  const dir = options.dir ?? VENV_DIR;
  const requirements = options.requirements ?? DEFAULT_REQUIREMENTS;
  const p: Paths = { dir, python: join(dir, "bin", "python"), stamp: join(dir, "intern-requirements.sha256"), lock: join(tmpdir(), `intern-venv-${createHash("sha256").update(dir).digest("hex").slice(0, 12)}.lock`) };
  const digest = requirementsDigest(requirements);
  if (stampMatches(p, digest)) return p.python;
  return withLock(p.lock, async () => {
    if (stampMatches(p, digest)) return p.python;
    // A stale or half-built environment is replaced whole: the stamp is written last.
    rmSync(dir, { recursive: true, force: true });
    const env = { ...process.env, ...PIP_ENV };
    const venv = await run("python3", ["-m", "venv", dir], env);
    if (venv.code !== 0) throw new Error(`python3 -m venv ${dir} failed (exit ${venv.code}):\n${tail(venv.output)}`);
    const pip = await run(p.python, ["-m", "pip", "install", "--no-input", ...requirements], env);
    if (pip.code !== 0) {
      const missing = missingRequirement(pip.output);
      const what = missing ? `pip could not find ${missing}` : `pip install failed (exit ${pip.code})`;
      throw new Error(`${what} while installing ${requirements.join(" ")} into ${dir}:\n${tail(pip.output)}`);
    }
    writeFileSync(p.stamp, `${digest}\n`);
    return p.python;
  });
}
