import { parseAllDocuments } from "yaml";
import { InternError } from "../errors.js";
import { unknownFields } from "./unknown-fields.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

/** Checks the API server makes that the OpenAPI schemas do not express. */
function serverChecks(m: Manifest): string[] {
  const out: string[] = [];
  const name = m.metadata?.name ?? "";
  const labelName = m.kind === "Service" || m.kind === "Job";
  if (!(labelName ? DNS_LABEL : DNS_SUBDOMAIN).test(name) || name.length > (labelName ? 63 : 253)) {
    out.push(`${m.kind} name ${JSON.stringify(name)} is not a DNS-1123 ${labelName ? "label" : "subdomain"}`);
  }
  if (m.kind === "Job") {
    const pod = (m.spec?.template as { spec?: { restartPolicy?: string; containers?: { name?: string; image?: string }[] } } | undefined)?.spec;
    if (pod?.restartPolicy !== "Never" && pod?.restartPolicy !== "OnFailure") out.push(`Job ${name}: restartPolicy must be Never or OnFailure`);
    for (const c of pod?.containers ?? []) if (!c.image) out.push(`Job ${name}: container ${c.name ?? "?"} has no image`);
    // A pod's hostname is `<job>-<index>`; it must stay a DNS label for rendezvous.
    if (name.length > 56) out.push(`Job ${name}: name longer than 56 characters leaves no room for pod hostnames`);
  }
  return out;
}

/**
 * Validates every document of a rendered manifest against the Kubernetes OpenAPI schemas
 * (kubernetes-models, loaded only here), the API server's own naming rules, and unknown fields.
 */
export async function validateManifests(text: string, origin: string): Promise<void> {
  const problems: string[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new InternError("INTERN_MANIFEST_INVALID", `${origin}: not a YAML stream`);
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      problems.push(`YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
      continue;
    }
    const m = doc.toJS() as Manifest | null;
    if (m === null) continue;
    const model = await modelFor(m.apiVersion, m.kind);
    if (!model) {
      problems.push(`no schema for ${m.apiVersion}/${m.kind}`);
      continue;
    }
    try {
      new model(m).validate();
    } catch (error) {
      problems.push(`${m.kind} ${m.metadata?.name ?? ""}: ${error instanceof Error ? error.message : String(error)}`);
    }
    problems.push(...serverChecks(m));
    for (const field of await unknownFields(m)) problems.push(`${m.kind} ${m.metadata?.name ?? ""}: unknown field ${field}`);
  }
  if (problems.length > 0) {
    throw new InternError("INTERN_MANIFEST_INVALID", `${origin} is not a valid Kubernetes manifest:\n  ${problems.join("\n  ")}`, { hint: "check the recipe's compute.kubernetes block, or the template override" });
  }
}

type ModelClass = new (data: unknown) => { validate(): void };

async function modelFor(apiVersion: string | undefined, kind: string | undefined): Promise<ModelClass | null> {
  switch (`${apiVersion}/${kind}`) {
    case "batch/v1/Job":
      return (await import("kubernetes-models/batch/v1/Job")).Job as unknown as ModelClass;
    case "v1/Service":
      return (await import("kubernetes-models/v1/Service")).Service as unknown as ModelClass;
    case "v1/ConfigMap":
      return (await import("kubernetes-models/v1/ConfigMap")).ConfigMap as unknown as ModelClass;
    default:
      return null;
  }
}
