import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateWasmSource, MODULES } from "../../scripts/gen-wasm.js";
import { ROOT } from "../helpers/recipe.js";

describe("src/data/wasm", () => {
  for (const m of MODULES) {
    it(`${m.module} holds the bytes of ${m.text} (run \`node scripts/gen-wasm.js\` after editing it)`, async () => {
      const committed = readFileSync(join(ROOT, "src", "data", "wasm", m.module), "utf8");
      expect(committed).toBe(await generateWasmSource(m));
    });
  }
});
