import type { Command } from "../command.js";
import { writePrintableJson } from "../write-json.js";
import { parseArgs } from "node:util";
import { groupDigits } from "../../plan/group-digits.js";
import { FileCacheIndex } from "../../engine/cache-index.js";
import { makePlan } from "../../plan/make-plan.js";
import { NO_EARLIER_RUN, type BudgetLine, type Plan } from "../../plan/types.js";
import { formatDuration } from "../../recipe/duration.js";
import type { Recipe } from "../../recipe/types.js";
import type { CliIO } from "../io.js";
import { loadRecipe, requireFile } from "../../project/load.js";
import { backendOverride, BACKEND_OPTION } from "../options.js";
import { formatDiagnostics } from "../print-diagnostics.js";
import { table } from "../table.js";
import { UsageError } from "../../errors.js";
import { internVersion } from "../../project/package-root.js";
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { lockPathFor } from "../../lock/lock-path.js";

export const help = `intern plan <recipe.yaml> [--backend local|slurm|kubernetes] [--output text|json] [--out plan.json]

Shows the compiled DAG as a table: each stage, its kind, whether an LLM decides it (agentic),
where it runs, what it needs and what it may cost, then the budget: what the stages that always
run may spend and what every pass may spend, against each limit. Estimates are upper bounds
(GPUs x time limit; every agent step at its token limit). Exit 1 when the stages that always
run already exceed a limit.

  --out FILE   also save the plan (.json) for review: \`intern apply FILE\` applies exactly it,
               and refuses when the recipe, its lock, a stage's inputs or the cache moved since
When <recipe>.lock.yaml exists, also says whether it still holds, or what moved since it was
written (what \`apply --locked\` would refuse); the WHY table says which stages that reruns.
`;

function amount(resource: BudgetLine["resource"], v: number | null): string {
  if (v === null) return "-";
  switch (resource) {
    case "gpu_hours":
      return v.toFixed(2);
    case "wall_clock":
      return formatDuration(v);
    case "llm_tokens":
      return groupDigits(Math.round(v));
    case "llm_usd":
      return `$${v.toFixed(2)}`;
  }
}

export function formatPlan(plan: Plan, header: string, trialLabels: ReadonlyMap<number, string> = new Map()): string {
  const withTrials = trialLabels.size > 1;
  const rows = plan.stages.map((p) => {
    const s = p.stage;
    const trial = s.trials.length === 0 ? "all" : s.trials.length === 1 ? (trialLabels.get(s.trials[0]!) ?? String(s.trials[0])) : `${s.trials.length} trials`;
    return [
      s.id,
      ...(withTrials ? [trial] : []),
      s.kind,
      s.mode,
      s.placement === "job" ? `job${s.resources && s.resources.gpus > 0 ? ` ${s.resources.gpus}gpu` : ""}` : "control",
      s.needs.length === 0 ? "-" : s.needs.length > 3 ? `${s.needs.slice(0, 3).join(",")},+${s.needs.length - 3}` : s.needs.join(","),
      p.estimate.gpuHours > 0 ? p.estimate.gpuHours.toFixed(2) : "-",
      formatDuration(p.estimate.wallSeconds),
      p.estimate.llmTokens > 0 ? groupDigits(Math.round(p.estimate.llmTokens)) : "-",
      `${p.action}${s.conditional ? " (if decided)" : ""}`,
    ];
  });
  let out = `${header}\n\n${table(["STAGE", ...(withTrials ? ["TRIAL"] : []), "KIND", "MODE", "WHERE", "NEEDS", "GPU-H", "WALL", "LLM TOKENS", "ACTION"], rows)}\n`;
  // Once the project has runs, say for each stage why it runs again or is reused.
  if (plan.stages.some((p) => p.reason !== NO_EARLIER_RUN)) out += `${table(["STAGE", "WHY"], plan.stages.map((p) => [p.stage.id, p.reason]))}\n`;
  out += table(
    ["BUDGET", "ALWAYS RUN", "ALL PASSES", "LIMIT"],
    plan.budget.map((b) => [b.resource, amount(b.resource, b.required), amount(b.resource, b.all), amount(b.resource, b.limit)]),
  );
  for (const n of plan.notes) out += `\nnote: ${n}\n`;
  for (const e of plan.overBudget) out += `\nover budget: ${e}\n`;
  return out;
}

/** Where the jobs' Python comes from, and what it must hold. */
function environmentLine(r: Recipe): string {
  const env = r.compute.environment;
  if (env.kind === "python") return `environment: ${env.python} (checked before the first job)`;
  const list = env.requirements.join(" ");
  if (r.compute.backend === "kubernetes") return `environment: the image ${r.compute.kubernetes.image ?? "(none)"}, which must hold ${list}`;
  if (r.compute.backend === "slurm" && r.compute.slurm.container_image !== undefined) return `environment: the container ${r.compute.slurm.container_image}, which must hold ${list}`;
  return `environment: ${list}`;
}

export async function planCommand(io: CliIO, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", default: "text" }, out: { type: "string" }, ...BACKEND_OPTION } });
  const file = requireFile(positionals[0], "plan");
  const loaded = loadRecipe(io.cwd, file, backendOverride(values.backend));
  const { validated, graph } = loaded;
  const plan = makePlan(graph, validated.recipe, new FileCacheIndex(io.cwd, { snapshot: true }));
  if (values.out !== undefined) {
    // Saving, and reading a lock below, load their modules only when asked for.
    const { isSavedPlan, savePlan } = await import("../../saved-plan/saved-plan.js");
    if (!isSavedPlan(values.out)) throw new UsageError(`--out ${values.out}: a saved plan is a .json file`, "intern plan recipe.yaml --out plan.json");
    savePlan({ cwd: io.cwd, recipeFile: file, out: values.out, loaded, plan, internVersion: internVersion() });
    if (values.output !== "json") io.stderr.write(`plan saved to ${values.out}; \`intern apply ${values.out}\` applies exactly this plan\n`);
  }
  if (values.output === "json") {
    writePrintableJson(io.stdout, { ...plan, environment: validated.recipe.compute.environment });
  } else {
    if (validated.warnings.length > 0) io.stderr.write(formatDiagnostics(validated.warnings));
    const r = validated.recipe;
    const trials = validated.trials.length;
    const header = `Plan for ${r.name}: ${graph.stages.length} stages, ${trials} trial${trials === 1 ? "" : "s"}, ${r.budget.iterations} pass${r.budget.iterations === 1 ? "" : "es"}, backend ${r.compute.backend}`;
    io.stdout.write(formatPlan(plan, `${header}\n${environmentLine(r)}`, new Map(graph.trials.map((t) => [t.index, t.label]))));
  }
  const lockPath = lockPathFor(resolve(io.cwd, file));
  if (values.output !== "json" && existsSync(lockPath)) {
    const moved = (await import("../lock-moved.js")).lockMoved(io.cwd, file, loaded, lockPath);
    io.stdout.write(moved.length === 0 ? `\nlock: ${relative(io.cwd, lockPath)} holds (apply --locked reruns it)\n` : `\nlock: moved since ${relative(io.cwd, lockPath)} was written (apply --locked would refuse):\n  ${moved.join("\n  ")}\n`);
  }
  if (plan.overBudget.length > 0) {
    io.stderr.write(`${file}: the plan exceeds the budget (INTERN_OVER_BUDGET)\n  hint: raise the budget, or lower time limits, GPUs, agent steps or passes\n`);
    return 1;
  }
  return 0;
}

export const command: Command = { help, run: planCommand };
