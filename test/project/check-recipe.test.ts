import { spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileDigests } from "../../src/project/file-digests.js";
import { checkRecipe, loadRecipe } from "../../src/project/load.js";
import { FIXTURES, recipeYaml, ROOT, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const shipped = readdirSync(join(ROOT, "recipes"))
  .filter((f) => /\.ya?ml$/.test(f) && !f.includes(".lock."))
  .map((f): [string, string] => [ROOT, `recipes/${f}`]);

describe("checkRecipe (what `intern validate` runs)", () => {
  it.each([...shipped, [FIXTURES, "recipes/minimal.yaml"], [FIXTURES, "recipes/matrix-lr.yaml"]])("counts the stages loadRecipe compiles: %s %s", (cwd, file) => {
    const { validated, stages } = checkRecipe(cwd, file);
    const loaded = loadRecipe(cwd, file);
    expect(stages).toBe(loaded.graph.stages.length);
    expect(validated.trials.length).toBe(loaded.validated.trials.length);
  });

  it("counts stages shared across trials once, as loadRecipe does", () => {
    const file = join(tmp.dir, "seed-sweep.yaml");
    writeFileSync(file, recipeYaml({ matrix: { "data.seed": [1, 2, 3, 4], "training.hyperparameters.learning_rate": [2e-5, 3e-5] } }));
    const loaded = loadRecipe(tmp.dir, file);
    expect(checkRecipe(tmp.dir, file).stages).toBe(loaded.graph.stages.length);
    // The baseline is one stage for all 8 trials; prepare one per seed.
    expect(loaded.graph.stages.filter((s) => s.kind === "prepare")).toHaveLength(4);
  });

  it("identifies local files by size and time without reading them; loadRecipe digests their bytes", () => {
    const { validated } = loadRecipe(ROOT, "recipes/quickstart.yaml");
    const dir = join(ROOT, "recipes");
    const read = fileDigests(validated, dir);
    const checked = fileDigests(validated, dir, { read: false });
    expect(Object.keys(checked.digests).sort()).toEqual(Object.keys(read.digests).sort());
    expect(Object.keys(read.digests).length).toBeGreaterThan(1);
    for (const [path, digest] of Object.entries(read.digests)) {
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const st = statSync(join(dir, path));
      expect(checked.digests[path]).toBe(`stat:${st.size}:${Math.floor(st.mtimeMs)}`);
    }
    expect(checked.problems).toEqual([]);
  });

  it("reports a cycle as loadRecipe does", () => {
    expect(() => checkRecipe(FIXTURES, "recipes/cycle.yaml")).toThrow(/cycle/);
    expect(() => loadRecipe(FIXTURES, "recipes/cycle.yaml")).toThrow(/cycle/);
  });

  it("lets `intern validate` run without node:crypto, local data files included", () => {
    const probe = join(tmp.dir, "probe.cjs");
    writeFileSync(probe, 'process.on("exit", () => process.stderr.write(`crypto:${process.moduleLoadList.includes("NativeModule crypto")}\\n`));');
    const run = (command: string, recipe: string) => spawnSync(process.execPath, ["--require", probe, join(ROOT, "bin", "intern.js"), command, recipe], { cwd: ROOT, encoding: "utf8" });
    // The quickstart names its data and benchmark files, which validate opens but does not read.
    for (const recipe of ["recipes/qwen3-1.7b-gpqa.yaml", "recipes/quickstart.yaml"]) {
      const validate = run("validate", recipe);
      expect(validate.status).toBe(0);
      expect(validate.stderr).toBe("crypto:false\n");
    }
    // plan prints what the cache holds for each stage, which it finds by key.
    expect(run("plan", "recipes/qwen3-1.7b-gpqa.yaml").stderr).toBe("crypto:true\n");
  });
});
