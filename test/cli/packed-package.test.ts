import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, tempDir } from "../helpers/recipe.js";

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a project of its
 * own, run through the installed `intern`. Whatever a command reads from the package root at
 * run time (schema/, templates/, python/, dist/) must be in `files` for this to pass.
 */

const TIMEOUT = 180_000;
const tmp = tempDir();
const project = join(tmp.dir, "project");
let packed: string[] = [];

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
}

function intern(args: string[]): SpawnSyncReturns<string> {
  const { INTERN_ENVS_DIR: _, ...env } = process.env;
  return spawnSync(join(project, "node_modules", ".bin", "intern"), args, { cwd: project, encoding: "utf8", env: { ...env, INTERN_DEBUG: "" } });
}

function ok(r: SpawnSyncReturns<string>): string {
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  // The global setup has just built dist/; packing without scripts keeps `prepare` from
  // rebuilding it (and removing it first) under the other test files running beside this one.
  const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp.dir], ROOT);
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  const tarball = join(tmp.dir, info!.filename);

  cpSync(join(ROOT, "recipes", "quickstart"), join(project, "recipes", "quickstart"), { recursive: true });
  cpSync(join(ROOT, "recipes", "quickstart.yaml"), join(project, "recipes", "quickstart.yaml"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-intern", version: "1.0.0", private: true }));
  // The dependencies' tarballs are in npm's cache after `npm ci`; their registry metadata may not
  // be, and then npm asks the registry for that alone.
  const common = ["install", "--no-audit", "--no-fund", "--no-package-lock", tarball];
  let install = npm([...common, "--offline"], project);
  if (install.status !== 0) install = npm([...common, "--prefer-offline"], project);
  if (install.status !== 0) throw new Error(`npm install ${tarball} failed:\n${install.stderr}`);
}, TIMEOUT);
afterAll(() => tmp.cleanup());

describe("the packed package", () => {
  it("holds the built CLI and everything it reads from the package root", () => {
    for (const file of ["bin/intern.js", "dist/bundle/main.js", "dist/bundle/row-worker.js", "python/evaluate_builtin.py", "python/fingerprint.py", "schema/recipe.schema.json", "templates/trl/sft.yaml.hbs"]) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
  });

  it("validates and plans the quickstart once installed", () => {
    expect(ok(intern(["validate", "recipes/quickstart.yaml"]))).toBe("recipes/quickstart.yaml: valid (6 stages)\n");
    expect(ok(intern(["plan", "recipes/quickstart.yaml"]))).toMatch(/^Plan for quickstart: 6 stages/);
    expect(JSON.parse(ok(intern(["schema"])))).toMatchObject({ title: "intern recipe (v1)" });
  }, TIMEOUT);

  it("renders the quickstart's job files, pointing at intern's Python helpers inside the installed package", () => {
    const out = join(project, "rendered");
    const written = ok(intern(["render", "recipes/quickstart.yaml", "--out", out])).split("\n").filter(Boolean);
    const expected = ["make-model/run.sh", "baseline/run.sh", "train/sft.yaml", "train/accelerate.yaml", "train/run.sh", "evaluate/run.sh"];
    expect(written).toEqual(expected.map((f) => `wrote ${join(out, "stages", f)}`));
    for (const f of expected) expect(existsSync(join(out, "stages", f))).toBe(true);
    const evaluator = join(project, "node_modules", "intern", "python", "evaluate_builtin.py");
    expect(readFileSync(join(out, "stages", "baseline", "run.sh"), "utf8")).toContain(evaluator);
    expect(existsSync(evaluator)).toBe(true);
  }, TIMEOUT);
});
