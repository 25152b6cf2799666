import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../helpers/recipe.js";

it("the emulated Hub's quickstart dataset holds the quickstart's training rows, byte for byte", () => {
  // The open-data end-to-end run trains on this copy and must behave like the quickstart: when
  // scripts/make-quickstart-data.js changes the rows, copy them here too.
  const copy = join(ROOT, "test/emulators/scenarios/quickstart/datasets/northern-pass/creature-colours/commits/4e6f72746865726e2050617373203230323621aa/data/train.jsonl");
  expect(readFileSync(copy, "utf8")).toBe(readFileSync(join(ROOT, "recipes/quickstart/train.jsonl"), "utf8"));
});
