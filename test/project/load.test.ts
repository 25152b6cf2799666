import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readRecipeBytes } from "../../src/project/load.js";
import { RecipeInvalidError } from "../../src/errors.js";
import { MAX_RECIPE_BYTES } from "../../src/recipe/parse.js";
import { bin, cli, STACK_FRAME } from "../helpers/cli.js";
import { FIXTURES, tempDir } from "../helpers/recipe.js";

// Pass-through spy: lets a test prove a file was never read.
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return { ...fs, readFileSync: vi.fn(fs.readFileSync), openSync: vi.fn(fs.openSync) };
});

const tmp = tempDir();
const FIFTY_MB = 50 * 1024 * 1024;
let big: string;

beforeAll(() => {
  // Sparse: 50 MB by size, made without writing 50 MB.
  big = tmp.write("huge.yaml", "");
  truncateSync(big, FIFTY_MB);
  tmp.write("not-utf8.yaml", readFileSync(join(FIXTURES, "yaml", "latin1.yaml")));
  mkdirSync(join(tmp.dir, "recipes.yaml"));
});
afterAll(() => tmp.cleanup());

function readError(cwd: string, file: string): RecipeInvalidError {
  try {
    readRecipeBytes(cwd, file);
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeInvalidError);
    return error as RecipeInvalidError;
  }
  throw new Error("expected readRecipeBytes to fail");
}

describe("readRecipeBytes", () => {
  it("reads a recipe relative to cwd", () => {
    const bytes = readRecipeBytes(FIXTURES, "recipes/minimal.yaml");
    expect(Buffer.from(bytes).toString("utf8")).toContain("name: tiny-sft");
  });

  it("reports a missing file", () => {
    const e = readError(tmp.dir, "nope.yaml");
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]).toMatchObject({ code: "INTERN_FILE_NOT_FOUND", message: "nope.yaml: no such file" });
    expect(e.diagnostics[0]!.hint).toMatch(/check the path/);
  });

  it("reports a directory", () => {
    const e = readError(tmp.dir, "recipes.yaml");
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]).toMatchObject({ code: "INTERN_FILE_IS_DIRECTORY", message: "recipes.yaml: is a directory, not a recipe file" });
  });

  it("refuses a 50 MB file from its size alone, without opening it", async () => {
    const fs = await import("node:fs");
    vi.mocked(fs.readFileSync).mockClear();
    vi.mocked(fs.openSync).mockClear();
    const started = performance.now();
    const e = readError(tmp.dir, "huge.yaml");
    expect(performance.now() - started).toBeLessThan(200);
    expect(e.diagnostics).toHaveLength(1);
    expect(e.diagnostics[0]).toMatchObject({
      code: "INTERN_RECIPE_TOO_LARGE",
      message: `recipe is 50.0 MiB; a recipe may be at most ${MAX_RECIPE_BYTES / 1024 / 1024} MiB`,
      location: { file: "huge.yaml", line: 1, col: 1 },
    });
    const touched = [...vi.mocked(fs.readFileSync).mock.calls, ...vi.mocked(fs.openSync).mock.calls].map((c) => String(c[0]));
    expect(touched.filter((p) => p.endsWith("huge.yaml"))).toEqual([]);
  });
});

/** Each loading failure through `intern validate`: one error, its code and place, exit 1, no stack. */
const CASES: { what: string; cwd: () => string; file: string; code: string; where: string | null }[] = [
  { what: "a YAML syntax error", cwd: () => FIXTURES, file: "yaml/syntax-error.yaml", code: "INTERN_YAML_SYNTAX", where: "yaml/syntax-error.yaml:3:7" },
  { what: "a duplicate key", cwd: () => FIXTURES, file: "yaml/duplicate-key.yaml", code: "INTERN_YAML_DUPLICATE_KEY", where: "yaml/duplicate-key.yaml:5:1" },
  { what: "a list", cwd: () => FIXTURES, file: "yaml/list.yaml", code: "INTERN_RECIPE_NOT_MAPPING", where: "yaml/list.yaml:1:1" },
  { what: "a scalar", cwd: () => FIXTURES, file: "yaml/scalar.yaml", code: "INTERN_RECIPE_NOT_MAPPING", where: "yaml/scalar.yaml:1:1" },
  { what: "an alias bomb", cwd: () => FIXTURES, file: "yaml/alias-bomb.yaml", code: "INTERN_YAML_ALIAS_LIMIT", where: "yaml/alias-bomb.yaml:7:8" },
  { what: "a 50 MB file", cwd: () => tmp.dir, file: "huge.yaml", code: "INTERN_RECIPE_TOO_LARGE", where: "huge.yaml:1:1" },
  { what: "non-UTF-8 bytes", cwd: () => tmp.dir, file: "not-utf8.yaml", code: "INTERN_RECIPE_NOT_UTF8", where: "not-utf8.yaml:3:10" },
  { what: "an empty file", cwd: () => FIXTURES, file: "yaml/empty.yaml", code: "INTERN_RECIPE_EMPTY", where: "yaml/empty.yaml:1:1" },
  { what: "a directory", cwd: () => tmp.dir, file: "recipes.yaml", code: "INTERN_FILE_IS_DIRECTORY", where: null },
  { what: "a missing file", cwd: () => tmp.dir, file: "missing.yaml", code: "INTERN_FILE_NOT_FOUND", where: null },
];

function expectOneError(stderr: string, code: string, where: string | null): void {
  const codes = [...stderr.matchAll(/\((INTERN_[A-Z0-9_]+)\)$/gm)].map((m) => m[1]);
  expect(codes).toEqual([code]);
  expect(stderr).toMatch(/\n1 error\n$/);
  if (where !== null) expect(stderr.startsWith(`${where}: `)).toBe(true);
  expect(stderr).not.toMatch(STACK_FRAME);
  expect(stderr).not.toMatch(/internal error/);
}

describe.each(CASES)("intern validate on $what", ({ cwd, file, code, where }) => {
  it("prints one located error and exits 1", async () => {
    const r = await cli(["validate", file], cwd());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expectOneError(r.stderr, code, where);
  });

  it("is reported the same by plan, graph and render", async () => {
    for (const argv of [["plan", file], ["graph", file], ["render", file, "--out", join(tmp.dir, "out")]]) {
      const r = await cli(argv, cwd());
      expect(r.code, argv.join(" ")).toBe(1);
      expectOneError(r.stderr, code, where);
    }
  });
});

describe("through the binary", () => {
  it.each(CASES.filter((c) => ["a 50 MB file", "a missing file", "non-UTF-8 bytes", "an alias bomb"].includes(c.what)))("reports $what with exit code 1 and no stack", ({ cwd, file, code, where }) => {
    const started = performance.now();
    const r = bin(["validate", file], cwd());
    expect(r.code).toBe(1);
    expectOneError(r.stderr, code, where);
    // A process start is well under this; reading or parsing 50 MB is not.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("prints the snippet with a caret under the column", () => {
    const r = bin(["validate", "yaml/duplicate-key.yaml"], FIXTURES);
    expect(r.stderr).toContain("  5 | name: second\n    | ^\n  hint: remove one of the two entries\n");
  });
});

it("writes nothing for a file that fails to load", async () => {
  const out = join(tmp.dir, "render-out");
  writeFileSync(join(tmp.dir, "scalar.yaml"), "hello\n");
  const r = await cli(["render", "scalar.yaml", "--out", out], tmp.dir);
  expect(r.code).toBe(1);
  expect(() => readFileSync(join(out, "stages"))).toThrow();
});
