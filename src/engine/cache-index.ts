import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CacheIndex, PreviousResult } from "../plan/types.js";
import { internDir } from "../run/run-store.js";

export interface CacheEntry {
  runId: string;
  stage: string;
  dir: string;
  outputs: Record<string, unknown>;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null;
  }
}

/**
 * Completed stages by content key, one small file per key under `.intern/cache/`: a lookup is
 * one read, however many runs the project has. Beside them, each stage's last result by recipe
 * and stage id with its key's ingredients, so `plan` can say which input changed.
 */
export class FileCacheIndex implements CacheIndex {
  private readonly dir: string;
  /** With `snapshot`, the names in each folder, read once (see the constructor). */
  private readonly listings: Map<string, Set<string> | null> | null;

  /**
   * `snapshot: true` is for a reader that looks up every stage of a plan once and is done
   * (`intern plan`): it lists each folder of the cache the first time it needs it and answers
   * from that list, rather than asking the file system once per stage (thousands of times for a
   * sweep, mostly for files that do not exist). Entries written meanwhile are not seen.
   */
  constructor(projectDir: string, options: { snapshot?: boolean } = {}) {
    this.dir = join(internDir(projectDir), "cache");
    this.listings = options.snapshot === true ? new Map() : null;
  }

  /**
   * Whether `name` may be in the cache's folder `folder` (a path under it): false only when the
   * snapshot's listing says it is not. The folder's full path is made only to list it.
   */
  private mayHold(folder: string, name: string): boolean {
    if (this.listings === null) return true;
    let names = this.listings.get(folder);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(join(this.dir, folder)));
      } catch (error) {
        // No such folder: nothing in it. A folder that cannot be listed is asked file by file.
        const code = (error as NodeJS.ErrnoException).code;
        names = code === "ENOENT" || code === "ENOTDIR" ? new Set() : null;
      }
      this.listings.set(folder, names);
    }
    return names === null || names.has(name);
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  private latestPath(recipe: string, stageId: string): string {
    return join(this.dir, "latest", recipe, `${stageId}.json`);
  }

  get(key: string): CacheEntry | null {
    if (!this.mayHold(key.slice(0, 2), `${key}.json`)) return null;
    const entry = readJson<CacheEntry>(this.path(key));
    // An entry whose files were deleted is no cache.
    return entry && existsSync(entry.dir) ? entry : null;
  }

  lookup(key: string): { runId: string } | null {
    const e = this.get(key);
    return e ? { runId: e.runId } : null;
  }

  put(key: string, entry: CacheEntry): void {
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    writeJson(this.path(key), entry);
  }

  previous(recipe: string, stageId: string): PreviousResult | null {
    if (!this.mayHold(`latest/${recipe}`, `${stageId}.json`)) return null;
    return readJson<PreviousResult>(this.latestPath(recipe, stageId));
  }

  /** Records the result a stage of `recipe` now has (computed or reused). */
  remember(recipe: string, stageId: string, result: PreviousResult): void {
    const path = this.latestPath(recipe, stageId);
    mkdirSync(join(this.dir, "latest", recipe), { recursive: true });
    writeJson(path, result);
  }
}
