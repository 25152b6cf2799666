import { ChildProcessError, runCommand, type CommandSpec } from "../../process/run-process.js";

/** Runs one Slurm client command; `runCommand` unless a test counts or fakes the calls. */
export type CommandRunner = (spec: CommandSpec) => Promise<{ stdout: string; stderr: string; exitCode: number }>;

export const defaultRunner: CommandRunner = runCommand;

/** What every Slurm client call shares: the environment (SLURM_CONF), a time limit, the runner. */
export interface SlurmClient {
  run: CommandRunner;
  env: Record<string, string>;
  timeoutMs: number;
}

export type SlurmResult = { ok: true; stdout: string } | { ok: false; error: unknown; message: string; timedOut: boolean };

/**
 * Calls a Slurm client and never throws: a controller that is down makes clients hang or fail
 * with a connection error, and the caller decides whether that is "unknown for now" (polls) or
 * a failure (submission).
 */
export async function callSlurm(client: SlurmClient, command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<SlurmResult> {
  try {
    const { stdout } = await client.run({
      command,
      args,
      env: { ...client.env, ...(options.env ?? {}) },
      timeoutMs: client.timeoutMs,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    return { ok: true, stdout };
  } catch (error) {
    const full = error instanceof Error ? error.message : String(error);
    const timedOut = error instanceof ChildProcessError && error.exitCode === null && /did not finish within/.test(full);
    // What the client said (`slurm_load_jobs error: ...`), on one line, reads better than the whole command line.
    const said = error instanceof ChildProcessError ? error.tail.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").join("; ") : "";
    return { ok: false, error, message: said !== "" && !timedOut ? said : full, timedOut };
  }
}

/**
 * Whether a failed call means the controller did not answer (down, restarting, failing over),
 * as opposed to a refusal: worth trying again in a moment.
 */
export function controllerUnreachable(result: Extract<SlurmResult, { ok: false }>): boolean {
  return result.timedOut || /Unable to contact slurm controller|Socket timed out|Zero Bytes were transmitted|backup controller in standby|Connection refused/i.test(result.message);
}
