import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { compileText, ROOT, tempDir } from "../helpers/recipe.js";

/** Every recipe under recipes/ (not the locks beside them), found anew on each run so that new recipes are covered. */
function recipeFiles(dir = join(ROOT, "recipes")): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? recipeFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) && !/\.lock\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

const RECIPES = recipeFiles().map((path) => relative(ROOT, path));
const MODELINE = "# yaml-language-server: $schema=";
const tmp = tempDir();
afterAll(() => tmp.cleanup());

it("finds the example recipes", () => {
  expect(RECIPES).toContain("recipes/qwen3-1.7b-gpqa.yaml");
});

describe.each(RECIPES)("%s", (file) => {
  const text = readFileSync(join(ROOT, file), "utf8");

  it("starts with a yaml-language-server modeline pointing at the schema", () => {
    const first = text.split("\n")[0]!;
    expect(first.startsWith(MODELINE)).toBe(true);
    const target = resolve(dirname(join(ROOT, file)), first.slice(MODELINE.length).trim());
    expect(realpathSync(target)).toBe(realpathSync(join(ROOT, "schema", "recipe.schema.json")));
  });

  it("validates with no errors or warnings", async () => {
    const r = await cli(["validate", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${file.replace(/\./g, "\\.")}: valid \\(\\d+ stages`));
  });

  it("plans within its budget", async () => {
    const r = await cli(["plan", file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain("over budget");
  });

  it("renders every job stage", async () => {
    const out = join(tmp.dir, file.replace(/[/.]/g, "_"));
    const r = await cli(["render", file, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const jobs = compileText(text, { file }).graph.stages.filter((s) => s.placement === "job").map((s) => s.id);
    expect(jobs.length).toBeGreaterThan(0);
    for (const id of jobs) expect(r.stdout).toContain(`wrote ${join(out, "stages", id, "run.sh")}\n`);
  });
});
