import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The programs a rendered job script may call; each stub records its argv and exits 0. */
export const STUBBED = ["trl", "accelerate", "lm_eval", "lighteval", "python", "python3", "srun", "scontrol", "sbatch", "bash"] as const;

/** One stub invocation, as logged. */
export interface Call {
  tool: string;
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * What every stub runs. `bash -c CMD` with nothing after CMD is the recipe's own command: it is
 * recorded, never run. Any other bash call runs the real /bin/bash, so a job script's inner
 * script (`exec bash run.sh`, srun's `bash -c '...' run.sh`) runs too. srun runs its command
 * once per node with that node's SLURM_NODEID; scontrol names two hosts.
 */
const STUB_JS = `"use strict";
const fs = require("node:fs");
const { spawnSync } = require("node:child_process");
const [log, tool, ...argv] = process.argv.slice(2);
const keep = ["PATH", "HOME", "INTERN_MACHINE_RANK", "INTERN_HEAD_ADDR", "INTERN_STAGE_ID", "SLURM_NODEID"];
const env = Object.fromEntries(keep.map((k) => [k, process.env[k]]));
fs.appendFileSync(log, JSON.stringify({ tool, argv, cwd: process.cwd(), env }) + "\\n");
const run = (cmd, args, extra) => spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...extra } }).status ?? 1;
if (tool === "bash") process.exit(argv[0] === "-c" && argv.length === 2 ? 0 : run("/bin/bash", argv, {}));
if (tool === "srun") {
  const nodes = Number((argv.find((a) => a.startsWith("--nodes=")) ?? "--nodes=1").slice("--nodes=".length));
  const command = argv.slice(argv.findIndex((a) => !a.startsWith("-")));
  let status = 0;
  for (let rank = 0; rank < nodes; rank++) status = status || run(command[0], command.slice(1), { SLURM_NODEID: String(rank) });
  process.exit(status);
}
if (tool === "scontrol") process.stdout.write("node-a\\nnode-b\\n");
if (tool === "sbatch") process.stdout.write("Submitted batch job 1\\n");
`;

/** Writes the stubs into `dir`; calls are appended to `log` as JSON lines. */
export function writeStubs(dir: string, log: string): void {
  const js = join(dir, "stub.cjs");
  writeFileSync(js, STUB_JS);
  for (const tool of STUBBED) {
    const path = join(dir, tool);
    writeFileSync(path, `#!/bin/sh\nexec ${sq(process.execPath)} ${sq(js)} ${sq(log)} ${sq(tool)} "$@"\n`);
    chmodSync(path, 0o755);
  }
}

export function readCalls(log: string): Call[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Call);
}

/**
 * Runs a job script as a scheduler would, with nothing from this process's environment:
 * `env -i PATH=<stubs>:/usr/bin:/bin HOME=<home> [VAR=...] bash FILE`.
 */
export function dryRun(file: string, stubDir: string, home: string, extra: Record<string, string> = {}) {
  const vars = Object.entries({ PATH: `${stubDir}:/usr/bin:/bin`, HOME: home, ...extra }).map(([k, v]) => `${k}=${v}`);
  return spawnSync("env", ["-i", ...vars, "/bin/bash", file], { cwd: home, encoding: "utf8", timeout: 60_000 });
}

/** The argument right after `flag` in `argv`. */
export function after(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i === -1 ? undefined : argv[i + 1];
}
