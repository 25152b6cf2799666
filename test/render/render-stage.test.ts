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
});
