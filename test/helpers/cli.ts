import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { ROOT } from "./recipe.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(argv: string[], cwd = ROOT, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await runCli({
    argv,
    cwd,
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** Runs the built binary (bin/intern.js on dist/) as a user would. */
export function bin(argv: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "intern.js"), ...argv], { cwd, encoding: "utf8", env: { ...process.env, INTERN_DEBUG: "" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A V8 stack frame line, as printed by an uncaught error. */
export const STACK_FRAME = /^ {4}at /m;
