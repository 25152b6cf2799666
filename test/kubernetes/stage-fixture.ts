import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { JobSpec } from "../../src/executors/types.js";
import { intern, makeProject } from "../helpers/engine.js";
import { readFileSync } from "node:fs";

export interface StageFolder {
  /** A job spec for the stage, its folder holding the rendered job.yaml. */
  job: JobSpec;
  name: string;
  namespace: string;
}

/**
 * Renders the engine fixture's `stage` with the kubernetes backend (`intern render`, the real
 * template) and copies its folder to a new temp stage folder, as `apply` leaves it before submitting.
 */
export async function renderedStage(options: { stage?: string; runId?: string; kubernetes?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<StageFolder> {
  const stage = options.stage ?? "train";
  const project = makeProject({ changes: { compute: { backend: "kubernetes", kubernetes: { namespace: "ml", image: "ghcr.io/acme/trl:1.13", ...(options.kubernetes ?? {}) } } } });
  const out = join(project.dir, "rendered");
  const r = await intern(project, ["render", "recipe.yaml", "--out", out, "--stage", stage, "--run-id", options.runId ?? "run-1"]);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  const dir = join(mkdtempSync(join(tmpdir(), "intern-k8s-stage-")), stage);
  mkdirSync(dir);
  cpSync(join(out, "stages", stage), dir, { recursive: true });
  const docs = parseAllDocuments(readFileSync(join(dir, "job.yaml"), "utf8"));
  const job = (Array.isArray(docs) ? docs : []).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } }).find((d) => d.kind === "Job")!;
  return {
    job: { stageId: stage, dir, script: join(dir, "job.yaml"), env: options.env ?? {}, timeLimitSeconds: 600, gpus: 0 },
    name: job.metadata.name,
    namespace: job.metadata.namespace,
  };
}
