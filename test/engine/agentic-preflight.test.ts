import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, makeProject } from "../helpers/engine.js";

afterEach(cleanupEngineTests);

describe("an agentic recipe without MISTRAL_API_KEY", () => {
  it("is refused before any run, environment or job exists, saying how to set the key", async () => {
    const project = makeProject({ changes: { data: { datasets: undefined }, budget: { wall_clock: "4h", llm: { tokens: 100000 } }, sources: { datasets: { allow: ["**"] } } } });
    const r = await apply(project, [], { INTERN_ENVS_DIR: join(project.dir, "envs") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("MISTRAL_API_KEY is not set (INTERN_LLM_NO_API_KEY)".replace(" (", ": agentic stages call the Mistral API with it ("));
    expect(r.stderr).toContain("--replay RUN` needs none");
    expect(existsSync(join(project.dir, ".intern"))).toBe(false);
    expect(existsSync(join(project.dir, "envs"))).toBe(false);
  }, 60_000);
});
