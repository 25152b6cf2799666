import { execa } from "execa";
import { InternError } from "../errors.js";
import { redact, secretValues } from "./redact.js";
import { killGroup } from "./spawn-detached.js";

function cancelled(line: string): InternError {
  return new InternError("INTERN_CANCELLED", `\`${line}\` was stopped: cancelled by the user`);
}

/** A short command intern waits for (pip, sbatch, squeue): output captured, time-limited. */
export interface CommandSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill it after this long; Slurm clients and pip can hang on an unreachable server. */
  timeoutMs?: number;
  /** Also send output to this file as it comes (for long installs). */
  logFile?: string;
  input?: string;
  /** Stops the command (SIGTERM, then SIGKILL) when aborted: Ctrl-C during a long pip install. */
  signal?: AbortSignal;
}

/** A command that failed: the command line (secrets redacted), the exit code and the last lines. */
export class ChildProcessError extends InternError {
  constructor(
    readonly commandLine: string,
    readonly exitCode: number | null,
    readonly tail: string,
    reason: string,
  ) {
    super("INTERN_PROCESS_FAILED", `\`${commandLine}\` ${reason}${tail ? `:\n${tail.replace(/^/gm, "  | ")}` : ""}`);
    this.name = "ChildProcessError";
  }
}

function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Last `n` non-empty lines. */
export function lastLines(text: string, n = 20): string {
  return text.split(/\r?\n/).filter((l) => l.trim() !== "").slice(-n).join("\n");
}

/**
 * Runs a command to completion. The one place short commands are started: every command line
 * that reaches a message has secrets redacted, and a failure always says what ran, its exit
 * code and the last lines it printed.
 */
export async function runCommand(spec: CommandSpec): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const env = { ...process.env, ...(spec.env ?? {}) };
  const secrets = secretValues(env);
  const line = redact([spec.command, ...spec.args].map(quoteArg).join(" "), secrets);
  {
    if (spec.signal?.aborted) throw cancelled(line);
    const subprocess = execa(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: true,
      reject: false,
      all: true,
      timeout: spec.timeoutMs,
      killSignal: "SIGTERM",
      forceKillAfterDelay: 5000,
      // A command that can be stopped gets a process group of its own, so stopping it stops
      // what it started too (pip's build steps, a shell's children) and nothing holds its pipes.
      ...(spec.signal !== undefined ? { detached: true, cleanup: true } : {}),
      ...(spec.input !== undefined ? { input: spec.input } : { stdin: "ignore" as const }),
      ...(spec.logFile !== undefined ? { stdout: ["pipe", { file: spec.logFile, append: true }] as const, stderr: ["pipe", { file: spec.logFile, append: true }] as const } : {}),
    });
    let stopped = false;
    let forceKill: NodeJS.Timeout | undefined;
    const stop = () => {
      stopped = true;
      if (subprocess.pid === undefined) return;
      killGroup(subprocess.pid, "SIGTERM");
      forceKill = setTimeout(() => killGroup(subprocess.pid!, "SIGKILL"), 5000);
    };
    spec.signal?.addEventListener("abort", stop, { once: true });
    const result = await subprocess.finally(() => {
      spec.signal?.removeEventListener("abort", stop);
      clearTimeout(forceKill);
    });
    const all = redact(String(result.all ?? ""), secrets);
    if (stopped) throw cancelled(line);
    if (result.timedOut) throw new ChildProcessError(line, null, lastLines(all), `did not finish within ${Math.round((spec.timeoutMs ?? 0) / 1000)} s`);
    if ((result as { code?: string }).code === "ENOENT" || /ENOENT/.test(String((result as { originalMessage?: string }).originalMessage ?? ""))) {
      throw new ChildProcessError(line, null, "", `could not start: ${spec.command} is not installed or not on PATH`);
    }
    const exitCode = result.exitCode ?? (result.signal ? 128 : 1);
    if (exitCode !== 0) throw new ChildProcessError(line, exitCode, lastLines(all), result.signal ? `was killed by ${result.signal}` : `exited with code ${exitCode}`);
    return { stdout: redact(String(result.stdout ?? ""), secrets), stderr: redact(String(result.stderr ?? ""), secrets), exitCode };
  }
}
