import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/recipe.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);

/**
 * The lock committed beside the quickstart (recipes/quickstart.lock.yaml) is what a reviewer
 * audits: on a clean copy of the recipe, `intern audit` reruns it for real (TRL on the CPU) and
 * must reproduce every recorded number.
 */
describe("the committed quickstart lock", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-audit-"));
  beforeAll(async () => {
    await ensurePythonEnv();
    for (const f of ["quickstart.yaml", "quickstart.lock.yaml", "quickstart"]) cpSync(join(ROOT, "recipes", f), join(project, f), { recursive: true });
  }, 900_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("reproduces under `intern audit` on a clean checkout: exit 0, every metric and the prepared data match", async () => {
    const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };
    const audited = await run(process.execPath, [join(ROOT, "bin", "intern.js"), "audit", "quickstart.lock.yaml", "--output", "json"], { cwd: project, env, timeout: 840_000 }).catch(
      (e: { stdout?: string; stderr?: string; code?: number }) => e,
    );
    expect((audited as { code?: number }).code ?? 0, `${audited.stdout}\n${audited.stderr}`).toBe(0);
    const lock = readFileSync(join(project, "quickstart.lock.yaml"), "utf8");
    // The lock is not rewritten by an audit.
    expect(lock).toBe(readFileSync(join(ROOT, "recipes", "quickstart.lock.yaml"), "utf8"));
    const summary = JSON.parse(audited.stdout!) as { reproduced: boolean; moved: string[]; recomputed: string[]; checks: { item: string; verdict: string; trace?: true }[]; explanation: { verdict: string; environment: string[] } };
    expect(summary.reproduced).toBe(true);
    // On the machine that wrote the lock, bit for bit; on another CPU, the weights may move but the
    // numbers stay within tolerance, and the audit says what differs.
    expect(["reproduced bit for bit", "reproduced within tolerance"], summary.explanation.environment.join("\n")).toContain(summary.explanation.verdict);
    expect(summary.moved).toEqual([]);
    expect(summary.recomputed).toEqual(expect.arrayContaining(["prepare", "train", "evaluate"]));
    const items = summary.checks.map((c) => c.item).join("\n");
    expect(items).toMatch(/metric acc of evaluate/);
    expect(items).toMatch(/prepared data/);
    expect(items).toMatch(/model of train/);
    for (const c of summary.checks) if (c.trace !== true) expect(["bit-identical", "within tolerance"], c.item).toContain(c.verdict);
  }, 900_000);
});
