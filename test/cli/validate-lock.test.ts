import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import type { Lock } from "../../src/lock/types.js";
import { cli } from "../helpers/cli.js";
import { ROOT } from "../helpers/recipe.js";
import { lockSchemaErrors } from "../lock/lock-schema.js";

it("validate given recipes/*.yaml says a lock beside its recipe is a lock, and still checks the recipes", async () => {
  const r = await cli(["validate", "recipes/quickstart.yaml", "recipes/quickstart.lock.yaml"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("recipes/quickstart.yaml: valid (6 stages)");
  expect(r.stdout).toContain("recipes/quickstart.lock.yaml: a lock file (of quickstart.yaml)");
});

it("the committed quickstart lock fits schema/lock.schema.json, with a fingerprint, model digests and per-item results beside it", () => {
  const lock = parse(readFileSync(join(ROOT, "recipes", "quickstart.lock.yaml"), "utf8")) as Lock;
  expect(lockSchemaErrors(lock)).toBe("");
  expect(lock.fingerprints?.length).toBeGreaterThan(0);
  expect(lock.models?.map((m) => m.stage)).toEqual(["make-model", "train"]);
  for (const e of lock.evaluations) expect(existsSync(join(ROOT, "recipes", "quickstart.lock.d", "items", `${e.stage}.json`)), e.stage).toBe(true);
});
