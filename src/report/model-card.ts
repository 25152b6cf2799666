import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { RunState } from "../run/run-state.js";
import type { Lock } from "../lock/types.js";

export interface ModelCardInput {
  lock: Lock;
  /** sha256 of the lock's bytes. */
  lockSha256: string;
  /** The train stage whose model this is. */
  stage: string;
  name: string;
  goal: string;
  state: RunState;
}

const cell = (v: unknown) => String(v ?? "-").replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The decontamination summary of the prepare stage this model was trained on, in one line. */
function decontamination(state: RunState, trainStage: string): string | null {
  const train = state.stages.get(trainStage);
  const prepare = train?.needs.map((n) => state.stages.get(n)).find((s) => s?.kind === "prepare");
  const d = (prepare?.outputs.manifest as { decontamination?: Record<string, unknown> } | undefined)?.decontamination;
  if (!d) return null;
  if (typeof d.skipped === "string") return `skipped: ${d.skipped}`;
  const removed = Array.isArray(d.removed) ? d.removed.length : 0;
  return `${removed} training row(s) removed for sharing ${cell(d.ngram ?? "n")}-grams with the benchmark`;
}

/**
 * README.md for a trained model's folder: the Hub's card metadata (YAML front matter), then the
 * provenance: base model, data with revisions and licenses, decontamination, papers, decisions,
 * results, and the lock's digest. Pure.
 */
export function modelCard(input: ModelCardInput): string {
  const { lock, state } = input;
  // A chain's methods in order (`sft, then dpo`); one method alone for most recipes.
  const methods = [lock.training.method, ...(lock.training.then ?? []).map((t) => t.method)];
  const hubDatasets = [...new Set(lock.datasets.flatMap((d) => (d.source === "hub" ? [d.id] : [])))];
  const meta: Record<string, unknown> = {
    ...(lock.base_model.kind === "hub" ? { base_model: lock.base_model.id } : {}),
    ...(hubDatasets.length > 0 ? { datasets: hubDatasets } : {}),
    license: "other",
    library_name: "transformers",
    tags: ["intern", "trl", ...new Set(methods)],
  };
  const bm = lock.base_model;
  const lines = [
    `---\n${stringify(meta, { lineWidth: 0 })}---`,
    "",
    `# ${input.name} (${input.stage})`,
    "",
    input.goal,
    "",
    `Post-trained with intern ${lock.intern} (${methods.join(", then ")}) from the recipe \`${lock.recipe.file}\` (${lock.recipe.sha256}).`,
    `Lock: \`${lock.recipe.file.replace(/\.ya?ml$/i, "")}.lock.yaml\`, ${input.lockSha256}; \`intern audit\` on it reruns this training and checks the results below.`,
    "",
    `License: see the base model's license and the datasets' licenses below.`,
    "",
    "## Base model",
    "",
    bm.kind === "hub" ? `${bm.id} at ${bm.revision}` : bm.kind === "local" ? `local folder \`${bm.path}\` (${bm.sha256})` : `made by the stage ${bm.stage}`,
    "",
    "## Results",
    "",
    "| Evaluation | Task | Metric | Value | ± stderr |",
    "| --- | --- | --- | --- | --- |",
    ...lock.evaluations.map((e) => `| ${cell(e.stage)} | ${cell(e.task)} | ${cell(e.metric)} | ${e.value} | ${e.stderr ?? "-"} |`),
    "",
    `Benchmark: ${lock.benchmark.name} (${lock.benchmark.harness}${lock.benchmark.task ? `, task ${lock.benchmark.task}` : ""}).`,
    "",
    "## Training data",
    "",
    "| Dataset | Revision | File | sha256 | License | Fraction |",
    "| --- | --- | --- | --- | --- | --- |",
    ...lock.datasets.map((d) => (d.source === "local" ? `| ${cell(d.path)} (local) | - | - | ${d.sha256} | ${cell(d.license)} | - |` : `| ${cell(d.id)} | ${cell(d.sha ?? d.revision)} | ${cell(d.file)} | ${cell(d.sha256)} | ${cell(d.license)} | ${cell(d.fraction)} |`)),
    ...lock.prepared.map((p) => `\nPrepared by ${p.stage}: ${p.rows} rows, ${p.sha256}.`),
  ];
  const decon = decontamination(state, input.stage);
  if (decon) lines.push("", `Decontamination: ${decon}.`);
  if (lock.papers.length > 0) lines.push("", "## Papers consulted", "", ...lock.papers.map((p) => `- arXiv ${p.id}${p.title ? `: ${p.title}` : ""}`));
  if (lock.training.decisions.length > 0) {
    lines.push("", "## Decisions", "", ...lock.training.decisions.map((d) => `- ${d.stage}: **${d.decision}**: ${cell(d.reason)}${d.hyperparameters ? ` (${JSON.stringify(d.hyperparameters)})` : ""}`));
  }
  lines.push("", "## Hyperparameters", "", "```json", JSON.stringify(lock.training.hyperparameters, null, 2), "```");
  for (const [i, t] of (lock.training.then ?? []).entries()) lines.push("", `Then ${t.method} (training.then[${i}]):`, "", "```json", JSON.stringify(t.hyperparameters, null, 2), "```");
  if (lock.agent) lines.push("", `Agent: ${lock.agent.provider} ${lock.agent.model}, temperature ${lock.agent.temperature}, seed ${lock.agent.seed}; ${Object.keys(lock.transcripts).length} transcript(s) recorded in the lock.`);
  return `${lines.join("\n")}\n`;
}

/** README.md, the model card, in the folder of every model this run trained. */
export function writeModelCards(lock: Lock, text: string, options: { recipe: { name: string; goal: string }; state: RunState }): void {
  const lockSha256 = `sha256:${createHash("sha256").update(text).digest("hex")}`;
  for (const s of options.state.stages.values()) {
    if (s.kind !== "train" || s.status !== "done" || typeof s.outputs.model !== "string" || !existsSync(s.outputs.model)) continue;
    const card = modelCard({ lock, lockSha256, stage: s.id, name: options.recipe.name, goal: options.recipe.goal, state: options.state });
    writeFileSync(join(s.outputs.model, "README.md"), card);
  }
}
