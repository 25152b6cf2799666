import { relative } from "node:path";
import { InternError } from "../errors.js";
import { lockInputs } from "../lock/build-lock.js";
import { lockInputsMoved } from "../lock/check-locked.js";
import { readLock } from "../lock/lock-files.js";
import { lockSourcesOf } from "../lock/lock-sources.js";
import type { LoadedRecipe } from "../project/load.js";
import { internVersion } from "../project/package-root.js";

/**
 * What moved since the lock at `lockPath` was written (what `apply --locked` would refuse), or
 * why it cannot be read; empty when it holds. Loaded by `plan` only when a lock exists, so that
 * planning a recipe with none never loads the lock's reader and schema.
 */
export function lockMoved(cwd: string, file: string, loaded: LoadedRecipe, lockPath: string): string[] {
  try {
    return lockInputsMoved(readLock(lockPath, relative(cwd, lockPath)), lockInputs(lockSourcesOf(loaded, cwd, file, internVersion())));
  } catch (error) {
    // A lock that cannot be read says where, as validate would.
    const located = error instanceof InternError ? error.diagnostics.map((d) => `${d.location ? `${d.location.file}:${d.location.line}:${d.location.col}: ` : ""}${d.message} (${d.code})`) : [];
    return located.length > 0 ? located : [error instanceof Error ? error.message : String(error)];
  }
}
