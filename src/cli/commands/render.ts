import type { Command } from "../command.js";
import { envsDir } from "../../environments/envs-dir.js";
import { readPythonHelpers } from "../../environments/python-helpers.js";
import { readRewardSources } from "../../project/reward-files.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../errors.js";
import type { RunLocation } from "../../render/context.js";
import { Renderer } from "../../render/environment.js";
import { renderStage } from "../../render/render-stage.js";
import { validateManifests } from "../../render/validate-manifests.js";
import type { CliIO } from "../io.js";
import { loadRecipe, requireFile } from "../../project/load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { PACKAGE_ROOT } from "../../project/package-root.js";

export const help = `intern render <recipe.yaml> --out DIR [--backend ...] [--stage ID]... [--run-id ID]

Writes every job stage's files as \`apply\` would: DIR/stages/<stage>/ gets sft.yaml and
accelerate.yaml (training), run.sh, and the backend's wrapper (job.sbatch for Slurm, job.yaml
for Kubernetes). Paths inside the files point into DIR, as a run folder would. Kubernetes
manifests are checked against the Kubernetes OpenAPI schemas before they are written.
`;

export async function renderCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, stage: { type: "string", multiple: true }, "run-id": { type: "string", default: "render" }, ...BACKEND_OPTION },
  });
  const file = requireFile(positionals[0], "render");
  if (values.out === undefined) throw new UsageError("intern render needs --out DIR", `intern render ${file} --out /tmp/rendered`);
  const { validated, graph, templates } = loadRecipe(io.cwd, file, backendOverride(values.backend));
  const wanted = values.stage;
  if (wanted) {
    const unknown = wanted.filter((id) => !graph.stages.some((s) => s.id === id));
    if (unknown.length > 0) throw new UsageError(`no stage ${unknown.join(", ")} in this recipe`, `job stages: ${graph.stages.filter((s) => s.placement === "job").map((s) => s.id).join(", ")}`);
  }
  const out = resolve(io.cwd, values.out);
  const recipeDir = dirname(resolve(io.cwd, file));
  const renderer = new Renderer(templates);
  const written: string[] = [];
  const byTrial = new Map(validated.trials.map((t) => [t.index + 1, t.recipe]));
  const helpers = readPythonHelpers(join(PACKAGE_ROOT, "python"));
  const rewardSources = readRewardSources(validated.trials.map((t) => t.recipe), recipeDir);
  for (const stage of graph.stages) {
    if (stage.placement !== "job" || (wanted && !wanted.includes(stage.id))) continue;
    const recipe = byTrial.get(stage.trials[0] ?? 1) ?? validated.recipe;
    const loc: RunLocation = {
      runId: values["run-id"]!,
      runDir: recipe.compute.backend === "kubernetes" ? `/workspace/runs/${values["run-id"]}` : out,
      envsDir: envsDir(io.cwd, io.env),
      recipeDir,
      pythonDir: join(PACKAGE_ROOT, "python"),
      pythonHelpers: helpers,
      rewardSources,
    };
    const files = renderStage(renderer, recipe, graph, stage, loc);
    const manifest = files.find((f) => f.path === "job.yaml");
    if (manifest) await validateManifests(manifest.content, `${stage.id}/job.yaml`);
    const dir = join(out, "stages", stage.id);
    mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const path = join(dir, f.path);
      writeFileSync(path, f.content);
      if (f.executable) chmodSync(path, 0o755);
      written.push(path);
    }
  }
  io.stdout.write(written.length === 0 ? "no job stages to render\n" : `${written.map((p) => `wrote ${p}`).join("\n")}\n`);
  return 0;
}

export const command: Command = { help, run: renderCommand };
