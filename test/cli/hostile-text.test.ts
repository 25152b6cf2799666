import { afterAll, describe, expect, it } from "vitest";
import { printable, printableJson, printableLines } from "../../src/printable.js";
import { describeEvent } from "../../src/cli/reporters/describe-event.js";
import { cli } from "../helpers/cli.js";
import { recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// What a terminal would obey: ESC (clear screen, retitle the window), BEL, CR, C1 CSI, a right-to-left override.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CLEAR = "\u001b[2J\u001b]0;owned\u0007";

describe("recipe text never reaches the terminal raw", () => {
  it("escapes control characters in an unknown key, an invalid value and the source line shown", async () => {
    // A key that clears the screen, and a value that forges a line of its own.
    const text = recipeYaml({ benchmark: { harness: `builtin${CLEAR}\nforged.yaml: valid (5 stages)` } }).replace("budget:", `"bud${CLEAR}get": 1\nbudget:`);
    tmp.write("hostile.yaml", text);
    const r = await cli(["validate", "hostile.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain("\\x1b[2J\\x1b]0;owned\\x07");
    // The forged text stays inside the message's line; no line of the output starts with it.
    expect(r.stderr.split("\n").some((l) => l.startsWith("forged.yaml"))).toBe(false);
    expect(r.stderr).toContain("\\x07\\nforged.yaml: va");
    expect(r.stdout).toBe("");
  });

  it("keeps the caret under the offending value when escapes widen the line before it", async () => {
    // Two BELs before a value of the wrong type, on one line.
    const text = recipeYaml({}).replace(/^budget:\n/m, `budget: {"\u0007\u0007": 1, gpu_hours: "lots"}\nbudget_unused:\n`);
    tmp.write("caret.yaml", text);
    const r = await cli(["validate", "caret.yaml"], tmp.dir);
    const lines = r.stderr.split("\n");
    const src = lines.findIndex((l) => l.includes('budget.gpu_hours must be number, not "lots"')) + 1;
    expect(lines[src]).toContain('{"\\x07\\x07": 1, gpu_hours: "lots"}');
    expect(src).toBeGreaterThan(0);
    expect(lines[src + 1]!.indexOf("^")).toBe(lines[src]!.indexOf('"lots"'));
  });

  it("escapes what JSON leaves raw (DEL, C1, bidirectional overrides) in --output json, and it still parses", async () => {
    const text = recipeYaml({ benchmark: { harness: "x\u009b2J\u202egnp.exe\u007f" } });
    tmp.write("json.yaml", text);
    const r = await cli(["validate", "json.yaml", "--output", "json"], tmp.dir);
    expect(r.stdout).not.toMatch(RAW);
    const parsed = JSON.stringify(JSON.parse(r.stdout));
    expect(parsed).toContain("x\u009b2J\u202egnp.exe\u007f");
  });

  it("shows a failed job's log tail as the terminal would have left it, escaped", () => {
    const line = describeEvent({ type: "stage_failed", at: "t", stage: "train", error: `boom${CLEAR}`, hint: "h\nok", log: "job.log", logTail: `50%|#####\r100%|##########\nTraceback\u001b[31m red\u001b[0m`, attempt: 1 } as never)!;
    expect(line).not.toMatch(RAW);
    expect(line).toContain("    | 100%|##########\n    | Traceback\\x1b[31m red\\x1b[0m");
    expect(line).toContain("hint: h\\nok");
  });

  it("escapes by code point: newlines only where the caller keeps them", () => {
    expect(printable("a\nb\rc\td\u001b\u009b\u202e")).toBe("a\\nb\\rc\td\\x1b\\x9b\\u202e");
    expect(printableLines("a\nb\u0007")).toBe("a\nb\\x07");
    expect(printableJson({ s: "\u0085\u2066" })).toBe('{\n  "s": "\\u0085\\u2066"\n}');
  });
});
