import { existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { RunState } from "../run/run-state.js";
import { buildLock, lockInputs, type LockSources } from "./build-lock.js";
import { checkLockedInputs, lockedResultMoved } from "./check-locked.js";
import { itemsFileOf, lockDirFor, readLock, serializeLock, writeLock } from "./lock-files.js";
import type { Lock } from "./types.js";

/** `apply --locked`: the lock read and checked before the run, and where its transcripts are. */
export interface LockedRun {
  lockPath: string;
  lock: Lock;
  /** Serves the agentic stages, like a replayed run's folder: `transcripts/<stage>.jsonl`. */
  replay: { runId: string; runDir: string };
}

/** Reads the lock beside the recipe and checks the inputs before a locked run (throws naming what moved). */
export function openLockedRun(lockPath: string, sources: LockSources, transcriptsDir?: string): LockedRun {
  const lock = readLock(lockPath);
  const dir = transcriptsDir ?? lockDirFor(lockPath);
  checkLockedInputs(lock, lockInputs(sources), lockPath, dir);
  return { lockPath, lock, replay: { runId: `locked by ${basename(lockPath)}`, runDir: dir } };
}

/**
 * After a successful run: writes `lock.yaml` into the run folder, and the lock beside the recipe
 * (with its transcripts and per-item results), unless the run was locked: then nothing is written
 * beside the recipe and what the run resolved differently is returned. A null `lockPath` leaves the
 * lock beside the recipe alone. `previous`: the lock that was there before, for comparing numbers.
 */
export function recordLock(options: { runDir: string; lockPath: string | null; sources: LockSources; state: RunState; locked: LockedRun | null }): { lock: Lock; text: string; moved: string[]; previous: Lock | null } {
  const lock = buildLock(options.sources, options.state);
  const text = serializeLock(lock);
  writeFileSync(join(options.runDir, "lock.yaml"), text);
  if (options.locked !== null) return { lock, text, moved: lockedResultMoved(options.locked.lock, lock), previous: options.locked.lock };
  if (options.lockPath === null) return { lock, text, moved: [], previous: null };
  const transcripts: Record<string, string> = {};
  for (const stage of Object.keys(lock.transcripts)) {
    const file = options.state.stages.get(stage)?.outputs.transcript;
    if (typeof file === "string") transcripts[stage] = file;
  }
  const items: Record<string, string> = {};
  for (const e of lock.evaluations) {
    const file = itemsFileOf(options.state.stages.get(e.stage)?.outputs);
    if (file !== null) items[e.stage] = file;
  }
  let previous: Lock | null = null;
  try {
    previous = existsSync(options.lockPath) ? readLock(options.lockPath) : null;
  } catch {
    previous = null; // an unreadable lock has no numbers to compare with
  }
  writeLock(options.lockPath, lock, { transcripts, items });
  return { lock, text, moved: [], previous };
}
