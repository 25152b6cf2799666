import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { FIXTURES, fixture, recipeYaml, tempDir } from "../helpers/recipe.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("intern plan", () => {
  it("prints a header, the stage table and the budget", async () => {
    const r = await cli(["plan", "recipes/open-data.yaml"], FIXTURES);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Plan for open-data: 15 stages, 1 trial, 3 passes, backend local");
    // The environment the jobs run in, derived from the recipe: the TRL stack and lm-eval for its harness.
    expect(lines[1]).toBe("environment: torch==2.13.0 transformers==5.17.0 trl==1.13.0 accelerate==1.15.0 datasets==5.0.1 peft==0.21.0 lm-eval[hf]==0.4.13");
    expect(lines[3]).toMatch(/^STAGE\s+KIND\s+MODE\s+WHERE\s+NEEDS\s+GPU-H\s+WALL\s+LLM TOKENS\s+ACTION$/);
    expect(r.stdout).toMatch(/^research\s+research\s+agentic\s+control\s+-\s+-\s+1h\s+614,400\s+run$/m);
    expect(r.stdout).toMatch(/^train\.p1\s+train\s+deterministic\s+job 1gpu\s+prepare\.p1\s+2\.00\s+2h\s+-\s+run$/m);
    expect(r.stdout).toMatch(/^train\.p2\s+.*\s+run \(if decided\)$/m);
    expect(r.stdout).toMatch(/^report\s+.*baseline,evaluate\.p1,decide\.p1,\+3\s/m);
    expect(r.stdout).toMatch(/^gpu_hours\s+3\.00\s+8\.00\s+40\.00$/m);
    expect(r.stdout).toMatch(/^llm_tokens\s+1,843,200\s+2,457,600\s+5,000,000$/m);
    expect(r.stdout).toMatch(/^llm_usd\s+\$5\.16\s+\$6\.88\s+-$/m);
    expect(r.stderr).toBe("");
  });

  it("names an interpreter the recipe gives, and the image that must hold the list on Kubernetes", async () => {
    tmp.write("py.yaml", recipeYaml({ compute: { environment: { python: "/opt/venv/bin/python" } } }));
    expect((await cli(["plan", "py.yaml"], tmp.dir)).stdout.split("\n")[1]).toBe("environment: /opt/venv/bin/python (checked before the first job)");
    tmp.write("k8s.yaml", recipeYaml({ compute: { backend: "kubernetes", kubernetes: { image: "registry.example/trl:1" } } }));
    expect((await cli(["plan", "k8s.yaml"], tmp.dir)).stdout.split("\n")[1]).toMatch(/^environment: the image registry\.example\/trl:1, which must hold torch==2\.13\.0 .* lm-eval\[hf\]==0\.4\.13$/);
  });

  it("exits 1 with a clear message when the stages that always run exceed the budget", async () => {
    tmp.write("over.yaml", recipeYaml({ compute: { gpus: 1 }, budget: { gpu_hours: 1 } }));
    const r = await cli(["plan", "over.yaml"], tmp.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("\nover budget: gpu_hours: the stages that always run may take 2 GPU-hours, over the budget of 1 GPU-hours\n");
    expect(r.stderr).toBe("over.yaml: the plan exceeds the budget (INTERN_OVER_BUDGET)\n  hint: raise the budget, or lower time limits, GPUs, agent steps or passes\n");
  });

  it("only notes, and exits 0, when every pass together would exceed it", async () => {
    tmp.write("passes.yaml", fixture("recipes/open-data.yaml").replace("gpu_hours: 40", "gpu_hours: 5"));
    const r = await cli(["plan", "passes.yaml"], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\nnote: gpu_hours: all 3 passes may take 8 GPU-hours, over the budget of 5 GPU-hours; at worst 1 of 3 passes fit, and the run stops when the budget runs out\n");
    expect(r.stdout).not.toContain("over budget");
    expect(r.stderr).toBe("");
  });

  it("prints the plan as JSON with --output json", async () => {
    const r = await cli(["plan", "recipes/matrix-lr.yaml", "--output", "json"], FIXTURES);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { recipe: string; stages: { stage: { id: string }; action: string }[]; budget: { resource: string }[]; overBudget: string[] };
    expect(plan.recipe).toBe("sweep-lr");
    expect(plan.stages.map((s) => s.stage.id)).toEqual(["baseline", "prepare", "train.t1", "evaluate.t1", "train.t2", "evaluate.t2", "train.t3", "evaluate.t3", "report"]);
    expect(plan.budget.map((b) => b.resource)).toEqual(["gpu_hours", "wall_clock", "llm_tokens", "llm_usd"]);
    expect(plan.overBudget).toEqual([]);
  });

  it("still exits 1 over budget with --output json", async () => {
    tmp.write("over-json.yaml", recipeYaml({ compute: { gpus: 1 }, budget: { gpu_hours: 1 } }));
    const r = await cli(["plan", "over-json.yaml", "--output", "json"], tmp.dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).overBudget).toHaveLength(1);
  });

  it("plans for another backend with --backend, checking it like the recipe's own", async () => {
    const slurm = await cli(["plan", "recipes/minimal.yaml", "--backend", "slurm"], FIXTURES);
    expect(slurm.code).toBe(0);
    expect(slurm.stdout.split("\n")[0]).toBe("Plan for tiny-sft: 5 stages, 1 trial, 1 pass, backend slurm");
    const k8s = await cli(["plan", "recipes/minimal.yaml", "--backend", "kubernetes"], FIXTURES);
    expect(k8s.code).toBe(1);
    expect(k8s.stderr).toContain("backend kubernetes needs compute.kubernetes.image (the image jobs run in) (INTERN_COMPUTE_INVALID)");
  });

  it("prints a recipe's warnings on stderr", async () => {
    tmp.write("warn.yaml", recipeYaml({ budget: { llm: { tokens: 1000 } } }));
    const r = await cli(["plan", "warn.yaml"], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: budget.llm is set but no stage of this recipe calls an LLM (INTERN_BUDGET_INVALID)");
  });
});
