import { expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

it("validate given recipes/*.yaml says a lock beside its recipe is a lock, and still checks the recipes", async () => {
  const r = await cli(["validate", "recipes/quickstart.yaml", "recipes/quickstart.lock.yaml"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("recipes/quickstart.yaml: valid (6 stages)");
  expect(r.stdout).toContain("recipes/quickstart.lock.yaml: a lock file (of quickstart.yaml)");
});
