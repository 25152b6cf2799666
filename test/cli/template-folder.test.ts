import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { fixture, lineOf, tempDir } from "../helpers/recipe.js";

let dir = "";
let cleanup = () => {};
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

/** `intern validate` of minimal.yaml with `templates: <folder>`; the one diagnostic it prints. */
async function validateWith(folder: string) {
  const text = fixture("recipes/minimal.yaml").replace("goal:", `templates: ${folder}\ngoal:`);
  writeFileSync(join(dir, "recipe.yaml"), text);
  const started = performance.now();
  const r = await cli(["validate", "recipe.yaml"], dir);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stderr).toContain(`recipe.yaml:${lineOf(text, "templates:")}:12: template folder ${folder} `);
  return r.stderr;
}

describe("a template folder intern cannot use says why", () => {
  it("the root of the file system", async () => {
    const err = await validateWith("/");
    expect(err).toContain("template folder / is the root of the file system, not a template folder (INTERN_TEMPLATES_UNUSABLE)");
    expect(err).not.toContain("does not exist");
  });

  it("a file", async () => {
    writeFileSync(join(dir, "afile"), "x");
    expect(await validateWith("./afile")).toContain("template folder ./afile is a file, not a folder");
  });

  it("a folder far too large to be one (a home folder, /usr)", async () => {
    for (let i = 0; i < 1001; i++) writeFileSync(join(dir, `f${i}.txt`), "");
    expect(await validateWith(".")).toContain("template folder . holds more than 1000 files and folders: too many for a template folder");
  });

  it("a template that is a FIFO, which reading would wait on for ever", async () => {
    mkdirSync(join(dir, "mine", "jobs"), { recursive: true });
    expect(spawnSync("mkfifo", [join(dir, "mine", "jobs", "train.sh.hbs")]).status).toBe(0);
    expect(await validateWith("./mine")).toContain("template folder ./mine has jobs/train.sh.hbs, which is a FIFO");
  });

  it("a folder that does not exist, still", async () => {
    expect(await validateWith("./nowhere")).toMatch(/template folder \.\/nowhere does not exist \(looked in .*nowhere\) \(INTERN_TEMPLATES_NOT_FOUND\)/);
  });
});
