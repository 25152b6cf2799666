import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CacheIndex } from "../plan/types.js";
import { internDir } from "./run-store.js";

export interface CacheEntry {
  runId: string;
  stage: string;
  dir: string;
  outputs: Record<string, unknown>;
}

/**
 * Completed stages by content key, one small file per key under `.intern/cache/`: a lookup is
 * one read, however many runs the project has.
 */
export class FileCacheIndex implements CacheIndex {
  private readonly dir: string;

  constructor(projectDir: string) {
    this.dir = join(internDir(projectDir), "cache");
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): CacheEntry | null {
    const p = this.path(key);
    if (!existsSync(p)) return null;
    try {
      const entry = JSON.parse(readFileSync(p, "utf8")) as CacheEntry;
      // An entry whose files were deleted is no cache.
      return existsSync(entry.dir) ? entry : null;
    } catch {
      return null;
    }
  }

  lookup(key: string): { runId: string } | null {
    const e = this.get(key);
    return e ? { runId: e.runId } : null;
  }

  put(key: string, entry: CacheEntry): void {
    const p = this.path(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    writeFileSync(`${p}.tmp`, JSON.stringify(entry));
    renameSync(`${p}.tmp`, p);
  }
}
