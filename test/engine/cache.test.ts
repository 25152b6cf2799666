import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apply, cleanupEngineTests, events, intern, makeProject, ofType, provision, records, runs, spawnApply, type Project } from "../helpers/engine.js";

beforeAll(provision, 900_000);
afterEach(cleanupEngineTests);

const STAGES = ["baseline", "prepare", "train", "evaluate", "report"];

/** The plan's WHY table, stage -> reason. */
function why(stdout: string): Record<string, string> {
  const section = stdout.split(/^STAGE\s+WHY$/m)[1];
  if (section === undefined) return {};
  const out: Record<string, string> = {};
  for (const line of section.split("\n\n")[0]!.split("\n").filter(Boolean)) {
    const m = /^(\S+)\s+(.*)$/.exec(line)!;
    out[m[1]!] = m[2]!;
  }
  return out;
}

async function finished(project: Project): Promise<string> {
  const r = await apply(project);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return runs(project).at(-1)!;
}

describe("the cache", () => {
  it("reuses every stage of a finished recipe on the next apply, in about a second", async () => {
    const project = makeProject();
    // The first run, through the real binary: it exits as soon as the run ends.
    const startedAt = Date.now();
    const first = spawnApply(project);
    const exit = await first.exited;
    const firstMs = Date.now() - startedAt;
    expect(exit.code, first.output()).toBe(0);
    expect(firstMs).toBeLessThan(30_000);
    const firstRun = runs(project)[0]!;

    const t0 = Date.now();
    const second = spawnApply(project);
    expect((await second.exited).code, second.output()).toBe(0);
    const secondMs = Date.now() - t0;
    for (const s of STAGES) expect(second.output()).toContain(`${s}: cached (same inputs as run ${firstRun})`);
    expect(secondMs).toBeLessThan(5_000);

    const all = events(project);
    expect(runs(project)).toHaveLength(2);
    expect(ofType(all, "stage_cached").map((e) => [e.stage, e.fromRun])).toEqual(STAGES.map((s) => [s, firstRun]));
    expect(ofType(all, "stage_started")).toEqual([]);
    expect(ofType(all, "run_finished").map((e) => e.status)).toEqual(["succeeded"]);
    // The reused evaluation carries its metric; no job ran twice.
    expect(ofType(all, "stage_cached").find((e) => e.stage === "evaluate")!.outputs.value).toBeGreaterThan(0.5);
    expect(records(project, "train.runs")).toHaveLength(1);
    // The report it points at exists (it is the first run's).
    const report = /^report: (.*)$/m.exec(second.output())![1]!;
    expect(report).toBe(join(project.dir, ".intern", "runs", firstRun, "report.md"));
    expect(existsSync(report)).toBe(true);
  }, 120_000);

  it("plan says which stages are reused, and which input changed for those that are not", async () => {
    const project = makeProject();
    const run1 = await finished(project);
    const unchanged = await intern(project, ["plan", "recipe.yaml"]);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toMatch(/^train\s+train\s+deterministic\s+job\s+prepare\s+.*\s+cached$/m);
    expect(why(unchanged.stdout)).toEqual(Object.fromEntries(STAGES.map((s) => [s, `cached: same inputs as run ${run1}`])));

    appendFileSync(join(project.dir, "templates", "jobs", "train.sh.hbs"), "# a comment changes the template's digest\n");
    const template = await intern(project, ["plan", "recipe.yaml"]);
    expect(template.stdout).toMatch(/^train\s+.*\s+run$/m);
    expect(why(template.stdout)).toEqual({
      baseline: `cached: same inputs as run ${run1}`,
      prepare: `cached: same inputs as run ${run1}`,
      train: `changed since run ${run1}: template jobs/train.sh.hbs`,
      evaluate: `changed since run ${run1}: stage train`,
      report: `changed since run ${run1}: stage evaluate`,
    });
    const json = JSON.parse((await intern(project, ["plan", "recipe.yaml", "--output", "json"])).stdout) as { stages: { stage: { id: string }; action: string; reason: string }[] };
    expect(json.stages.find((s) => s.stage.id === "train")).toMatchObject({ action: "run", reason: `changed since run ${run1}: template jobs/train.sh.hbs` });

    // Applying the change reruns exactly what plan said, and plan then compares with the new run.
    const run2 = await finished(project);
    expect(ofType(events(project), "stage_done").map((e) => e.stage)).toEqual(["train", "evaluate", "report"]);
    appendFileSync(join(project.dir, "data", "train.jsonl"), `${JSON.stringify({ messages: [{ role: "user", content: "What colour is the zibu?" }, { role: "assistant", content: "blue" }] })}\n`);
    const data = await intern(project, ["plan", "recipe.yaml"]);
    expect(why(data.stdout)).toEqual({
      baseline: `cached: same inputs as run ${run1}`,
      prepare: `changed since run ${run1}: file data/train.jsonl`,
      train: `changed since run ${run2}: stage prepare`,
      evaluate: `changed since run ${run2}: stage train`,
      report: `changed since run ${run2}: stage evaluate`,
    });
  }, 120_000);

  it("plan on a project with no runs shows no WHY table", async () => {
    const r = await intern(makeProject(), ["plan", "recipe.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^STAGE\s+WHY$/m);
    expect(r.stdout).toMatch(/^prepare\s+prepare\s+deterministic\s+control\s+-\s+-\s+10m\s+-\s+run$/m);
  });
});
