import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/recipe.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);
const qemu = spawnSync("qemu-x86_64", ["--version"]).status === 0;

/**
 * `compute.cpu_kernels: portable` across kinds of CPU, for real: a few training steps of the
 * quickstart's tiny model run as job stages of one recipe, on this CPU and under qemu-user posing
 * as an Intel Haswell and as an AMD EPYC (both AVX2 and FMA; qemu's TCG has no AVX-512). Each
 * stage runs in the job script intern renders, so it computes with the kernels the recipe pins.
 * Pinned, the three give the same weights, bit for bit. The same stages with the pins taken off
 * inside the command (what `native` runs with) give the Intel and the AMD pose different weights:
 * MKL picks its code path by the processor's vendor.
 */
describe("portable CPU kernels (compute.cpu_kernels: portable)", () => {
  // In CI the emulator must be there; on a workstation without it the test is skipped.
  it.runIf(!qemu && !!process.env.CI)("needs qemu-user in CI", () => {
    expect.fail("qemu-x86_64 not found: install Debian's qemu-user (.ci/run does)");
  });
});

describe.runIf(qemu)("portable CPU kernels (compute.cpu_kernels: portable), on emulated CPUs", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-kernels-"));
  beforeAll(async () => {
    await ensurePythonEnv();
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
    cpSync(join(ROOT, "test", "fixtures", "cpu-kernels", "train_steps.py"), join(project, "train_steps.py"));
    const recipe = parse(readFileSync(join(ROOT, "recipes", "quickstart.yaml"), "utf8")) as Record<string, any>;
    recipe.name = "portable-kernels";
    // The built-in training is beside the point here: two steps.
    recipe.training.hyperparameters = { ...recipe.training.hyperparameters, max_steps: 2 };
    recipe.compute = { ...recipe.compute, cpu_kernels: "portable", threads: 1 };
    const steps = (name: string, launcher: string, unpin = false) => ({
      name,
      needs: ["make-model"],
      // The interpreter by its path in the environment, so that qemu's python finds the environment's packages.
      run: `${unpin ? "env -u ATEN_CPU_CAPABILITY -u MKL_CBWR " : ""}${launcher}"$(command -v python)" "$INTERN_RECIPE_DIR/train_steps.py" "$INTERN_MAKE_MODEL_DIR/model" "$INTERN_STAGE_DIR/weights.json"`,
      inputs: ["train_steps.py"],
      outputs: ["weights.json"],
      time_limit: "15m",
    });
    recipe.stages = [
      ...recipe.stages,
      steps("here", ""),
      steps("intel", "qemu-x86_64 -cpu Haswell-v4 "),
      steps("amd", "qemu-x86_64 -cpu EPYC-v3 "),
      steps("intel-unpinned", "qemu-x86_64 -cpu Haswell-v4 ", true),
      steps("amd-unpinned", "qemu-x86_64 -cpu EPYC-v3 ", true),
    ];
    writeFileSync(join(project, "portable-kernels.yaml"), stringify(recipe));
  }, 900_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("trains to the same weights on this CPU, an emulated Intel and an emulated AMD; unpinned, the two emulated ones differ", async () => {
    const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "", ATEN_CPU_CAPABILITY: "default", MKL_CBWR: "" };
    const bin = join(ROOT, "bin", "intern.js");
    const applied = await run(process.execPath, [bin, "apply", "portable-kernels.yaml", "--jobs", "2"], { cwd: project, env, timeout: 1_500_000 }).catch((e: { stdout?: string; stderr?: string }) => e);
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    const runId = /^run (\S+): succeeded$/m.exec(applied.stdout!)![1]!;
    const stageDir = (id: string) => join(project, ".intern", "runs", runId, "stages", id);
    const weights = (id: string) => JSON.parse(readFileSync(join(stageDir(id), "weights.json"), "utf8")) as { capability: string; weights: string; losses: number[] };

    // The job overrides what the caller's environment said (ATEN_CPU_CAPABILITY=default above).
    const here = weights("here");
    expect(here.capability).toBe("AVX2");
    expect(here.losses[2]).toBeLessThan(here.losses[0]!);
    expect(weights("intel").weights).toBe(here.weights);
    expect(weights("amd").weights).toBe(here.weights);
    // Without the pins the vendors' code paths differ, so the digest can tell.
    expect(weights("intel-unpinned").weights).not.toBe(weights("amd-unpinned").weights);

    // The fingerprint records the pinned kernels, and the TRL config the fused optimizer.
    const fingerprint = JSON.parse(readFileSync(join(stageDir("train"), "fingerprint.json"), "utf8")) as { software: { torch: { cpu_capability: string } }; environment: Record<string, string> };
    expect(fingerprint.software.torch.cpu_capability).toBe("AVX2");
    expect(fingerprint.environment.MKL_CBWR).toBe("COMPATIBLE");
    expect(readFileSync(join(stageDir("train"), "sft.yaml"), "utf8")).toMatch(/^optim: "adamw_torch_fused"$/m);
  }, 1_600_000);
});
