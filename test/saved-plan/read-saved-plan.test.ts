import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InternError } from "../../src/errors.js";
import { readSavedPlan } from "../../src/saved-plan/read-saved-plan.js";
import { cli, STACK_FRAME } from "../helpers/cli.js";
import { fixture, lineOf, tempDir } from "../helpers/recipe.js";

let dir = "";
let cleanup = () => {};
let saved = "";

beforeEach(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  t.write("recipe.yaml", fixture("recipes/minimal.yaml"));
  const r = await cli(["plan", "recipe.yaml", "--out", "plan.json"], dir);
  expect(r.code, r.stderr).toBe(0);
  saved = readFileSync(join(dir, "plan.json"), "utf8");
});
afterEach(() => cleanup());

/** plan.json rewritten by `edit` on its parsed content. */
function edited(edit: (plan: Record<string, unknown> & { stages: Record<string, unknown>[] }) => void): string {
  const plan = JSON.parse(saved) as Record<string, unknown> & { stages: Record<string, unknown>[] };
  edit(plan);
  const text = `${JSON.stringify(plan, null, 2)}\n`;
  writeFileSync(join(dir, "plan.json"), text);
  return text;
}

function problems() {
  try {
    readSavedPlan(dir, "plan.json");
  } catch (error) {
    if (!(error instanceof InternError)) throw error;
    expect(error.code).toBe("INTERN_PLAN_INVALID");
    return error.diagnostics;
  }
  throw new Error("the plan was read");
}

describe("readSavedPlan", () => {
  it("reads the plan `plan --out` wrote", () => {
    const plan = readSavedPlan(dir, "plan.json");
    expect(plan.recipe).toBe("recipe.yaml");
    expect(plan.stages.map((s) => s.id)).toEqual(["baseline", "prepare", "train", "evaluate", "report"]);
  });

  it("locates a missing field at the mapping that lacks it", () => {
    edited((p) => delete p.recipeSha256);
    expect(problems().map((d) => [d.message, d.location?.line, d.location?.col])).toEqual([["saved plan is missing required key `recipeSha256`", 1, 1]]);
  });

  it("locates a missing field of a stage at that stage", () => {
    const text = edited((p) => delete p.stages[2]!.key);
    const [d, ...rest] = problems();
    expect(rest).toEqual([]);
    expect(d!.message).toBe("stages[2] is missing required key `key`");
    expect(d!.location?.line).toBe(lineOf(text, '"id": "train"') - 1);
    expect(d!.hint).toMatch(/save the plan again/);
  });

  it("locates a wrong-typed field at its value", () => {
    const text = edited((p) => (p.stages[0]!.action = "skip"));
    const [d] = problems();
    expect(d!.message).toBe('stages[0].action must be one of "run", "cached", "replay", not "skip"');
    expect(d!.location?.line).toBe(lineOf(text, '"skip"'));
  });

  it("locates a JSON syntax error, and the end of a plan cut short", () => {
    writeFileSync(join(dir, "plan.json"), saved.replace('"version": 1,', '"version": 1,,'));
    expect(problems()[0]).toMatchObject({ location: { line: 3 } });
    writeFileSync(join(dir, "plan.json"), saved.slice(0, 200));
    const [d] = problems();
    expect(d!.message).toMatch(/^not valid JSON/);
    expect(d!.location?.line).toBe(saved.slice(0, 200).split("\n").length);
  });

  it("says a JSON file that is no saved plan is not one", () => {
    writeFileSync(join(dir, "plan.json"), '{"name": "x"}\n');
    expect(problems()[0]!.message).toBe("plan.json is not a plan saved by `intern plan --out` (kind: intern-plan, version: 1)");
  });
});

describe("intern apply with a broken saved plan", () => {
  it("exits 1 with the located error before reading the recipe, not an internal error", async () => {
    const text = edited((p) => delete p.stages);
    const r = await cli(["apply", "plan.json"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("plan.json:1:1: saved plan is missing required key `stages` (INTERN_PLAN_INVALID)");
    expect(r.stderr).toContain("hint: save the plan again");
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(text).not.toContain('"stages"');
  });
});
