import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/project/load.js";
import { applyRecipe } from "../../src/engine/apply.js";
import { InternalError } from "../../src/errors.js";
import type { Executor } from "../../src/executors/types.js";
import { recipeYaml, ROOT, tempDir } from "../helpers/recipe.js";

describe("applyRecipe", () => {
  it("refuses, as a bug of intern's and before anything is written, an executor other than the recipe's backend", async () => {
    const tmp = tempDir();
    try {
      tmp.write("recipe.yaml", recipeYaml());
      const run = applyRecipe({
        projectDir: tmp.dir,
        recipeFile: "recipe.yaml",
        loaded: loadRecipe(tmp.dir, "recipe.yaml"),
        executor: { name: "slurm" } as Executor,
        forceNew: false, failFast: false, jobs: 1, pollIntervalMs: 50,
        env: {}, signal: new AbortController().signal,
        pythonDir: `${ROOT}python`, internVersion: "test", onEvent: () => {},
      });
      await expect(run).rejects.toThrow(InternalError);
      await expect(run).rejects.toThrow(/^internal: compute\.backend local given the slurm executor$/);
      expect(readdirSync(tmp.dir)).toEqual(["recipe.yaml"]);
    } finally {
      tmp.cleanup();
    }
  });
});
