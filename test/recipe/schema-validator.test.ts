import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateValidatorSource, VALIDATORS } from "../../scripts/gen-schema-validator.js";
import { ROOT } from "../helpers/recipe.js";

type Schema = { [key: string]: unknown };
const schema = JSON.parse(readFileSync(join(ROOT, "schema", "recipe.schema.json"), "utf8")) as Schema;

/** JSON-pointer-like paths of every property and definition that has no description. */
function undescribed(node: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(node)) node.forEach((n, i) => undescribed(n, `${path}/${i}`, out));
  if (typeof node !== "object" || node === null) return out;
  for (const [key, value] of Object.entries(node as Schema)) {
    if ((key === "properties" || key === "definitions") && typeof value === "object" && value !== null) {
      for (const [name, sub] of Object.entries(value as Schema)) {
        const d = (sub as Schema).description;
        if (typeof d !== "string" || d.trim().length < 3) out.push(`${path}/${key}/${name}`);
      }
    }
    undescribed(value, `${path}/${key}`, out);
  }
  return out;
}

describe("schema/recipe.schema.json", () => {
  it("describes every property, at every depth, and every definition", () => {
    expect(undescribed(schema, "#", [])).toEqual([]);
  });

  it("finds a property without a description (the check itself works)", () => {
    const broken = { properties: { a: { description: "fine", properties: { b: { type: "string" } } } }, definitions: { c: { type: "number" } } };
    expect(undescribed(broken, "#", [])).toEqual(["#/properties/a/properties/b", "#/definitions/c"]);
  });

  it("is the schema the generated validator was compiled from", () => {
    const committed = readFileSync(join(ROOT, "src", "recipe", "generated", "recipe-validator.js"), "utf8");
    // Comparing whole sources: on failure, run `node scripts/gen-schema-validator.js` and commit the result.
    expect(committed === generateValidatorSource(), "src/recipe/generated/recipe-validator.js is stale: run `node scripts/gen-schema-validator.js`").toBe(true);
  });
});

describe("the generated validators of the lock and saved plan schemas", () => {
  it.each((VALIDATORS as { schema: string; module: string }[]).filter((v) => v.schema !== "recipe.schema.json"))("src/$module is compiled from schema/$schema", ({ schema: file, module }) => {
    const committed = readFileSync(join(ROOT, "src", module), "utf8");
    expect(committed === generateValidatorSource(file), `src/${module} is stale: run \`node scripts/gen-schema-validator.js\``).toBe(true);
  });
});
