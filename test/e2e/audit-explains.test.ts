import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { AuditSummary } from "../../src/audit/audit-report.js";
import type { Lock } from "../../src/lock/types.js";
import { ROOT } from "../helpers/recipe.js";
import { lockSchemaErrors } from "../lock/lock-schema.js";
import { ENVS_DIR, ensurePythonEnv } from "../support/python-env.js";

const run = promisify(execFile);
type Result = { stdout: string; stderr: string; code?: number };

/**
 * An audit that explains, for real (TRL on the CPU): the quickstart applied here writes a lock
 * with this machine's fingerprint and every model's digest; audits of edited copies of that lock
 * must name what was edited: a package version (an environment fact), or the training seed (the
 * first stage whose output moves is train).
 */
describe("intern audit explains what moved", () => {
  const project = mkdtempSync(join(tmpdir(), "intern-audit-explains-"));
  const env = { ...process.env, INTERN_ENVS_DIR: ENVS_DIR, PIP_RETRIES: "0", INTERN_DEBUG: "" };
  const intern = (args: string[]): Promise<Result> =>
    run(process.execPath, [join(ROOT, "bin", "intern.js"), ...args], { cwd: project, env, timeout: 840_000, maxBuffer: 64 * 1024 * 1024 }).catch((e: Result) => e);
  const lockPath = join(project, "quickstart.lock.yaml");
  let lock: Lock;
  let lockText: string;

  beforeAll(async () => {
    await ensurePythonEnv();
    cpSync(join(ROOT, "recipes", "quickstart.yaml"), join(project, "quickstart.yaml"));
    cpSync(join(ROOT, "recipes", "quickstart"), join(project, "quickstart"), { recursive: true });
    const applied = await intern(["apply", "quickstart.yaml"]);
    expect(applied.stdout, applied.stderr).toMatch(/^run \S+: succeeded$/m);
    lockText = readFileSync(lockPath, "utf8");
    lock = parse(lockText) as Lock;
  }, 900_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("the lock records where every job ran, each model's digest and each evaluation's items, and fits its schema", () => {
    expect(lockSchemaErrors(lock)).toBe("");
    // One environment for every job stage of the quickstart: all ran here.
    expect(lock.fingerprints).toHaveLength(1);
    const f = lock.fingerprints![0]!;
    expect([...f.stages].sort()).toEqual(["baseline", "evaluate", "make-model", "train"]);
    const cpu = (f.hardware as { cpu: { arch: string; cores: number; isa: string[] } }).cpu;
    expect(cpu.arch).toBe(process.arch === "x64" ? "x86_64" : cpu.arch);
    expect(cpu.cores).toBeGreaterThan(0);
    const software = f.software as { python: string; packages: string[]; torch: { version: string; threads: number } };
    // The resolved set, not only the pins: torch's own dependencies are there too.
    expect(software.packages).toEqual(expect.arrayContaining(["trl==1.13.0", expect.stringMatching(/^torch==2\.13\.0/), expect.stringMatching(/^numpy==/), expect.stringMatching(/^safetensors==/)]));
    expect(software.torch.version).toMatch(/^2\.13\.0/);
    expect(software.torch.threads).toBeGreaterThan(0);
    // Nothing that varies between reruns or that is secret.
    expect(lockText).not.toMatch(/hostname|HF_TOKEN|MISTRAL_API_KEY/i);
    expect(lock.determinism).toEqual({ train: { data_seed: null, full_determinism: true, seed: 0 } });
    expect(lock.models!.map((m) => m.stage)).toEqual(["make-model", "train"]);
    for (const e of lock.evaluations) {
      expect(e.n).toBe(48);
      expect(e.items).toMatch(/^sha256:[0-9a-f]{64}$/);
      const items = JSON.parse(readFileSync(join(project, "quickstart.lock.d", "items", `${e.stage}.json`), "utf8")) as { items: unknown[] };
      expect(items.items).toHaveLength(48);
    }
  });

  it("names a package version that moved, and still reproduces bit for bit here; --seeds reports the spread over other seeds", async () => {
    const edited = structuredClone(lock);
    const packages = (edited.fingerprints![0]!.software as { packages: string[] }).packages;
    const i = packages.findIndex((p) => p.startsWith("transformers=="));
    packages[i] = "transformers==5.16.0";
    writeFileSync(lockPath, lockText.replace(/^fingerprints:[\s\S]*?(?=^determinism:)/m, stringify({ fingerprints: edited.fingerprints }, { lineWidth: 0 })));
    expect((parse(readFileSync(lockPath, "utf8")) as Lock).fingerprints).toEqual(edited.fingerprints);

    const audited = await intern(["audit", "quickstart.lock.yaml", "--seeds", "2", "--output", "json"]);
    expect(audited.code ?? 0, `${audited.stdout}\n${audited.stderr}`).toBe(0);
    const summary = JSON.parse(audited.stdout) as Required<AuditSummary>;
    expect(summary.explanation.verdict).toBe("reproduced bit for bit");
    expect(summary.explanation.environment).toEqual([expect.stringMatching(/^package transformers: 5\.16\.0 then, 5\.17\.0 now$/)]);
    expect(summary.explanation.firstDivergence).toBeNull();
    expect(summary.explanation.flips.map((x) => [x.stage, x.flipped])).toEqual([["baseline", 0], ["evaluate", 0]]);
    // The spread: seeds 1 and 2 trained in a run of their own; the lock beside the recipe is left alone.
    expect(summary.seedSpread.runs.map((r) => r.seed)).toEqual([1, 2]);
    expect(summary.seedSpread.stage).toBe("evaluate");
    expect(summary.seedSpread.recorded).toBe(lock.evaluations.find((e) => e.stage === "evaluate")!.value);
    const values = summary.seedSpread.runs.map((r) => r.value);
    expect(summary.seedSpread.mean).toBeCloseTo((values[0]! + values[1]!) / 2, 12);
    for (const v of values) expect(v).toBeGreaterThan(0.5);
    expect(existsSync(lockPath)).toBe(true);
    expect((parse(readFileSync(lockPath, "utf8")) as Lock).fingerprints).toEqual(edited.fingerprints);
  }, 900_000);

  it("a rerun with another training seed: train is the first stage that diverged, the seed is named, the machine is not", async () => {
    // The recipe trains with seed 1 now; the lock is edited to claim the same recipe, as a lock
    // whose run quietly used another seed would.
    const recipe = readFileSync(join(project, "quickstart.yaml"), "utf8").replace(/^(\s+seed:) 0$/m, "$1 1");
    writeFileSync(join(project, "quickstart.yaml"), recipe);
    const { createHash } = await import("node:crypto");
    const sha = `sha256:${createHash("sha256").update(recipe).digest("hex")}`;
    writeFileSync(lockPath, lockText.replace(lock.recipe.sha256, sha).replace(/^(\s+)seed: 0$/m, "$1seed: 1"));

    const audited = await intern(["audit", "quickstart.lock.yaml", "--output", "json"]);
    const summary = JSON.parse(audited.stdout) as Required<AuditSummary>;
    expect(summary.moved, audited.stderr).toEqual([]);
    expect(summary.explanation.firstDivergence).toEqual({ stage: "train", what: "model" });
    expect(summary.explanation.settings).toEqual(["seed: 0 then, 1 now"]);
    expect(summary.explanation.environment).toEqual([]);
    const models = summary.checks.filter((c) => c.item.startsWith("model of "));
    expect(models.map((c) => [c.item, c.verdict])).toEqual([["model of make-model", "bit-identical"], ["model of train", "differs"]]);
    // Whatever the seed did to the score, the verdict says what kind of difference it is.
    expect(["reproduced within tolerance", "differs in the same environment"]).toContain(summary.explanation.verdict);
    expect(summary.explanation.verdict === "differs in the same environment").toBe(audited.code === 1);
  }, 900_000);
});
