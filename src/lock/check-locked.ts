import { existsSync } from "node:fs";
import { InternError } from "../errors.js";
import { transcriptDigest } from "../agent/transcript.js";
import type { LockInputs } from "./build-lock.js";
import { describeDifference, differences } from "./flatten.js";
import { lockedTranscript } from "./lock-files.js";
import { INPUT_SECTIONS, RESOLVED_SECTIONS, type Lock } from "./types.js";

function sectionDifferences(lock: Lock, now: Partial<Lock>, sections: readonly string[], is: string): string[] {
  const pick = (l: Partial<Lock>) => Object.fromEntries(sections.map((s) => [s, (l as Record<string, unknown>)[s] ?? null]));
  return differences(pick(lock), pick(now)).map((d) => describeDifference(d, "in the lock", is));
}

/**
 * Before a locked run: the recipe, templates, environment, local files and agent settings must be
 * the ones the lock records, and every transcript it names must be there with its digest.
 */
export function checkLockedInputs(lock: Lock, inputs: LockInputs, lockPath: string, lockDir: string): void {
  const moved = lockInputsMoved(lock, inputs);
  for (const [stage, digest] of Object.entries(lock.transcripts ?? {})) {
    const file = lockedTranscript(lockDir, stage);
    if (!existsSync(file)) moved.push(`transcripts.${stage}: ${file} is missing`);
    else if (transcriptDigest(file) !== digest) moved.push(`transcripts.${stage}: ${file} is ${transcriptDigest(file)}, the lock says ${digest}`);
  }
  if (moved.length > 0) {
    throw new InternError("INTERN_LOCK_MOVED", `--locked: ${moved.length} thing(s) moved since ${lockPath} was written:\n  ${moved.join("\n  ")}`, {
      hint: "restore what moved (git diff shows it), or apply without --locked to resolve again and write a new lock",
    });
  }
}

/** The inputs (recipe, templates, environment, local files, agent settings, intern) that differ from the lock's. */
export function lockInputsMoved(lock: Lock, inputs: LockInputs): string[] {
  return sectionDifferences(lock, inputs, INPUT_SECTIONS, "now");
}

/** After a locked run: what it resolved that differs from the lock (datasets, prepared data, papers, transcripts, decisions). */
export function lockedResultMoved(lock: Lock, now: Lock): string[] {
  return sectionDifferences(lock, now, RESOLVED_SECTIONS, "in this run");
}
