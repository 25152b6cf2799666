import { describe, expect, it } from "vitest";
import { DEFAULT_REQUIREMENTS, FEATURE_PACKAGES } from "../../../src/recipe/derive.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, compileText, diagnosticsOf, find, lineOf, recipeYaml } from "../../helpers/recipe.js";

const CODE = "INTERN_ENV_MISSING_PACKAGE";
const errorsOf = (text: string) => diagnosticsOf(text).filter((d) => d.code === CODE);

describe("the job environment a recipe derives", () => {
  it("is the TRL stack for the quickstart (builtin evaluator, CPU, no LoRA), so its lock does not move", () => {
    const env = compileText(readFileSync(join(ROOT, "recipes", "quickstart.yaml"), "utf8")).validated.recipe.compute.environment;
    expect(env).toEqual({ kind: "requirements", requirements: [...DEFAULT_REQUIREMENTS] });
  });

  it("adds lm-eval for `harness: lm-eval` and DeepSpeed for `accelerate: zero3` (the reference recipe)", () => {
    const env = compileText(readFileSync(join(ROOT, "recipes", "qwen3-1.7b-gpqa.yaml"), "utf8")).validated.recipe.compute.environment;
    expect(env).toEqual({ kind: "requirements", requirements: [...DEFAULT_REQUIREMENTS, "lm-eval[hf]==0.4.13", "deepspeed==0.19.2"] });
  });

  it("adds lighteval for `harness: lighteval`", () => {
    const env = compileText(recipeYaml({ benchmark: { harness: "lighteval", task: "lighteval|gpqa:diamond|0" } })).validated.recipe.compute.environment;
    expect(env.kind === "requirements" && env.requirements).toContain(FEATURE_PACKAGES.lighteval.pin);
    expect(env.kind === "requirements" && env.requirements).not.toContain(FEATURE_PACKAGES["lm-eval"].pin);
  });
});

describe("an explicit requirements list", () => {
  const stack = ["trl==1.13.0"];

  it("must install the harness: lm-eval missing is an error on the list, with the pin to add", () => {
    const text = recipeYaml({ compute: { environment: { requirements: stack } } });
    const d = find(diagnosticsOf(text), CODE, "benchmark.harness `lm-eval` needs `lm_eval` from lm-eval, which compute.environment.requirements does not install");
    expect(d.severity).toBe("error");
    expect(d.hint).toBe("add `lm-eval[hf]==0.4.13` (the version intern pins and tests), or drop the list to let intern derive it");
    expect(d.location?.line).toBe(lineOf(text, "requirements:"));
  });

  it("must install DeepSpeed for zero3 and PEFT for LoRA", () => {
    const text = recipeYaml({ compute: { gpus: 8, accelerate: "zero3", environment: { requirements: [...stack, "lm-eval==0.4.13"] } }, training: { peft: { r: 8 } } });
    expect(errorsOf(text).map((d) => d.message)).toEqual([
      "training.peft (LoRA) needs peft, which compute.environment.requirements does not install",
      "compute.accelerate `zero3` (DeepSpeed ZeRO-3) needs deepspeed, which compute.environment.requirements does not install",
    ]);
  });

  it("counts what a listed package brings along (trl's own requirements, an extra), and any spelling of a name", () => {
    const text = recipeYaml({ compute: { gpus: 8, accelerate: "zero3", environment: { requirements: ["trl[peft]==1.13.0", "LM_Eval[hf]>=0.4.13", "DeepSpeed==0.19.2"] } }, training: { peft: { r: 8 } } });
    expect(compileText(text).validated.recipe.compute.environment.kind).toBe("requirements");
  });

  it("is not checked when the recipe names an interpreter (the run checks it before the first job)", () => {
    expect(compileText(recipeYaml({ compute: { environment: { python: "/opt/venv/bin/python" } } })).validated.recipe.compute.environment).toEqual({ kind: "python", python: "/opt/venv/bin/python" });
  });
});
