import { describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/project/load.js";
import { InternalError, InternError } from "../../src/errors.js";
import type { RunLocation } from "../../src/render/context.js";
import { Renderer } from "../../src/render/environment.js";
import { renderStage } from "../../src/render/render-stage.js";
import { recipeYaml, tempDir } from "../helpers/recipe.js";

describe("renderStage", () => {
  it("throws an InternalError when a Kubernetes job is rendered without intern's Python helpers to carry", () => {
    const tmp = tempDir();
    try {
      tmp.write("k8s.yaml", recipeYaml({ compute: { backend: "kubernetes", kubernetes: { image: "ghcr.io/acme/trl:1.13" } } }));
      const { validated, graph, templates } = loadRecipe(tmp.dir, "k8s.yaml");
      const stage = graph.stages.find((s) => s.id === "train")!;
      const loc: RunLocation = { runId: "r", runDir: "/workspace/runs/r", envsDir: "/envs", recipeDir: tmp.dir, pythonDir: "/python" };
      let error: unknown;
      try {
        renderStage(new Renderer(templates), validated.recipe, graph, stage, loc);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InternalError);
      expect(error).not.toBeInstanceOf(InternError);
      expect((error as Error).message).toBe("internal: a Kubernetes job needs intern's fingerprint.py in RunLocation.pythonHelpers");
      // With the helpers, the same stage renders.
      const files = renderStage(new Renderer(templates), validated.recipe, graph, stage, { ...loc, pythonHelpers: { "fingerprint.py": "print(1)\n" } });
      expect(files.map((f) => f.path)).toContain("job.yaml");
    } finally {
      tmp.cleanup();
    }
  });

  it("renders the limit the budget left into the files that run: sbatch --time rounded down to minutes, the Job's activeDeadlineSeconds", () => {
    const tmp = tempDir();
    try {
      const loc: RunLocation = { runId: "r", runDir: "/workspace/runs/r", envsDir: "/envs", recipeDir: tmp.dir, pythonDir: "/python", pythonHelpers: { "fingerprint.py": "print(1)\n" } };
      const render = (backend: Record<string, unknown>, cut?: number) => {
        tmp.write("r.yaml", recipeYaml({ compute: backend }));
        const { validated, graph, templates } = loadRecipe(tmp.dir, "r.yaml");
        const stage = graph.stages.find((s) => s.id === "train")!;
        expect(stage.resources!.timeLimitSeconds).toBe(3600);
        return renderStage(new Renderer(templates), validated.recipe, graph, stage, loc, {}, cut);
      };
      const sbatch = (cut?: number) => render({ backend: "slurm" }, cut).find((f) => f.path === "job.sbatch")!.content.match(/^#SBATCH --time=(.*)$/m)![1];
      expect(sbatch()).toBe("0-01:00:00");
      expect(sbatch(150)).toBe("0-00:02:00");
      expect(sbatch(20)).toBe("0-00:01:00");
      // A cut above the stage's own limit does not raise it.
      expect(sbatch(7200)).toBe("0-01:00:00");
      const deadline = (cut?: number) => Number(render({ backend: "kubernetes", kubernetes: { image: "ghcr.io/acme/trl:1.13" } }, cut).find((f) => f.path === "job.yaml")!.content.match(/activeDeadlineSeconds: (\d+)/)![1]);
      expect(deadline()).toBe(3600);
      expect(deadline(420.7)).toBe(420);
    } finally {
      tmp.cleanup();
    }
  });
  it("pins the CPU kernels a portable recipe asks for: the job exports them, CPU training gets the fused optimizer, and the stage keys change", () => {
    const tmp = tempDir();
    try {
      const loc: RunLocation = { runId: "r", runDir: "/workspace/runs/r", envsDir: "/envs", recipeDir: tmp.dir, pythonDir: "/python", pythonHelpers: { "fingerprint.py": "print(1)\n" } };
      const load = (compute: Record<string, unknown>, training: Record<string, unknown> = {}) => {
        tmp.write("r.yaml", recipeYaml({ compute, training }));
        return loadRecipe(tmp.dir, "r.yaml");
      };
      const files = (l: ReturnType<typeof load>, id: string) => {
        const stage = l.graph.stages.find((s) => s.id === id)!;
        return new Map(renderStage(new Renderer(l.templates), l.validated.recipe, l.graph, stage, loc).map((f) => [f.path, f.content]));
      };
      const exports = /^\s*export ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE$/m;
      const native = load({});
      const portable = load({ cpu_kernels: "portable" });
      expect(files(native, "train").get("run.sh")).not.toMatch(exports);
      expect(files(native, "train").get("sft.yaml")).not.toMatch(/^optim:/m);
      // Every job stage computes with the pinned kernels, before the fingerprint records them.
      for (const id of ["train", "evaluate", "baseline"]) {
        const script = files(portable, id).get("run.sh")!;
        expect(script, id).toMatch(exports);
        expect(script.search(exports)).toBeLessThan(script.indexOf("fingerprint.py"));
      }
      expect(files(portable, "train").get("sft.yaml")).toMatch(/^optim: "adamw_torch_fused"$/m);
      // A recipe that names its optimizer keeps it.
      expect(files(load({ cpu_kernels: "portable" }, { hyperparameters: { optim: "sgd" } }), "train").get("sft.yaml")).toMatch(/^optim: "sgd"$/m);
      // On GPUs the optimizer is left alone.
      expect(files(load({ cpu_kernels: "portable", gpus: 1 }), "train").get("sft.yaml")).not.toMatch(/^optim:/m);
      // Pinned kernels change a job's numbers, so its key; `native` leaves the keys as they were.
      const key = (l: ReturnType<typeof load>, id: string) => l.graph.stages.find((s) => s.id === id)!.key;
      for (const id of ["train", "evaluate", "baseline"]) expect(key(portable, id), id).not.toBe(key(native, id));
      expect(key(load({ cpu_kernels: "native" }), "train")).toBe(key(native, "train"));
      expect(key(portable, "prepare")).toBe(key(native, "prepare"));
    } finally {
      tmp.cleanup();
    }
  });
});
