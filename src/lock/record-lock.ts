import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { RunState } from "../engine/run-state.js";
import { buildLock, lockInputs, type LockSources } from "./build-lock.js";
import { checkLockedInputs, lockedResultMoved } from "./check-locked.js";
import { itemsFileOf, lockDirFor, readLock, serializeLock, writeLock } from "./lock-files.js";
import type { Lock } from "./types.js";
import { modelCard } from "../report/model-card.js";

/** README.md, the model card, in the folder of every model this run trained. */
function writeModelCards(lock: Lock, text: string, options: { sources: LockSources; state: RunState }): void {
  const lockSha256 = `sha256:${createHash("sha256").update(text).digest("hex")}`;
  for (const s of options.state.stages.values()) {
    if (s.kind !== "train" || s.status !== "done" || typeof s.outputs.model !== "string" || !existsSync(s.outputs.model)) continue;
    const card = modelCard({ lock, lockSha256, stage: s.id, name: options.sources.recipe.name, goal: options.sources.recipe.goal, state: options.state });
    writeFileSync(join(s.outputs.model, "README.md"), card);
  }
}

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
export function recordLock(options: { runDir: string; lockPath: string | null; sources: LockSources; state: RunState; locked: LockedRun | null }): { lock: Lock; moved: string[]; previous: Lock | null } {
  const lock = buildLock(options.sources, options.state);
  const text = serializeLock(lock);
  writeFileSync(join(options.runDir, "lock.yaml"), text);
  writeModelCards(lock, text, options);
  if (options.locked !== null) return { lock, moved: lockedResultMoved(options.locked.lock, lock), previous: options.locked.lock };
  if (options.lockPath === null) return { lock, moved: [], previous: null };
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
  return { lock, moved: [], previous };
}
