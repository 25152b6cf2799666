import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, events, makeProject, ofType, provision } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

describe("a job stage that fails while it is rendered", () => {
  it("with --jobs 1, lets the next ready job run and reports the failure, not an exhausted budget the recipe never set", async () => {
    // The base model comes from a job of the recipe's own; once it and prepare are done, the
    // baseline and training are ready together. The evaluation's job template names a variable
    // that does not exist, so the baseline fails in render and gives its slot back.
    const project = makeProject({
      changes: {
        base_model: { path: undefined, stage: "make" },
        stages: [{ name: "make", run: 'cp -r "$INTERN_RECIPE_DIR/base-model" "$INTERN_STAGE_DIR/model"', outputs: ["model/"], time_limit: "1m" }],
      },
    });
    mkdirSync(join(project.dir, "templates", "jobs"), { recursive: true });
    writeFileSync(join(project.dir, "templates", "jobs", "evaluate-builtin.sh.hbs"), "exec python {{sh eval.nothing_here}}\n");
    const r = await apply(project, ["--jobs", "1"]);
    expect(r.code).toBe(1);
    const log = events(project);
    expect(ofType(log, "budget_exhausted")).toEqual([]);
    expect(ofType(log, "stage_failed").map((e) => e.stage)).toContain("baseline");
    expect(ofType(log, "stage_failed")[0]!.error).toMatch(/^template .*evaluate-builtin\.sh\.hbs/);
    // Training ran even though the failed stage had taken the only slot first.
    expect(ofType(log, "stage_done").map((e) => e.stage)).toEqual(expect.arrayContaining(["make", "prepare", "train"]));
    expect(r.stdout).not.toMatch(/budget exhausted/);
  }, 300_000);
});
