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
    const message = error instanceof Error ? error.message : String(error);
    const timedOut = error instanceof ChildProcessError && error.exitCode === null && /did not finish within/.test(message);
    return { ok: false, error, message, timedOut };
  }
}
