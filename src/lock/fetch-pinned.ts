import { join } from "node:path";
import { InternError } from "../errors.js";
import type { Recipe } from "../recipe/types.js";
import { createSourceContext, downloadDataset } from "../sources/index.js";
import { hubToken } from "../sources/endpoints.js";
import { createSourcePolicy } from "../sources/policy.js";
import type { Lock } from "./types.js";

/**
 * Before a locked run: every Hub file the lock pins is put in the download cache
 * (`.intern/cache/hub`), fetched at its pinned commit when missing (a clean checkout), and its
 * sha256 checked against the lock. The replayed stages then read it from the cache, offline.
 * Throws naming each file that cannot be had at its commit or whose digest moved.
 */
export async function fetchPinnedData(lock: Lock, options: { projectDir: string; recipe: Recipe; env: Readonly<Record<string, string | undefined>>; lockPath: string }): Promise<void> {
  const pinned = lock.datasets.flatMap((d) => (d.source === "hub" && d.sha !== null && d.file !== null && d.sha256 !== null ? [{ ...d, sha: d.sha, file: d.file, sha256: d.sha256 }] : []));
  if (pinned.length === 0) return;
  const ctx = createSourceContext(options.env);
  const policy = createSourcePolicy(options.recipe, { hasToken: hubToken(options.env) !== null });
  const moved: string[] = [];
  for (const d of pinned) {
    const label = `datasets ${d.id}@${d.sha}/${d.file}`;
    try {
      const got = await downloadDataset(ctx, policy, { id: d.id, revision: d.sha, files: [d.file], cacheDir: join(options.projectDir, ".intern", "cache", "hub") });
      const digest = `sha256:${got.files[0]!.sha256.replace(/^sha256:/, "")}`;
      if (digest !== d.sha256) moved.push(`${label}: ${d.sha256} in the lock, ${digest} now`);
    } catch (error) {
      moved.push(`${label}: cannot be read at the pinned commit (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (moved.length > 0) {
    throw new InternError("INTERN_LOCK_MOVED", `--locked: ${moved.length} pinned Hub file(s) of ${options.lockPath} cannot be had as recorded:\n  ${moved.join("\n  ")}`, {
      hint: "check HF_ENDPOINT and HF_TOKEN; a commit the Hub no longer has cannot be reproduced",
    });
  }
}
