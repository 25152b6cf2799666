import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { lineOf, recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A recipe whose one training dataset is `path`, and a stage that reads `inputs`. */
function recipeWith(path: string, inputs: string[] = []): string {
  return recipeYaml({
    data: { datasets: [{ path, license: "mit" }] },
    stages: [{ name: "tool", run: "true", inputs }],
  });
}

describe("validate and plan read regular files and folders only", () => {
  it("refuses a FIFO at once, located, instead of waiting on it forever", async () => {
    execFileSync("mkfifo", [join(tmp.dir, "rows.jsonl")]);
    const text = recipeWith("rows.jsonl");
    tmp.write("fifo.yaml", text);
    const r = await cli(["validate", "fifo.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fifo.yaml:${lineOf(text, "path: rows.jsonl")}:`);
    expect(r.stderr).toContain("rows.jsonl is a FIFO, not a regular file or a folder (INTERN_INPUT_UNREADABLE)");
    expect(r.stderr).not.toMatch(STACK_FRAME);
  }, 20_000);

  it("refuses a device such as /dev/zero, which would never end", async () => {
    tmp.write("zero.yaml", recipeWith("/dev/zero"));
    const r = await cli(["plan", "zero.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/dev/zero is a character device, not a regular file or a folder (INTERN_INPUT_UNREADABLE)");
  }, 20_000);

  it("names a link to nothing inside an input folder, and a dangling link named directly", async () => {
    mkdirSync(join(tmp.dir, "tools"));
    writeFileSync(join(tmp.dir, "tools", "ok.py"), "print(1)\n");
    symlinkSync(join(tmp.dir, "nowhere"), join(tmp.dir, "tools", "gone.py"));
    symlinkSync(join(tmp.dir, "nowhere"), join(tmp.dir, "gone.jsonl"));
    writeFileSync(join(tmp.dir, "rows2.jsonl"), '{"text": "a"}\n');
    const text = recipeWith("rows2.jsonl", ["tools", "gone.jsonl"]);
    tmp.write("links.yaml", text);
    const r = await cli(["validate", "links.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tools holds gone.py, a symbolic link to nothing (INTERN_INPUT_UNREADABLE)");
    expect(r.stderr).toContain("gone.jsonl is a symbolic link to nothing (INTERN_INPUT_UNREADABLE)");
    expect(r.stderr).not.toMatch(/internal error/);
    // A file that does not exist yet is a stage's business, not an error.
    tmp.write("later.yaml", recipeWith("rows2.jsonl", ["made-later.txt"]));
    expect((await cli(["validate", "later.yaml"], tmp.dir)).code).toBe(0);
  }, 20_000);
});
