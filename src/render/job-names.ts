import { createHash } from "node:crypto";

/** A Kubernetes name for a stage's Job and Service: a DNS-1123 label with room for `-<index>`. */
export function kubernetesName(recipe: string, stageId: string, key: string): string {
  const stage = stageId.replace(/[^a-z0-9-]/g, "-");
  const suffix = `-${stage}-${key.slice(0, 8)}`;
  const head = recipe.slice(0, Math.max(1, 56 - suffix.length)).replace(/-+$/, "");
  return `${head}${suffix}`.replace(/--+/g, "-");
}

/** Slurm's job name: the recipe and stage, so `squeue` reads well. */
export function slurmJobName(recipe: string, stageId: string): string {
  return `intern:${recipe}:${stageId}`;
}

/** Where a requirements list is provisioned: one folder per distinct list. */
export function environmentDigest(requirements: readonly string[]): string {
  return createHash("sha256").update([...requirements].sort().join("\n")).digest("hex").slice(0, 16);
}
