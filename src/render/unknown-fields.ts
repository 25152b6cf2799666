/**
 * Fields of a manifest that its Kubernetes type does not have. The API server drops or refuses
 * them depending on its field validation setting, and the client library drops them without a
 * word when it serializes a typed object, so a misspelt key in a template override would vanish.
 * The field lists come from the client library's generated models (the same OpenAPI spec).
 */
type AttributeMap = { baseName: string; type: string }[];
type Models = Record<string, unknown>;

const ROOTS: Record<string, string> = { "batch/v1/Job": "V1Job", "v1/Service": "V1Service", "v1/ConfigMap": "V1ConfigMap" };

function attributes(models: Models, type: string): AttributeMap | null {
  const model = models[type] as { getAttributeTypeMap?: () => AttributeMap } | undefined;
  return typeof model?.getAttributeTypeMap === "function" ? model.getAttributeTypeMap() : null;
}

function walk(models: Models, value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(models, v, array[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) walk(models, v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const attrs = attributes(models, type);
  if (attrs === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const attr = attrs.find((a) => a.baseName === k);
    if (!attr) out.push(path === "" ? k : `${path}.${k}`);
    else walk(models, v, attr.type, path === "" ? k : `${path}.${k}`, out);
  }
}

/** Dotted paths of the fields `manifest` has that its kind does not know; empty for a kind without a model here. */
export async function unknownFields(manifest: { apiVersion?: string; kind?: string }): Promise<string[]> {
  const root = ROOTS[`${manifest.apiVersion}/${manifest.kind}`];
  if (root === undefined) return [];
  const models = (await import("@kubernetes/client-node")) as unknown as Models;
  const out: string[] = [];
  walk(models, manifest, root, "", out);
  return out;
}
