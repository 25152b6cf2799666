import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InternError } from "../errors.js";
import { ChildProcessError, runCommand } from "../process/run-process.js";
import { environmentDigest } from "../render/job-names.js";
import type { NeededPackage } from "../recipe/derive.js";
import type { Recipe } from "../recipe/types.js";

export interface PythonEnvironment {
  /** The interpreter jobs run with. */
  python: string;
  /** Its bin folder, put first on PATH for jobs (`trl`, `accelerate`, `lm_eval`). */
  binDir: string | null;
  /** A short name for messages: the digest of a provisioned environment, or the interpreter. */
  id: string;
  created: boolean;
}

const READY = ".intern-ready";

/** pip's own words for a requirement it cannot find, turned into the package's name. */
export function missingPackage(output: string): string | null {
  const m = /No matching distribution found for ([^\s]+)/.exec(output) ?? /Could not find a version that satisfies the requirement ([^\s]+)/.exec(output);
  return m ? m[1]! : null;
}

async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(path, "wx"));
      break;
    } catch {
      const holder = Number(readFileSync(path, "utf8").trim() || "0");
      let alive = false;
      try {
        if (holder > 0) process.kill(holder, 0), (alive = true);
      } catch {
        alive = false;
      }
      if (!alive && i > 0) unlinkSync(path);
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  writeFileSync(path, String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * The Python environment a recipe's jobs run in. An interpreter the recipe names is checked
 * for TRL; a requirements list is provisioned once into `<envs>/<digest>/` with the machine's
 * Python and pip, and reused by every run that asks for the same list.
 */
export async function ensureEnvironment(
  env: Recipe["compute"]["environment"],
  options: {
    envsDir: string;
    hostPython?: string;
    /** What the recipe's jobs import, checked in an interpreter the recipe names. */
    needs?: readonly NeededPackage[];
    onProgress?: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<PythonEnvironment> {
  if (env.kind === "python") {
    const needs = options.needs ?? [];
    let found;
    try {
      // TRL by importing it; the rest by finding, not importing: a DeepSpeed or lm-eval import costs seconds.
      found = await runCommand({
        command: env.python,
        args: ["-c", "import trl, accelerate, transformers, importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))", ...needs.map((n) => n.package.module)],
        timeoutMs: 120_000,
      });
    } catch (error) {
      throw new InternError("INTERN_ENV_INVALID", `compute.environment.python (${env.python}) cannot import trl, accelerate and transformers`, {
        hint: "install them in that environment, or list requirements and let intern provision one",
        cause: error,
      });
    }
    const missing = new Set(found.stdout.trim().split(/\s+/).filter((m) => m !== ""));
    const lacking = needs.filter((n) => missing.has(n.package.module));
    if (lacking.length > 0) {
      throw new InternError(
        "INTERN_ENV_MISSING_PACKAGE",
        `compute.environment.python (${env.python}) lacks ${lacking.map((n) => `${n.package.name} (for ${n.because})`).join(", ")}`,
        { hint: `install ${lacking.map((n) => `\`${n.package.pin}\``).join(" ")} in that environment, or list requirements and let intern provision one` },
      );
    }
    const slash = env.python.lastIndexOf("/");
    return { python: env.python, binDir: slash > 0 ? env.python.slice(0, slash) : null, id: env.python, created: false };
  }
  const digest = environmentDigest(env.requirements);
  const dir = join(options.envsDir, digest);
  const python = join(dir, "bin", "python");
  const ready = () => existsSync(join(dir, READY));
  if (ready()) return { python, binDir: join(dir, "bin"), id: digest, created: false };
  mkdirSync(options.envsDir, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (ready()) return { python, binDir: join(dir, "bin"), id: digest, created: false };
    // A folder without the ready mark is a provisioning that died half way: start over.
    rmSync(dir, { recursive: true, force: true });
    const log = `${dir}.log`;
    writeFileSync(log, "");
    const host = options.hostPython ?? "python3";
    options.onProgress?.(`creating a Python environment for ${env.requirements.length} requirements in ${dir} (once; log: ${log})`);
    const stop = options.signal ? { signal: options.signal } : {};
    try {
      await runCommand({ command: host, args: ["-m", "venv", dir], logFile: log, timeoutMs: 300_000, ...stop });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    writeFileSync(join(dir, "requirements.txt"), `${env.requirements.join("\n")}\n`);
    options.onProgress?.(`installing ${env.requirements.join(", ")}`);
    try {
      await runCommand({
        command: python,
        args: ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", join(dir, "requirements.txt")],
        logFile: log,
        timeoutMs: 3_600_000,
        env: { PIP_DISABLE_PIP_VERSION_CHECK: "1" },
        ...stop,
      });
    } catch (error) {
      if (error instanceof InternError && error.code === "INTERN_CANCELLED") {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      const output = readFileSync(log, "utf8");
      const pkg = missingPackage(output);
      rmSync(dir, { recursive: true, force: true });
      if (pkg) {
        throw new InternError("INTERN_ENV_NOT_IN_INDEX", `pip cannot find ${pkg} in its configured index`, {
          hint: `check the version pin in compute.environment.requirements, or the index pip uses (pip config list); full log: ${log}`,
          cause: error,
        });
      }
      throw new InternError("INTERN_ENV_FAILED", `installing the job environment failed: ${error instanceof ChildProcessError ? error.message : String(error)}`, { hint: `full log: ${log}`, cause: error });
    }
    writeFileSync(join(dir, READY), `${new Date().toISOString()}\n`);
    options.onProgress?.(`Python environment ${digest} ready`);
    return { python, binDir: join(dir, "bin"), id: digest, created: true };
  });
}
