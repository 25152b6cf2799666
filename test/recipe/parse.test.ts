import { describe, expect, it } from "vitest";
import { RecipeInvalidError, type Diagnostic } from "../../src/errors.js";
import { MAX_ALIAS_COUNT, MAX_RECIPE_BYTES, parseRecipe } from "../../src/recipe/parse.js";
import { fixture, FIXTURES } from "../helpers/recipe.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The single diagnostic parseRecipe raises for these bytes. */
function parseError(bytes: Uint8Array | string, file = "recipe.yaml"): Diagnostic {
  try {
    parseRecipe(file, typeof bytes === "string" ? Buffer.from(bytes) : bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeInvalidError);
    const { diagnostics } = error as RecipeInvalidError;
    expect(diagnostics).toHaveLength(1);
    return diagnostics[0]!;
  }
  throw new Error("expected parseRecipe to fail");
}

const bytesOf = (name: string) => readFileSync(join(FIXTURES, "yaml", name));

describe("parseRecipe", () => {
  it("returns plain data and keeps the document for locating later errors", () => {
    const { data, source } = parseRecipe("minimal.yaml", Buffer.from(fixture("recipes/minimal.yaml")));
    expect(data).toMatchObject({ apiVersion: "intern/v1", name: "tiny-sft", budget: { gpu_hours: 10 } });
    expect(source.file).toBe("minimal.yaml");
    expect(source.doc.contents).not.toBeNull();
  });

  it("reports a YAML syntax error at its line and column", () => {
    const d = parseError(bytesOf("syntax-error.yaml"), "bad.yaml");
    expect(d.code).toBe("INTERN_YAML_SYNTAX");
    expect(d.message).toMatch(/^YAML syntax error: /);
    expect(d.message).not.toMatch(/at line/);
    expect(d.location).toEqual({ file: "bad.yaml", line: 3, col: 7 });
    expect(d.snippet).toBe("3 | name: tiny: sft\n  |       ^");
  });

  it("refuses tabs used as indentation", () => {
    const d = parseError("apiVersion: intern/v1\nbudget:\n\tgpu_hours: 1\n");
    expect(d.code).toBe("INTERN_YAML_SYNTAX");
    expect(d.message).toMatch(/tab/i);
    expect(d.location?.line).toBe(3);
  });

  it("refuses a duplicate key and points at the second one", () => {
    const d = parseError(bytesOf("duplicate-key.yaml"));
    expect(d.code).toBe("INTERN_YAML_DUPLICATE_KEY");
    expect(d.message).toBe("duplicate key: each key may appear once in a mapping");
    expect(d.location).toMatchObject({ line: 5, col: 1 });
    expect(d.hint).toBe("remove one of the two entries");
  });

  it("refuses a duplicate key nested in a mapping", () => {
    const d = parseError("budget:\n  gpu_hours: 1\n  wall_clock: 1h\n  gpu_hours: 2\n");
    expect(d.code).toBe("INTERN_YAML_DUPLICATE_KEY");
    expect(d.location).toMatchObject({ line: 4, col: 3 });
  });

  it("refuses a recipe that is a list", () => {
    const d = parseError(bytesOf("list.yaml"));
    expect(d.code).toBe("INTERN_RECIPE_NOT_MAPPING");
    expect(d.message).toBe("recipe must be a mapping of keys (apiVersion, kind, name, ...), not a list");
    expect(d.location).toMatchObject({ line: 1, col: 1 });
  });

  it("refuses a recipe that is a single value", () => {
    const d = parseError(bytesOf("scalar.yaml"));
    expect(d.code).toBe("INTERN_RECIPE_NOT_MAPPING");
    expect(d.message).toMatch(/not a single value$/);
  });

  it("stops an alias bomb and points at the first alias, not at a glob", () => {
    const text = fixture("yaml/alias-bomb.yaml");
    const started = performance.now();
    const d = parseError(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(d.code).toBe("INTERN_YAML_ALIAS_LIMIT");
    expect(d.message).toBe(`too many alias expansions (more than ${MAX_ALIAS_COUNT}); the document would blow up in memory`);
    // Line 5 has `allow: ["**"]`; the first alias is `*a` on line 7.
    expect(d.location).toMatchObject({ line: 7, col: 8 });
    expect(d.snippet).toContain("b: &b [*a,");
  });

  it("reports an alias with no anchor as a YAML error at that alias, not as an alias bomb", () => {
    const d = parseError("a: &x 1\nb: *x\nc: *y\n");
    expect(d.code).toBe("INTERN_YAML_SYNTAX");
    expect(d.message).toBe("YAML error: Unresolved alias (the anchor must be set before the alias): y");
    expect(d.location).toMatchObject({ line: 3, col: 4 });
  });

  it("refuses several documents in one file", () => {
    const d = parseError(`${fixture("recipes/minimal.yaml")}---\nname: other\n`);
    expect(d.code).toBe("INTERN_YAML_SYNTAX");
    expect(d.message).toMatch(/multiple documents/);
    expect(d.snippet).toMatch(/\| ---\n/);
  });

  it("accepts anchors and aliases used by hand", () => {
    const { data } = parseRecipe("r.yaml", bytesOf("few-aliases.yaml"));
    expect(data).toMatchObject({ one: { split: "train" }, two: { license: "apache-2.0" } });
  });

  it("refuses bytes over the size limit before decoding them", () => {
    const bytes = new Uint8Array(MAX_RECIPE_BYTES + 1).fill(0xff);
    const d = parseError(bytes);
    expect(d.code).toBe("INTERN_RECIPE_TOO_LARGE");
    expect(d.message).toBe("recipe is 1.0 MiB; a recipe may be at most 1 MiB");
  });

  it("accepts exactly the size limit", () => {
    const text = `apiVersion: intern/v1\ngoal: "${"x".repeat(MAX_RECIPE_BYTES - 40)}"\n`;
    const bytes = Buffer.from(text.padEnd(MAX_RECIPE_BYTES, "#"));
    expect(bytes.length).toBe(MAX_RECIPE_BYTES);
    expect(() => parseRecipe("r.yaml", bytes)).not.toThrow();
  });

  describe("non-UTF-8 bytes", () => {
    it("points at the first bad byte's line and column", () => {
      const d = parseError(bytesOf("latin1.yaml"));
      expect(d.code).toBe("INTERN_RECIPE_NOT_UTF8");
      // Line 3 is `goal: caf\xe9 au lait`: the Latin-1 é is the tenth character.
      expect(d.location).toMatchObject({ line: 3, col: 10 });
      expect(d.message).toBe("byte 0xe9 at offset 44 is not valid UTF-8");
      expect(d.hint).toBe("save the recipe as UTF-8");
    });

    it("counts a multi-byte character before the bad byte as one column", () => {
      const d = parseError(Buffer.concat([Buffer.from("goal: déjà "), Buffer.from([0xff])]));
      expect(d.location).toMatchObject({ line: 1, col: 12 });
    });

    it("does not count a byte-order mark as a column", () => {
      const d = parseError(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("goal: x"), Buffer.from([0xff])]));
      expect(d.location).toMatchObject({ line: 1, col: 8 });
    });

    it.each([
      ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
      ["an overlong encoding", [0xe0, 0x80, 0x80]],
      ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
      ["a truncated sequence at the end", [0xe2, 0x82]],
    ])("points at %s", (_what, bad) => {
      const d = parseError(Buffer.concat([Buffer.from("a: 1\ngoal: x"), Buffer.from(bad)]));
      expect(d.location).toMatchObject({ line: 2, col: 8 });
      expect(d.message).toBe(`byte 0x${bad[0]!.toString(16)} at offset 12 is not valid UTF-8`);
    });

    it("strips a byte-order mark from valid UTF-8", () => {
      const { data } = parseRecipe("r.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("name: x\n")]));
      expect(data).toEqual({ name: "x" });
    });
  });

  it.each([
    ["an empty file", "empty.yaml"],
    ["a file with only comments", "comment-only.yaml"],
  ])("refuses %s as empty", (_what, name) => {
    const d = parseError(bytesOf(name));
    expect(d.code).toBe("INTERN_RECIPE_EMPTY");
    expect(d.message).toBe("recipe is empty");
    expect(d.hint).toMatch(/recipes\//);
  });

  it("refuses a document of only blank lines and a document marker as empty", () => {
    expect(parseError("\n\n  \n").code).toBe("INTERN_RECIPE_EMPTY");
    expect(parseError("---\n").code).toBe("INTERN_RECIPE_EMPTY");
  });
});
