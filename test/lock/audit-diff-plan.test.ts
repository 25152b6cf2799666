import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, intern, makeProject, provision, runs, type Project } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

async function applied(project: Project, args: string[] = []): Promise<string> {
  const r = await apply(project, args);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return runs(project).at(-1)!;
}

const audit = (p: Project, args: string[] = []) => intern(p, ["audit", "recipe.lock.yaml", "--poll-interval", "100", ...args]);

describe("intern audit", () => {
  it("reproduces an untouched lock: exit 0, every metric bit-identical, the report in the rerun's folder", async () => {
    const project = makeProject();
    await applied(project);
    const r = await audit(project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("reproduces");
    expect(r.stdout).toMatch(/\| metric acc of evaluate \| bit-identical \| 0\.676 ± 0\.05 \| 0\.676 ± 0\.05 \|/);
    expect(r.stdout).toMatch(/\| prepared data of prepare \| bit-identical/);
    expect(r.stdout).toMatch(/Recomputed: .*baseline.*train.*evaluate/);
    const run = runs(project).at(-1)!;
    const report = JSON.parse(readFileSync(join(project.dir, ".intern", "runs", run, "audit.json"), "utf8"));
    expect(report.reproduced).toBe(true);
    expect(existsSync(join(project.dir, ".intern", "runs", run, "audit.md"))).toBe(true);
  }, 120_000);

  it("exits 1 naming a tampered metric; a tolerance wide enough accepts it as within tolerance", async () => {
    const project = makeProject();
    await applied(project);
    const lockFile = join(project.dir, "recipe.lock.yaml");
    writeFileSync(lockFile, readFileSync(lockFile, "utf8").replace("value: 0.676", "value: 0.9"));
    let r = await audit(project);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("does NOT reproduce");
    expect(r.stdout).toMatch(/\| metric acc of evaluate \| not matching \| 0\.9 ± 0\.05 \| 0\.676 ± 0\.05 \| -0\.224 \| 0\.1 \|/);
    expect(r.stdout).toMatch(/\| metric acc of baseline \| bit-identical/);
    r = await audit(project, ["--tolerance", "0.25"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\| metric acc of evaluate \| within tolerance/);
    r = await audit(project, ["--factor", "5"]);
    expect(r.code, r.stdout).toBe(0);
  }, 120_000);

  it("audits a run by its id: its lock.yaml, rerun", async () => {
    const project = makeProject();
    const first = await applied(project);
    const r = await intern(project, ["audit", first, "--poll-interval", "100"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`Audit of .intern/runs/${first}/lock.yaml: reproduces`);
    expect(r.stdout).toMatch(/\| metric acc of evaluate \| bit-identical/);
    const missing = await intern(project, ["audit", "no-such-run"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("INTERN_LOCK_MISSING");
  }, 120_000);

  it("exits 1 when the recipe moved since the lock", async () => {
    const project = makeProject();
    await applied(project);
    writeFileSync(join(project.dir, "recipe.yaml"), readFileSync(join(project.dir, "recipe.yaml"), "utf8").replace("seed: 1", "seed: 2"));
    const r = await audit(project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("recipe.sha256");
  }, 120_000);
});

describe("intern diff", () => {
  it("shows what changed between two runs and two locks: hyperparameters, data, metrics with deltas", async () => {
    const project = makeProject();
    const a = await applied(project);
    const lockA = readFileSync(join(project.dir, "recipe.lock.yaml"), "utf8");
    writeFileSync(join(project.dir, "a.lock.yaml"), lockA);
    writeFileSync(join(project.dir, "recipe.yaml"), readFileSync(join(project.dir, "recipe.yaml"), "utf8").replace("num_train_epochs: 1", "num_train_epochs: 2"));
    const b = await applied(project);
    let r = await intern(project, ["diff", a, b]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hyperparameters:\n {2}num_train_epochs: 1 in A, 2 in B/);
    expect(r.stdout).toContain("recipe.sha256");
    expect(r.stdout).toMatch(/metrics:\n {2}baseline acc: 0\.25 -> 0\.25 \(0\)\n {2}evaluate acc: 0\.676 -> 0\.676 \(0\)/);
    expect(r.stdout).toMatch(/budget:\n {2}llm_tokens: 0 -> 0/);
    expect(r.stdout).not.toContain("datasets and revisions:");

    const lockB = join(project.dir, "recipe.lock.yaml");
    writeFileSync(lockB, readFileSync(lockB, "utf8").replace("value: 0.676", "value: 0.75"));
    r = await intern(project, ["diff", "a.lock.yaml", "recipe.lock.yaml", "--output", "json"]);
    const d = JSON.parse(r.stdout);
    expect(d.metrics.find((m: { stage: string }) => m.stage === "evaluate").delta).toBeCloseTo(0.074, 6);
    r = await intern(project, ["diff", a, "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("neither a lock file nor a run");
  }, 120_000);
});

describe("saved plans", () => {
  it("applies exactly the saved plan, and refuses it once the recipe, the lock or the cache moved", async () => {
    const project = makeProject();
    let r = await intern(project, ["plan", "recipe.yaml", "--out", "plan.json"]);
    expect(r.code, r.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(join(project.dir, "plan.json"), "utf8"));
    expect(saved.stages.map((s: { action: string }) => s.action)).toEqual(["run", "run", "run", "run", "run"]);
    r = await apply(project, []).then(() => intern(project, ["apply", "plan.json", "--poll-interval", "100"]));
    // The first apply ran the recipe: the lock was written and the cache now holds every stage.
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("INTERN_PLAN_MOVED");
    expect(r.stderr).toContain("the lock recipe.lock.yaml was written since");
    expect(r.stderr).toMatch(/the cache moved: stage train was planned to run/);

    r = await intern(project, ["plan", "recipe.yaml", "--out", "plan.json"]);
    expect(r.code).toBe(0);
    r = await intern(project, ["apply", "plan.json", "--poll-interval", "100"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train: cached/);

    writeFileSync(join(project.dir, "recipe.yaml"), readFileSync(join(project.dir, "recipe.yaml"), "utf8").replace("num_train_epochs: 1", "num_train_epochs: 2"));
    r = await intern(project, ["apply", "plan.json", "--poll-interval", "100"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the recipe recipe.yaml changed");
    expect(r.stderr).toMatch(/stage train: its inputs changed \(recipe value hyperparameters\)/);
    expect(r.stderr).toContain("hint: review the plan again");
  }, 120_000);
});
