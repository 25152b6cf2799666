import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { InternError } from "../errors.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the live intern process applying the run, or null when none is. */
export function lockHolder(runDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(runDir, "apply.lock"), "utf8").trim());
    return pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * One `apply` per run: a lock file holding the owner's pid, created exclusively. A lock whose
 * owner is dead (killed, crashed) is taken over.
 */
export function acquireRunLock(runDir: string, runId: string): () => void {
  const path = join(runDir, "apply.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(path, "utf8").trim());
      } catch {
        holder = 0;
      }
      if (holder > 0 && holder !== process.pid && alive(holder)) {
        throw new InternError("INTERN_RUN_LOCKED", `run ${runId} is being applied by another intern process (pid ${holder})`, {
          hint: `wait for it, or stop it (kill ${holder}); \`intern status ${runId}\` shows its progress`,
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new InternError("INTERN_RUN_LOCKED", `could not lock run ${runId}`, { hint: `remove ${path} if no intern process is using the run` });
}
