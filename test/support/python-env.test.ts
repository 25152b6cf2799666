import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_REQUIREMENTS } from "../../src/recipe/derive.js";
import { ensurePythonEnv, missingRequirement, requirementsDigest } from "./python-env.js";

describe("ensurePythonEnv", () => {
  const tmp = mkdtempSync(join(tmpdir(), "intern-venv-test-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("names the requirement pip could not find", async () => {
    const missing = "intern-no-such-package==1.0";
    await expect(ensurePythonEnv({ dir: join(tmp, "venv"), requirements: [missing] })).rejects.toThrow(`pip could not find ${missing}`);
  }, 120_000);

  it("reads the requirement out of pip's error", () => {
    const out = "ERROR: Could not find a version that satisfies the requirement trl==9.9.9 (from versions: 1.13.0)\nERROR: No matching distribution found for trl==9.9.9\n";
    expect(missingRequirement(out)).toBe("trl==9.9.9");
    expect(missingRequirement("ERROR: something else")).toBeNull();
  });

  it("stamps the exact requirement list", () => {
    expect(requirementsDigest(DEFAULT_REQUIREMENTS)).toBe(requirementsDigest([...DEFAULT_REQUIREMENTS]));
    expect(requirementsDigest(DEFAULT_REQUIREMENTS)).not.toBe(requirementsDigest(DEFAULT_REQUIREMENTS.map((r) => r.replace("trl==", "trl==0."))));
  });
});
