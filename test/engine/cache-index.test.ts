import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileCacheIndex } from "../../src/engine/cache-index.js";
import { tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const KEY = "ab".padEnd(64, "0");
const OTHER = "ab".padEnd(64, "1");
const ELSEWHERE = "cd".padEnd(64, "0");

describe("FileCacheIndex with a snapshot (intern plan)", () => {
  it("answers every lookup as the index that asks the file system each time", () => {
    const project = join(tmp.dir, "project");
    const index = new FileCacheIndex(project);
    const outputs = join(project, "outputs");
    mkdirSync(outputs, { recursive: true });
    index.put(KEY, { runId: "run-1", stage: "train", dir: outputs, outputs: {} });
    index.put(OTHER, { runId: "run-1", stage: "gone", dir: join(project, "deleted"), outputs: {} });
    index.remember("recipe", "train", { runId: "run-1", key: KEY, inputs: { a: "1" } });
    const snapshot = new FileCacheIndex(project, { snapshot: true });
    for (const key of [KEY, OTHER, ELSEWHERE]) expect(snapshot.lookup(key), key).toEqual(index.lookup(key));
    expect(snapshot.lookup(KEY)).toEqual({ runId: "run-1" });
    for (const [recipe, stage] of [["recipe", "train"], ["recipe", "evaluate"], ["other", "train"]] as const) {
      expect(snapshot.previous(recipe, stage)).toEqual(index.previous(recipe, stage));
    }
    expect(snapshot.previous("recipe", "train")?.key).toBe(KEY);
  });

  it("finds nothing in a project with no cache, and reads no folder twice", () => {
    const snapshot = new FileCacheIndex(join(tmp.dir, "empty"), { snapshot: true });
    expect(snapshot.lookup(KEY)).toBeNull();
    expect(snapshot.previous("recipe", "train")).toBeNull();
  });

  it("does not see entries written after it listed their folder, unlike the live index", () => {
    const project = join(tmp.dir, "later");
    const snapshot = new FileCacheIndex(project, { snapshot: true });
    expect(snapshot.lookup(KEY)).toBeNull();
    mkdirSync(join(project, "out"), { recursive: true });
    new FileCacheIndex(project).put(KEY, { runId: "run-2", stage: "train", dir: join(project, "out"), outputs: {} });
    expect(snapshot.lookup(KEY)).toBeNull();
    expect(new FileCacheIndex(project).lookup(KEY)).toEqual({ runId: "run-2" });
  });

  it.skipIf(process.getuid?.() === 0)("asks file by file in a folder it may enter but not list", () => {
    const project = join(tmp.dir, "unlistable");
    const index = new FileCacheIndex(project);
    mkdirSync(join(project, "out"), { recursive: true });
    index.put(KEY, { runId: "run-3", stage: "train", dir: join(project, "out"), outputs: {} });
    const folder = join(project, ".intern", "cache", KEY.slice(0, 2));
    chmodSync(folder, 0o311);
    try {
      expect(new FileCacheIndex(project, { snapshot: true }).lookup(KEY)).toEqual({ runId: "run-3" });
    } finally {
      chmodSync(folder, 0o755);
    }
  });
});
