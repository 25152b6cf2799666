import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, intern, makeProject, runs, provision, type Project } from "../helpers/engine.js";
import { lockSchemaErrors } from "./lock-schema.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

const lockOf = (p: Project) => readFileSync(join(p.dir, "recipe.lock.yaml"), "utf8");

async function applied(project: Project, args: string[] = []): Promise<string> {
  const r = await apply(project, args);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return runs(project).at(-1)!;
}

describe("the lock file", () => {
  it("is written beside the recipe after a successful apply, validates against its schema, and is the same bytes on the next run", async () => {
    const project = makeProject();
    const first = await applied(project);
    const text = lockOf(project);
    const lock = parse(text) as Record<string, any>;
    expect(lockSchemaErrors(lock)).toBe("");
    // The schema is no formality: a lock without its recipe digest is refused.
    expect(lockSchemaErrors({ ...lock, recipe: { file: "recipe.yaml" } })).toContain("sha256");
    expect(lock.recipe.file).toBe("recipe.yaml");
    expect(lock.recipe.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lock.datasets).toEqual([{ source: "local", path: "data/train.jsonl", sha256: expect.stringMatching(/^sha256:/), license: "cc0-1.0" }]);
    expect(lock.base_model).toEqual({ kind: "local", path: "base-model", sha256: expect.stringMatching(/^sha256:/) });
    expect(Object.keys(lock.templates)).toEqual(expect.arrayContaining(["jobs/train.sh.hbs", "jobs/evaluate-builtin.sh.hbs"]));
    expect(lock.environment.kind).toBe("requirements");
    expect(lock.evaluations.map((e: { stage: string }) => e.stage)).toEqual(["baseline", "evaluate"]);
    expect(lock.prepared[0].sha256).toMatch(/^sha256:/);
    // Nothing that varies between runs: no run id, no absolute path, no time.
    expect(text).not.toContain(first);
    expect(text).not.toContain(project.dir);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // The run keeps its own copy.
    expect(readFileSync(join(project.dir, ".intern", "runs", first, "lock.yaml"), "utf8")).toBe(text);

    // The model card: the Hub's metadata, the provenance and the lock's digest.
    const card = readFileSync(join(project.dir, ".intern", "runs", first, "stages", "train", "model", "README.md"), "utf8");
    const meta = parse(/^---\n([\s\S]*?)\n---\n/.exec(card)![1]!) as Record<string, unknown>;
    expect(meta).toMatchObject({ license: "other", tags: ["intern", "trl", "sft"] });
    expect(meta.base_model).toBeUndefined();
    expect(card).toContain(`sha256:${createHash("sha256").update(text).digest("hex")}`);
    expect(card).toContain("| evaluate | acc | acc | 0.676 | 0.05 |");
    expect(card).toMatch(/\| data\/train\.jsonl \(local\) \| - \| - \| sha256:[0-9a-f]{64} \| cc0-1\.0 \|/);
    expect(card).toMatch(/Decontamination: \d+ training row\(s\) removed/);

    // Again (every stage reused), and again with every stage recomputed: the same bytes.
    await applied(project);
    expect(lockOf(project)).toBe(text);
    await applied(project, ["--locked"]);
    expect(lockOf(project)).toBe(text);
    expect(readFileSync(join(project.dir, ".intern", "runs", runs(project).at(-1)!, "lock.yaml"), "utf8")).toBe(text);
  }, 120_000);
});

describe("apply --locked", () => {
  it("reruns every stage when nothing moved", async () => {
    const project = makeProject();
    await applied(project);
    const r = await apply(project, ["--locked"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("--locked");
    expect(r.stdout).not.toMatch(/cached/);
  }, 120_000);

  it("fails, naming it, when the rerun prepares other data than the lock records; the lock is left as it was", async () => {
    const project = makeProject();
    await applied(project);
    const lockFile = join(project.dir, "recipe.lock.yaml");
    const text = readFileSync(lockFile, "utf8");
    const recorded = (parse(text) as { prepared: { sha256: string }[] }).prepared[0]!.sha256;
    const other = `sha256:${"0".repeat(64)}`;
    writeFileSync(lockFile, text.replace(recorded, other));
    const r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/run \S+: failed/);
    expect(r.stderr).toContain("INTERN_LOCK_MOVED");
    expect(r.stderr).toContain(`prepared[0].sha256: "${other}" in the lock, "${recorded}" in this run`);
    expect(readFileSync(lockFile, "utf8")).toBe(text.replace(recorded, other));
  }, 120_000);

  it("refuses, naming it, when one byte of a template changed", async () => {
    const project = makeProject();
    await applied(project);
    let plan = await intern(project, ["plan", "recipe.yaml"]);
    expect(plan.stdout).toContain("lock: recipe.lock.yaml holds");
    appendFileSync(join(project.dir, "templates", "jobs", "train.sh.hbs"), " ");
    // plan names what moved, and which stages run again for it.
    plan = await intern(project, ["plan", "recipe.yaml"]);
    expect(plan.stdout).toMatch(/lock: moved since recipe\.lock\.yaml was written \(apply --locked would refuse\):\n {2}templates\.jobs\/train\.sh\.hbs: /);
    expect(plan.stdout).toMatch(/^train\s+changed since run \S+: template jobs\/train\.sh\.hbs/m);
    const r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("INTERN_LOCK_MOVED");
    expect(r.stderr).toContain("templates.jobs/train.sh.hbs");
    expect(r.stderr).not.toContain("recipe.sha256");
  }, 120_000);

  it("refuses, naming them, when a requirement version or the recipe changed", async () => {
    const project = makeProject();
    await applied(project);
    const recipe = readFileSync(join(project.dir, "recipe.yaml"), "utf8");
    writeFileSync(join(project.dir, "recipe.yaml"), recipe.replace("num_train_epochs: 1", "num_train_epochs: 2"));
    let r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("recipe.sha256");
    expect(r.stderr).not.toContain("environment");

    const lock = parse(lockOf(project)) as { environment: { requirements: string[] } };
    const trl = lock.environment.requirements.find((q) => q.startsWith("trl=="))!;
    const bumped = lock.environment.requirements.map((q) => (q === trl ? "trl==1.12.0" : q));
    writeFileSync(join(project.dir, "recipe.yaml"), `${recipe}\n`.replace(/compute:\n  backend: local\n/, `compute:\n  backend: local\n  environment:\n    requirements:\n${bumped.map((q) => `      - ${q}`).join("\n")}\n`));
    r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/environment\.requirements\[\d+\]: "trl==[^"]+" in the lock, "trl==1\.12\.0" now/);
  }, 120_000);

  it("refuses when a local data file changed, and when there is no lock", async () => {
    const project = makeProject();
    let r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("INTERN_LOCK_MISSING");
    await applied(project);
    appendFileSync(join(project.dir, "data", "benchmark.jsonl"), "\n");
    r = await apply(project, ["--locked"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("benchmark.data.sha256");
    expect(existsSync(join(project.dir, "recipe.lock.yaml"))).toBe(true);
  }, 120_000);
});
