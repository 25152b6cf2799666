import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { templateDigests, type LoadedRecipe } from "../project/load.js";
import type { LockSources } from "./build-lock.js";

/** What `buildLock` needs from a loaded recipe: reads the recipe's bytes. */
export function lockSourcesOf(loaded: LoadedRecipe, projectDir: string, recipeFile: string, internVersion: string): LockSources {
  const path = resolve(projectDir, recipeFile);
  return {
    recipe: loaded.validated.recipe,
    graph: loaded.graph,
    recipeFile: basename(path),
    recipeBytes: readFileSync(path),
    recipeDir: dirname(path),
    templateDigests: templateDigests(loaded.templates),
    internVersion,
  };
}
