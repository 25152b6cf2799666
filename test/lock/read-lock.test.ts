import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InternError } from "../../src/errors.js";
import { readLock, serializeLock } from "../../src/lock/lock-files.js";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { colOf, lineOf, ROOT, tempDir } from "../helpers/recipe.js";
import { base } from "./lock-fixture.js";

const QUICKSTART = readFileSync(join(ROOT, "recipes", "quickstart.lock.yaml"), "utf8");
let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

/** Writes `text` as x.lock.yaml in a fresh folder; returns its path. */
function lockFile(text: string): string {
  const t = tempDir();
  cleanup = t.cleanup;
  return t.write("x.lock.yaml", text);
}

/** The diagnostics readLock throws for `text`; fails when it reads it. */
function problems(text: string) {
  try {
    readLock(lockFile(text), "x.lock.yaml");
  } catch (error) {
    if (!(error instanceof InternError)) throw error;
    expect(error.code).toBe("INTERN_LOCK_INVALID");
    return error.diagnostics;
  }
  throw new Error("the lock was read");
}

describe("readLock", () => {
  it("reads the committed quickstart lock and a lock as intern writes it", () => {
    expect(readLock(join(ROOT, "recipes", "quickstart.lock.yaml")).recipe.file).toBe("quickstart.yaml");
    expect(readLock(lockFile(serializeLock(base))).base_model).toEqual(base.base_model);
  });

  it("locates a wrong-typed field", () => {
    const text = QUICKSTART.replace("transcripts: {}", "transcripts: 5");
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d!.message).toBe("transcripts must be object, not 5");
    expect(d!.location).toEqual({ file: "x.lock.yaml", line: lineOf(text, "transcripts: 5"), col: "transcripts: ".length + 1 });
    expect(d!.hint).toMatch(/restore it from git, or apply the recipe again/);
  });

  it("names the field of the kind of base model the lock says, not every alternative", () => {
    const text = QUICKSTART.replace("  stage: make-model", "  stage: [make-model]");
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d!.message).toBe("base_model.stage must be string, not a list");
    expect(d!.location?.line).toBe(lineOf(text, "stage: [make-model]"));
  });

  it("locates a missing section at the top", () => {
    const text = QUICKSTART.replace(/^transcripts: \{\}\n/m, "");
    expect(problems(text).map((d) => [d.message, d.location?.line])).toEqual([["lock is missing required key `transcripts`", 3]]);
  });

  it("says a file of another format or version is not a lock of this version", () => {
    const [d] = problems(QUICKSTART.replace("lock_version: 1", "lock_version: 2"));
    expect(d!.message).toBe("not an intern lock file of this version: its lock_version is 2, not 1");
    expect(d!.location?.line).toBe(3);
    expect(problems("apiVersion: intern/v1\nkind: Recipe\n")[0]!.message).toBe("not an intern lock file of this version: it has no lock_version, not 1");
  });

  it("locates YAML errors, and refuses an empty lock or one that is not a mapping", () => {
    expect(problems("lock_version: 1\nintern: [\n")[0]).toMatchObject({ code: "INTERN_YAML_SYNTAX", location: { file: "x.lock.yaml" } });
    expect(problems("")[0]).toMatchObject({ code: "INTERN_LOCK_EMPTY", message: "lock file is empty" });
    expect(problems("- 1\n")[0]).toMatchObject({ code: "INTERN_LOCK_NOT_MAPPING", message: "lock file must be a mapping of keys (lock_version, intern, recipe, ...), not a list" });
  });
});

describe("names a lock turns into paths", () => {
  const DIGEST = `sha256:${"0".repeat(64)}`;

  it.each([["../../etc/passwd"], ["/etc/passwd"], ["a/b"], [".."], ["decide..p1"], ["x\u0000y"], [""]])("refuses the transcripts key %j, at the key, before any file is read", (key) => {
    const text = QUICKSTART.replace("transcripts: {}", `transcripts:\n  ${JSON.stringify(key)}: ${DIGEST}`);
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d!.message).toBe(`transcripts key ${JSON.stringify(key)} is not a stage id: letters, digits, \`_\` and \`-\` in parts joined by single dots (\`train\`, \`decide.p1\`, \`train.t3.p2\`). It names a file in the lock's folder, so no \`/\`, \`..\`, NUL or absolute path.`);
    expect(d!.location).toEqual({ file: "x.lock.yaml", line: lineOf(text, DIGEST), col: 3 });
  });

  it("accepts the stage ids intern writes", () => {
    const text = QUICKSTART.replace("transcripts: {}", `transcripts:\n  research: ${DIGEST}\n  decide.p1: ${DIGEST}\n  discover.t3: ${DIGEST}`);
    expect(Object.keys(readLock(lockFile(text)).transcripts)).toEqual(["research", "decide.p1", "discover.t3"]);
  });

  it("refuses an evaluation stage and a recipe file that would lead out of the lock's folder", () => {
    const text = QUICKSTART.replace("  file: quickstart.yaml", "  file: ../elsewhere/r.yaml").replace("  - stage: evaluate\n", "  - stage: ../evaluate\n");
    expect(problems(text).map((d) => [d.message.split(":")[0], d.location?.line])).toEqual([
      ["recipe.file", lineOf(text, "../elsewhere")],
      ["evaluations[1].stage", lineOf(text, "../evaluate")],
    ]);
  });
});

describe("intern validate and plan with a broken lock", () => {
  it("validate: a located error and exit 1, not an internal error", async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const text = QUICKSTART.replace("  llm_tokens: 0", "  llm_tokens: many");
    t.write("quickstart.lock.yaml", text);
    const r = await cli(["validate", "quickstart.lock.yaml"], t.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`quickstart.lock.yaml:${lineOf(text, "llm_tokens: many")}:${colOf(text, "many")}: budget.llm_tokens must be`);
    expect(r.stderr).toContain("(INTERN_LOCK_INVALID)");
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
