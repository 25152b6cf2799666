import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../helpers/recipe.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);

/**
 * The locks committed beside the quickstarts (recipes/quickstart.lock.yaml for SFT,
 * recipes/quickstart-dpo.lock.yaml for DPO, -kto for KTO, -grpo for GRPO) are what a reviewer
 * audits: on a clean copy of the recipe, `intern audit` reruns it for real (TRL on the CPU) and
 * must reproduce every recorded number.
 */
function scores(name: string): { baseline: { value: number; stderr: number }; trained: { value: number; stderr: number }; target: number } {
  const lock = parse(readFileSync(join(ROOT, "recipes", `${name}.lock.yaml`), "utf8")) as { evaluations: { stage: string; value: number; stderr: number }[] };
  const recipe = parse(readFileSync(join(ROOT, "recipes", `${name}.yaml`), "utf8")) as { benchmark: { target: number } };
  return { baseline: lock.evaluations.find((e) => e.stage === "baseline")!, trained: lock.evaluations.find((e) => e.stage === "evaluate")!, target: recipe.benchmark.target };
}

describe.each(["quickstart", "quickstart-dpo", "quickstart-kto", "quickstart-grpo"])("the committed %s lock's scores", (name) => {
  it("records a trained model that beats its baseline by twice the standard errors, and the recipe's target", () => {
    const { baseline, trained, target } = scores(name);
    expect(trained.value).toBeGreaterThanOrEqual(target);
    // Apart by more than both standard errors: not a lucky draw.
    expect(trained.value - baseline.value).toBeGreaterThan(2 * (trained.stderr + baseline.stderr));
  });
});

// The GRPO quickstart is a chain: a format-only SFT stage (`train`, colours that say nothing about
// the question) then GRPO (`train-grpo`), which alone learns to answer with the colour the sighting reports.
describe("the committed quickstart-grpo lock", () => {
  it("records the chain, GRPO after the format-only SFT stage, and the reward file by the digest of its content", () => {
    const lock = parse(readFileSync(join(ROOT, "recipes", "quickstart-grpo.lock.yaml"), "utf8")) as {
      training: { method: string; then: { method: string }[]; rewards: { file: string; function: string; weight: number; sha256: string }[] };
      datasets: { path: string }[];
    };
    expect(lock.training.method).toBe("sft");
    expect(lock.training.then.map((t) => t.method)).toEqual(["grpo"]);
    expect(lock.datasets.map((d) => d.path).sort()).toEqual(["quickstart/sightings-format.jsonl", "quickstart/sightings.jsonl"]);
    // The reward file is recorded by the digest of its content.
    const file = readFileSync(join(ROOT, "recipes", "quickstart", "rewards.py"));
    expect(lock.training.rewards).toEqual([{ file: "quickstart/rewards.py", function: "colour_reward", weight: 1, sha256: `sha256:${createHash("sha256").update(file).digest("hex")}` }]);
  });
});

// The GRPO quickstart trains 288 steps on one thread: about 8 minutes on a quiet two-core
// machine, and more than twice that beside the other test files.
const AUDIT_MS = 1_800_000;

describe.each(["quickstart", "quickstart-dpo", "quickstart-kto", "quickstart-grpo"])("the committed %s lock", (name) => {

  const project = mkdtempSync(join(tmpdir(), "intern-audit-"));
  beforeAll(async () => {
    await ensurePythonEnv();
    for (const f of [`${name}.yaml`, `${name}.lock.yaml`, "quickstart"]) cpSync(join(ROOT, "recipes", f), join(project, f), { recursive: true });
  }, 900_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("reproduces under `intern audit` on a clean checkout: exit 0, every metric and the prepared data match", async () => {
    const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };
    const audited = await run(process.execPath, [join(ROOT, "bin", "intern.js"), "audit", `${name}.lock.yaml`, "--output", "json"], { cwd: project, env, timeout: AUDIT_MS }).catch(
      (e: { stdout?: string; stderr?: string; code?: number }) => e,
    );
    expect((audited as { code?: number }).code ?? 0, `${audited.stdout}\n${audited.stderr}`).toBe(0);
    const lock = readFileSync(join(project, `${name}.lock.yaml`), "utf8");
    // The lock is not rewritten by an audit.
    expect(lock).toBe(readFileSync(join(ROOT, "recipes", `${name}.lock.yaml`), "utf8"));
    const summary = JSON.parse(audited.stdout!) as { reproduced: boolean; moved: string[]; recomputed: string[]; checks: { item: string; verdict: string; trace?: true }[]; explanation: { verdict: string; environment: string[] } };
    expect(summary.reproduced).toBe(true);
    // On the machine that wrote the lock, bit for bit; on another CPU, the weights may move but the
    // numbers stay within tolerance, and the audit says what differs.
    expect(["reproduced bit for bit", "reproduced within tolerance"], summary.explanation.environment.join("\n")).toContain(summary.explanation.verdict);
    expect(summary.moved).toEqual([]);
    expect(summary.recomputed).toEqual(expect.arrayContaining(["prepare", "train", "evaluate"]));
    // A chain's later stages are recomputed too.
    if (name === "quickstart-grpo") expect(summary.recomputed).toEqual(expect.arrayContaining(["prepare-grpo", "train-grpo"]));
    const items = summary.checks.map((c) => c.item).join("\n");
    expect(items).toMatch(/metric acc of evaluate/);
    expect(items).toMatch(/prepared data/);
    expect(items).toMatch(/model of train/);
    if (name === "quickstart-grpo") expect(items).toMatch(/model of train-grpo/);
    for (const c of summary.checks) if (c.trace !== true) expect(["bit-identical", "within tolerance"], c.item).toContain(c.verdict);
  }, AUDIT_MS + 60_000);
});
