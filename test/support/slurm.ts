/**
 * The Slurm test cluster (test/slurm/start.sh), for the tests that talk to it. They run only when
 * INTERN_TEST_SLURM_STATE names the STATE_DIR of a running cluster; `.ci/run` starts one and sets it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../src/process/run-process.js";

export const SLURM_STATE = process.env.INTERN_TEST_SLURM_STATE;

/** The `export K=V` lines of the cluster's env.sh (SLURM_CONF above all). */
export function clusterEnv(stateDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(stateDir, "env.sh"), "utf8").split("\n")) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, "");
  }
  return env;
}

/** A Slurm client command against the cluster; its stdout. */
export async function slurm(env: Record<string, string>, command: string, args: string[]): Promise<string> {
  return (await runCommand({ command, args, env, timeoutMs: 20_000 })).stdout;
}

export interface AccountedJob {
  id: string;
  name: string;
  state: string;
  workDir: string;
  allocTres: string;
  elapsed: string;
}

/** Every job accounting knows by this name (allocations only, no steps), oldest first. */
export async function accountedJobs(env: Record<string, string>, name: string): Promise<AccountedJob[]> {
  const out = await slurm(env, "sacct", [`--name=${name}`, "-X", "-P", "-n", "-o", "JobID,JobName,State,WorkDir,AllocTRES,Elapsed", "--starttime=now-1days"]);
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [id = "", jobName = "", state = "", workDir = "", allocTres = "", elapsed = ""] = l.trim().split("|");
      return { id, name: jobName, state, workDir, allocTres, elapsed };
    });
}
