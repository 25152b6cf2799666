import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEnvironment, missingPackage } from "../../src/environments/ensure-environment.js";
import { InternError } from "../../src/errors.js";
import { neededPackages } from "../../src/recipe/derive.js";
import { ensurePythonEnv } from "../support/python-env.js";

describe("job environments", () => {
  const tmp = mkdtempSync(join(tmpdir(), "intern-envs-test-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("names the package pip cannot find, and leaves no half-made environment behind", async () => {
    const missing = "intern-no-such-package==1.0";
    const error = await ensureEnvironment({ kind: "requirements", requirements: [missing] }, { envsDir: tmp }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternError);
    expect((error as InternError).code).toBe("INTERN_ENV_NOT_IN_INDEX");
    expect((error as InternError).message).toBe(`pip cannot find ${missing} in its configured index`);
    expect((error as InternError).hint).toMatch(/full log: .*\.log$/);
    const { environmentDigest } = await import("../../src/render/job-names.js");
    expect(existsSync(join(tmp, environmentDigest([missing])))).toBe(false);
  }, 300_000);

  it("reads the requirement out of pip's error", () => {
    const out = "ERROR: Could not find a version that satisfies the requirement trl==9.9.9 (from versions: 1.13.0)\nERROR: No matching distribution found for trl==9.9.9\n";
    expect(missingPackage(out)).toBe("trl==9.9.9");
    expect(missingPackage("ERROR: something else")).toBeNull();
  });

  it("names what an interpreter with TRL lacks for the recipe's features (lm-eval, DeepSpeed), before any job runs", async () => {
    const python = await ensurePythonEnv();
    const needs = neededPackages({ harness: "lm-eval", accelerate: "zero3", peft: true });
    const error = await ensureEnvironment({ kind: "python", python }, { envsDir: tmp, needs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternError);
    expect((error as InternError).code).toBe("INTERN_ENV_MISSING_PACKAGE");
    // peft is in the TRL stack the test environment holds: only the missing two are named.
    expect((error as InternError).message).toBe(`compute.environment.python (${python}) lacks lm-eval (for benchmark.harness \`lm-eval\`), deepspeed (for compute.accelerate \`zero3\` (DeepSpeed ZeRO-3))`);
    expect((error as InternError).hint).toContain("`lm-eval[hf]==0.4.13` `deepspeed==0.19.2`");
    // The same interpreter serves a recipe that needs nothing more.
    const ok = await ensureEnvironment({ kind: "python", python }, { envsDir: tmp, needs: neededPackages({ harness: "builtin", accelerate: "cpu", peft: true }) });
    expect(ok.python).toBe(python);
  }, 900_000);

  it("refuses an interpreter that cannot import TRL, naming it", async () => {
    const error = await ensureEnvironment({ kind: "python", python: "/usr/bin/python3" }, { envsDir: tmp }).catch((e: unknown) => e);
    expect((error as InternError).code).toBe("INTERN_ENV_INVALID");
    expect((error as InternError).message).toContain("/usr/bin/python3");
  }, 120_000);
});
