import { describe, expect, it } from "vitest";
import { BUILTIN_STAGE_NAMES } from "../../../src/recipe/builtin-stages.js";
import { diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const CODE = "INTERN_DUPLICATE_STAGE";

describe("stage names rule", () => {
  it.each(BUILTIN_STAGE_NAMES)("refuses a stage named like the built-in %s", (name) => {
    const text = recipeYaml({ stages: [{ name, run: "echo hi" }] });
    const d = find(diagnosticsOf(text), CODE, `stage name \`${name}\` is a built-in stage`);
    expect(d.hint).toBe("pick another name; use `needs`/`before` to place your stage next to it");
    expect(d.location).toMatchObject({ line: lineOf(text, `- name: ${name}`), col: 11 });
  });

  it("refuses two stages with one name, at the second", () => {
    const text = recipeYaml({ stages: [{ name: "export", run: "echo 1" }, { name: "lint", run: "echo 2" }, { name: "export", run: "echo 3" }] });
    const d = find(diagnosticsOf(text), CODE, "duplicate stage name `export` (first at stages[0])");
    expect(d.location?.line).toBe(lineOf(text, "name: export", 2));
  });
});
