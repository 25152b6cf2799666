import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JS build script without types
import { generateReference, withReference } from "../../scripts/gen-recipe-reference.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("carries the recipe reference generated from the schema (run `npm run docs` after changing it)", () => {
    expect(withReference(readme)).toBe(readme);
    const schema = JSON.parse(readFileSync(new URL("../../schema/recipe.schema.json", import.meta.url), "utf8"));
    for (const key of Object.keys(schema.properties)) expect(generateReference()).toContain(`| \`${key}\` |`);
  });

  it("gives a test command that .ci/run runs", () => {
    const ci = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
    expect(readme).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm test /m);
  });

  it("shows commands that work as written", () => {
    const commands = [...readme.matchAll(/^npx intern (validate|plan|graph|schema)([^\n#]*)/gm)].map((m) => [m[1]!, ...m[2]!.trim().split(/\s+/).filter(Boolean)]);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const args of commands) {
      const expanded = args.flatMap((a) => (a === "recipes/*.yaml" ? ["recipes/qwen3-1.7b-gpqa.yaml", "recipes/sweep-seed-lr.yaml"] : a === ">" ? [] : [a])).filter((a) => !a.endsWith(".schema.json"));
      const r = spawnSync(process.execPath, ["bin/intern.js", ...expanded], { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
      expect(r.status, `intern ${expanded.join(" ")}\n${r.stderr}`).toBe(0);
    }
  });
});
