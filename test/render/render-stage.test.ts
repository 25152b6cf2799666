import { describe, expect, it } from "vitest";
import { loadRecipe } from "../../src/cli/load.js";
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
});
