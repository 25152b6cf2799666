import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { InternError } from "../../errors.js";
import { secretValues } from "../../process/redact.js";
import { validateManifests } from "../../render/validate-manifests.js";
import type { JobSpec } from "../types.js";

/** A manifest as sent to the API server: plain JSON. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

/** The three objects of a stage, in the order they are created. */
export interface StageManifests {
  configMap: Manifest;
  service: Manifest;
  job: Manifest;
}

/** Who a stage's Job is: its name, namespace and the labels `find` looks for. */
export interface StageIdentity {
  namespace: string;
  name: string;
  run: string;
  stage: string;
  key: string;
}

export const LABEL_MANAGED = "app.kubernetes.io/managed-by";
export const LABEL_RUN = "intern.dev/run";
export const LABEL_STAGE = "intern.dev/stage";
export const LABEL_KEY = "intern.dev/key";

/** The rendered manifest of a stage folder. */
export function manifestPath(dir: string): string {
  return join(dir, "job.yaml");
}

function parse(text: string, origin: string): StageManifests {
  const docs = parseAllDocuments(text);
  const all = (Array.isArray(docs) ? docs : []).map((d) => d.toJS() as Manifest | null).filter((d): d is Manifest => d !== null);
  const of = (kind: string) => {
    const found = all.find((d) => d.kind === kind);
    if (!found) throw new InternError("INTERN_MANIFEST_INVALID", `${origin} has no ${kind}`, { hint: "a Kubernetes stage's job.yaml holds a ConfigMap, a Service and a Job (templates/kubernetes/job.yaml.hbs)" });
    return found;
  };
  return { configMap: of("ConfigMap"), service: of("Service"), job: of("Job") };
}

/** The stage's identity from its rendered job.yaml, or null when the folder has none (never submitted). */
export function readIdentity(dir: string): StageIdentity | null {
  const path = manifestPath(dir);
  if (!existsSync(path)) return null;
  try {
    return identityOf(parse(readFileSync(path, "utf8"), path).job);
  } catch {
    return null;
  }
}

export function identityOf(job: Manifest): StageIdentity {
  const labels = job.metadata.labels ?? {};
  return { namespace: job.metadata.namespace ?? "default", name: job.metadata.name, run: labels[LABEL_RUN] ?? "", stage: labels[LABEL_STAGE] ?? "", key: labels[LABEL_KEY] ?? "" };
}

/** Environment variables a pod gets from intern: its run's folders, never a secret (those come from the recipe's Secret). */
function podEnvironment(env: Record<string, string>): { name: string; value: string }[] {
  const secrets = secretValues(env);
  return Object.entries(env)
    .filter(([k]) => /^INTERN_[A-Z0-9_]*_DIR$/.test(k) || k === "TOKENIZERS_PARALLELISM")
    .filter(([, v]) => !secrets.some((s) => v.includes(s)))
    .map(([name, value]) => ({ name, value }));
}

/**
 * Reads the stage's job.yaml, validates every document (OpenAPI schemas, the API server's own
 * checks, unknown fields), and sets what only the submission knows: the run's folders in the
 * container's environment (the time limit the budget leaves is rendered into the Job). Refuses
 * to go on if any secret value of the environment would be sent.
 */
export async function prepareManifests(job: JobSpec): Promise<StageManifests> {
  const path = job.script.endsWith(".yaml") ? job.script : manifestPath(job.dir);
  if (!existsSync(path)) {
    throw new InternError("INTERN_MANIFEST_INVALID", `stage ${job.stageId}: ${path} does not exist`, { hint: "the stage's files are rendered before it is submitted; is compute.backend kubernetes?" });
  }
  const text = readFileSync(path, "utf8");
  await validateManifests(text, path);
  const m = parse(text, path);
  const spec = m.job.spec;
  const container = spec.template.spec.containers[0];
  const own = new Set<string>((container.env ?? []).map((e: { name: string }) => e.name));
  container.env = [...(container.env ?? []), ...podEnvironment(job.env).filter((e) => !own.has(e.name))];
  const secrets = secretValues(job.env);
  const sent = JSON.stringify(m);
  if (secrets.some((s) => sent.includes(s))) {
    throw new InternError("INTERN_SECRET_IN_MANIFEST", `stage ${job.stageId}: its manifest would carry a secret value; nothing was sent`, {
      hint: "secrets reach pods only through compute.kubernetes.secret (a Secret in the namespace), never in the recipe or the environment of the manifest",
    });
  }
  return m;
}
