import type { Command } from "../command.js";
import { printableJson } from "../../printable.js";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runDir } from "../../run/run-store.js";
import { InternError, UsageError } from "../../errors.js";
import { diffLocks, formatLockDiff } from "../../lock/diff-locks.js";
import { readLock } from "../../lock/lock-files.js";
import type { Lock } from "../../lock/types.js";
import type { CliIO } from "../io.js";

export const help = `intern diff <A> <B> [--output text|json]

Compares two runs (by id: their lock.yaml) or two lock files: the recipe, base model, benchmark,
datasets and their revisions, prepared data, papers, agent and transcripts, templates,
environment, hyperparameters and decisions (what changed), then every metric and the LLM budget
with their deltas (B - A).
Exit code 0 (whatever differs).
`;

function lockOf(cwd: string, what: string): Lock {
  const path = resolve(cwd, what);
  if (existsSync(path) && statSync(path).isFile()) return readLock(path, what);
  const dir = runDir(cwd, what);
  if (!existsSync(dir)) throw new InternError("INTERN_RUN_NOT_FOUND", `${what} is neither a lock file nor a run`, { hint: "`intern status` lists the runs" });
  const lock = join(dir, "lock.yaml");
  if (!existsSync(lock)) throw new InternError("INTERN_LOCK_MISSING", `run ${what} has no lock.yaml: only a run that succeeded has one`, { hint: "`intern status` shows how each run ended" });
  return readLock(lock);
}

export function diffCommand(io: CliIO, args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", default: "text" } } });
  const [a, b] = positionals;
  if (a === undefined || b === undefined || positionals.length > 2) throw new UsageError("intern diff needs two runs or two lock files", "intern diff <run-a> <run-b>");
  const d = diffLocks(lockOf(io.cwd, a), lockOf(io.cwd, b));
  io.stdout.write(values.output === "json" ? `${printableJson(d)}\n` : formatLockDiff(d, a, b));
  return 0;
}

export const command: Command = { help, run: diffCommand };
