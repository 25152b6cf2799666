import { describe, expect, it } from "vitest";
import { compileText, diagnosticsOf, find, lineOf, recipeYaml, warningsOf } from "../../helpers/recipe.js";

const CODE = "INTERN_COMPUTE_INVALID";
const K8S = { backend: "kubernetes", kubernetes: { image: "ghcr.io/acme/trl:1.13" } };

describe("compute rule", () => {
  it("needs GPUs to divide evenly across nodes", () => {
    const text = recipeYaml({ compute: { backend: "slurm", nodes: 2, gpus: 3 } });
    const d = find(diagnosticsOf(text), CODE, "compute.gpus (3) does not divide evenly across compute.nodes (2)");
    expect(d.hint).toBe("use a multiple of 2, such as 4");
    expect(d.location).toMatchObject({ line: lineOf(text, "gpus: 3"), col: 9 });
  });

  it("needs GPUs for multi-node training", () => {
    const text = recipeYaml({ compute: { backend: "slurm", nodes: 2, gpus: 0 } });
    const d = find(diagnosticsOf(text), CODE, "multi-node training needs GPUs (compute.gpus is 0)");
    expect(d.location?.line).toBe(lineOf(text, "nodes: 2"));
  });

  it("keeps the local backend on one node", () => {
    const text = recipeYaml({ compute: { nodes: 2, gpus: 2 } });
    const d = find(diagnosticsOf(text), CODE, "the local backend runs on one machine; compute.nodes must be 1");
    expect(d.hint).toBe("use backend slurm or kubernetes for multi-node training");
    expect(d.location?.line).toBe(lineOf(text, "nodes: 2"));
  });

  it("accepts multi-node training on Slurm", () => {
    const { validated } = compileText(recipeYaml({ compute: { backend: "slurm", nodes: 2, gpus: 16, accelerate: "fsdp2" }, budget: { gpu_hours: 100 } }));
    expect(validated.recipe.compute.gpusPerNode).toBe(8);
  });

  it("refuses the cpu profile with GPUs", () => {
    const text = recipeYaml({ compute: { gpus: 1, accelerate: "cpu" } });
    const d = find(diagnosticsOf(text), CODE, "accelerate profile `cpu` with compute.gpus 1");
    expect(d.location?.line).toBe(lineOf(text, "accelerate: cpu"));
  });

  it("needs exactly one GPU for the single-gpu profile", () => {
    const text = recipeYaml({ compute: { gpus: 2, accelerate: "single-gpu" } });
    find(diagnosticsOf(text), CODE, "accelerate profile `single-gpu` needs compute.gpus 1, not 2");
  });

  it("needs two GPUs for multi-gpu", () => {
    const text = recipeYaml({ compute: { gpus: 1, accelerate: "multi-gpu" } });
    const d = find(diagnosticsOf(text), CODE, "accelerate profile `multi-gpu` needs at least 2 GPUs, but compute.gpus is 1");
    expect(d.location?.line).toBe(lineOf(text, "accelerate: multi-gpu"));
  });

  it.each(["fsdp2", "zero3"])("needs GPUs for %s", (profile) => {
    find(diagnosticsOf(recipeYaml({ compute: { gpus: 0, accelerate: profile } })), CODE, `accelerate profile \`${profile}\` needs GPUs, but compute.gpus is 0`);
  });

  it("refuses mixed precision on CPU", () => {
    const text = recipeYaml({ compute: { gpus: 0, mixed_precision: "bf16" } });
    const d = find(diagnosticsOf(text), CODE, "mixed precision `bf16` needs GPUs; on CPU use `no`");
    expect(d.location?.line).toBe(lineOf(text, "mixed_precision: bf16"));
  });

  it("refuses both an interpreter and requirements", () => {
    const text = recipeYaml({ compute: { environment: { python: "/opt/venv/bin/python", requirements: ["trl==1.13.0"] } } });
    const d = find(diagnosticsOf(text), CODE, "compute.environment has both `python` and `requirements`; keep one");
    expect(d.location).toMatchObject({ line: lineOf(text, "requirements:"), col: 5 });
  });

  it("needs an image for Kubernetes", () => {
    const text = recipeYaml({ compute: { backend: "kubernetes" } });
    const d = find(diagnosticsOf(text), CODE, "backend kubernetes needs compute.kubernetes.image (the image jobs run in)");
    expect(d.location).toMatchObject({ line: lineOf(text, "compute:"), col: 1 });
  });

  it("accepts Kubernetes with an image", () => {
    expect(() => compileText(recipeYaml({ compute: K8S }))).not.toThrow();
  });

  it("warns that Slurm settings do nothing on another backend", () => {
    const text = recipeYaml({ compute: { slurm: { partition: "gpu" } } });
    const [w] = warningsOf(text);
    expect(w).toMatchObject({ code: CODE, severity: "warning", message: "compute.slurm is ignored with backend `local`" });
    expect(w!.location?.line).toBe(lineOf(text, "slurm:"));
  });

  it("warns that Kubernetes settings do nothing on another backend", () => {
    const [w] = warningsOf(recipeYaml({ compute: { backend: "slurm", kubernetes: { image: "x" } } }));
    expect(w).toMatchObject({ code: CODE, severity: "warning", message: "compute.kubernetes is ignored with backend `slurm`" });
  });

  it("warns when a portable-kernel CPU recipe names an optimizer other than the fused AdamW those kernels were checked with", () => {
    const text = recipeYaml({ compute: { cpu_kernels: "portable" }, training: { hyperparameters: { optim: "adamw_torch" } } });
    const [w] = warningsOf(text);
    expect(w).toMatchObject({ code: CODE, severity: "warning", message: "optimizer `adamw_torch` with compute.cpu_kernels portable: only adamw_torch_fused (intern's choice when optim is unset) is known to compute the same bits on Intel and AMD CPUs" });
    expect(w!.location?.line).toBe(lineOf(text, "optim: adamw_torch"));
    expect(warningsOf(recipeYaml({ compute: { cpu_kernels: "portable" }, training: { hyperparameters: { optim: "adamw_torch_fused" } } }))).toEqual([]);
    expect(warningsOf(recipeYaml({ compute: { cpu_kernels: "portable" } }))).toEqual([]);
    expect(warningsOf(recipeYaml({ training: { hyperparameters: { optim: "adamw_torch" } } }))).toEqual([]);
  });

  it("refuses GPUs for a stage that runs in the control plane", () => {
    const text = recipeYaml({ stages: [{ name: "export", run: "echo hi", placement: "control-plane", gpus: 1 }] });
    const d = find(diagnosticsOf(text), CODE, "stage export runs in the control plane and cannot have GPUs");
    expect(d.location?.line).toBe(lineOf(text, "gpus: 1"));
  });
});
