import { basename, dirname, join } from "node:path";

/**
 * `recipes/a.yaml` -> `recipes/a.lock.yaml`. A module of its own so that `plan` can look for a
 * lock without loading the lock's reader and schema validator when there is none.
 */
export function lockPathFor(recipePath: string): string {
  return join(dirname(recipePath), `${basename(recipePath).replace(/\.ya?ml$/i, "")}.lock.yaml`);
}
