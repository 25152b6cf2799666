import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/recipe.js";

describe("intern graph", () => {
  it("prints mermaid by default", async () => {
    const r = await cli(["graph", "recipes/minimal.yaml"], FIXTURES);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("flowchart TD\n")).toBe(true);
    expect(r.stdout).toContain("  s_train --> s_evaluate\n");
  });

  it("prints dot", async () => {
    const r = await cli(["graph", "recipes/minimal.yaml", "--format", "dot"], FIXTURES);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('digraph "tiny-sft" {\n')).toBe(true);
    expect(r.stdout).toContain('  "train" -> "evaluate";\n');
  });

  it("prints the whole graph as JSON that parses", async () => {
    const r = await cli(["graph", "recipes/matrix-lr.yaml", "--format", "json"], FIXTURES);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.stdout) as { recipe: string; stages: { id: string; key: string; needs: string[] }[]; trials: unknown[] };
    expect(g.recipe).toBe("sweep-lr");
    expect(g.trials).toHaveLength(3);
    const ids = new Set(g.stages.map((s) => s.id));
    for (const s of g.stages) {
      expect(s.key).toMatch(/^[0-9a-f]{64}$/);
      for (const n of s.needs) expect(ids.has(n)).toBe(true);
    }
  });

  it("follows --backend in job templates", async () => {
    const r = await cli(["graph", "recipes/minimal.yaml", "--format", "json", "--backend", "slurm"], FIXTURES);
    const train = (JSON.parse(r.stdout) as { stages: { id: string; templates: string[] }[] }).stages.find((s) => s.id === "train")!;
    expect(train.templates).toContain("slurm/job.sbatch.hbs");
  });

  it("reports a cycle in the recipe with its location and exits 1", async () => {
    const r = await cli(["graph", "recipes/cycle.yaml"], FIXTURES);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^recipes\/cycle\.yaml:22:5: stages form a cycle: export <- upload <- export \(INTERN_CYCLE\)\n/);
  });
});
