import { datasetIndicesOf, phaseStages, type PhaseStage } from "../recipe/phases.js";
import type { Recipe } from "../recipe/types.js";
import type { StageDraft } from "./draft.js";

/**
 * The prepare stages of a chained recipe: one per method in use, each reading only the datasets
 * of its method's formats, deduplicated and decontaminated on its own. Its params name the
 * method, so editing another method's data leaves its key alone.
 */
export function chainPrepareStages(r: Recipe, common: Record<string, unknown>, benchmarkFiles: string[]): StageDraft[] {
  const seen = new Set<string>();
  const out: StageDraft[] = [];
  for (const p of phaseStages(r)) {
    if (seen.has(p.prepareId)) continue;
    seen.add(p.prepareId);
    const indices = datasetIndicesOf(r, p.method);
    const datasets = indices.map((i) => r.data.datasets![i]!);
    out.push({
      localId: p.prepareId, name: p.prepareId, kind: "prepare", mode: "deterministic", placement: "control-plane", needs: [], pass: null, conditional: false,
      params: { ...common, datasets, method: p.method },
      resources: null, templates: [], outputs: ["data/train.jsonl", "manifest.json"],
      description: `read, map, mix, dedupe and decontaminate the ${p.method} data`,
      files: [...datasets.flatMap((d) => (d.source.kind === "local" ? [d.source.path] : [])), ...benchmarkFiles],
    });
  }
  return out;
}

/** The recipe files of GRPO's reward functions: their content joins the GRPO train stage's key. */
export function rewardFilesOf(r: Recipe): string[] {
  return [...new Set(r.training.rewards.flatMap((w) => (w.kind === "file" ? [w.file] : [])))];
}

/**
 * The later train stages of a chain (all but the first): each needs its method's prepare stage
 * and the train stage before it, whose model it starts from (and, for DPO and KTO, takes as the
 * reference). `phase` in its params tells render which of `training.then` it is.
 */
export function laterTrainStages(r: Recipe, templates: (method: string) => string[], environment: Record<string, unknown>): StageDraft[] {
  const phases = phaseStages(r);
  return phases.slice(1).map((p: PhaseStage, i) => {
    const before = phases[i]!;
    const t = r.training.then[i]!;
    return {
      localId: p.trainId, name: p.trainId, kind: "train", mode: "deterministic", placement: "job", needs: [p.prepareId, before.trainId], pass: null, conditional: false,
      params: {
        method: t.method, start: `output of ${before.trainId}`, hyperparameters: t.hyperparameters,
        accelerate: r.compute.accelerate, mixed_precision: r.compute.mixedPrecision, trl: r.compute.trlVersion, phase: p.phase, ...environment,
        ...(t.method === "grpo" ? { rewards: r.training.rewards } : {}),
      },
      resources: { nodes: r.compute.nodes, gpus: r.compute.gpus, gpusPerNode: r.compute.gpusPerNode, timeLimitSeconds: t.timeLimitSeconds },
      templates: templates(t.method),
      outputs: ["model/"], description: `${t.method} with TRL ${r.compute.trlVersion}, from ${before.trainId}'s model`,
      ...(t.method === "grpo" ? { files: rewardFilesOf(r) } : {}),
    };
  });
}
