import { afterAll, describe, expect, it } from "vitest";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, ROOT, recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("intern validate", () => {
  it("says each valid recipe is valid, with its stage count", async () => {
    const r = await cli(["validate", "recipes/minimal.yaml", "recipes/open-data.yaml", "recipes/matrix-lr.yaml"], FIXTURES);
    expect(r).toEqual({
      code: 0,
      stdout: "recipes/minimal.yaml: valid (5 stages)\nrecipes/open-data.yaml: valid (15 stages)\nrecipes/matrix-lr.yaml: valid (9 stages, 3 trials)\n",
      stderr: "",
    });
  });

  it("checks every file even after one fails, and exits 1", async () => {
    const r = await cli(["validate", "recipes/several-errors.yaml", "recipes/minimal.yaml", "missing.yaml"], FIXTURES);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("recipes/minimal.yaml: valid (5 stages)\n");
    expect(r.stderr).toContain("recipes/several-errors.yaml:13:1: unknown key `budjet` (INTERN_RECIPE_INVALID)");
    expect(r.stderr).toContain("\n5 errors\n");
    expect(r.stderr).toContain("missing.yaml: no such file (INTERN_FILE_NOT_FOUND)");
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("prints warnings of a valid recipe and still exits 0", async () => {
    tmp.write("warn.yaml", recipeYaml({ compute: { slurm: { partition: "gpu" } } }));
    const r = await cli(["validate", "warn.yaml"], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("warn.yaml: valid (5 stages)\n");
    expect(r.stderr).toMatch(/^warn\.yaml:\d+:3: warning: compute\.slurm is ignored with backend `local` \(INTERN_COMPUTE_INVALID\)\n/);
    expect(r.stderr).toContain("\n1 warning\n");
  });

  it("refuses a copy of the reference recipe whose requirements lack lm-eval, at the list's line", async () => {
    const reference = readFileSync(join(ROOT, "recipes", "qwen3-1.7b-gpqa.yaml"), "utf8");
    const text = reference.replace("  accelerate: zero3\n", "  accelerate: zero3\n  environment:\n    requirements:\n      - trl==1.13.0\n      - deepspeed==0.19.2\n");
    tmp.write("gpqa.yaml", text);
    const r = await cli(["validate", "gpqa.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    const line = text.split("\n").indexOf("    requirements:") + 1;
    expect(r.stderr).toContain(`gpqa.yaml:${line}:5: benchmark.harness \`lm-eval\` needs \`lm_eval\` from lm-eval, which compute.environment.requirements does not install (INTERN_ENV_MISSING_PACKAGE)`);
    expect(r.stderr).toContain("add `lm-eval[hf]==0.4.13`");
    expect(r.stderr).not.toMatch(STACK_FRAME);
    // As shipped, the reference recipe derives its environment and is valid.
    expect((await cli(["validate", join(ROOT, "recipes", "qwen3-1.7b-gpqa.yaml")], tmp.dir)).code).toBe(0);
  });

  describe("--output json", () => {
    it("is one object for one file", async () => {
      const r = await cli(["validate", "recipes/matrix-lr.yaml", "--output", "json"], FIXTURES);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ file: "recipes/matrix-lr.yaml", valid: true, stages: 9, trials: 3, warnings: [] });
      expect(r.stderr).toBe("");
    });

    it("is a list for several files, with every located error", async () => {
      const r = await cli(["validate", "--output", "json", "recipes/minimal.yaml", "recipes/several-errors.yaml"], FIXTURES);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("");
      const [ok, bad] = JSON.parse(r.stdout) as [{ valid: boolean }, { file: string; valid: boolean; errors: { code: string; message: string; location: { line: number; col: number } }[] }];
      expect(ok).toMatchObject({ file: "recipes/minimal.yaml", valid: true, stages: 5 });
      expect(bad.valid).toBe(false);
      expect(bad.errors).toHaveLength(5);
      expect(bad.errors).toContainEqual(expect.objectContaining({ code: "INTERN_RECIPE_INVALID", message: 'compute.gpus must be integer, not "many"', location: { file: "recipes/several-errors.yaml", line: 16, col: 9 } }));
    });

    it("reports a file that cannot be read as a result, not a crash", async () => {
      const r = await cli(["validate", "--output", "json", "nope.yaml"], tmp.dir);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: "nope.yaml", valid: false, errors: [{ code: "INTERN_FILE_NOT_FOUND" }] });
    });
  });
});
