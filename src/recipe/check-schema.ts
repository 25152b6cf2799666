import { validate } from "./generated/recipe-validator.js";
import type { SchemaError } from "./generated/recipe-validator.js";
import type { Diagnostic } from "../errors.js";
import { diagnosticAt, formatPath, pointerToPath, type PathSegment, type RecipeSource } from "./source.js";
import { closest } from "./suggest.js";

const CODE = "INTERN_RECIPE_INVALID";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
  return String(value);
}

/** "is not a duration: `90s`, ..." from a description "A duration: ..."; "is not valid: ..." otherwise. */
function notWhat(about: string | undefined): string {
  if (about === undefined) return "is not valid";
  const m = /^(A|An) (.*)$/s.exec(about);
  return m ? `is not ${m[1]!.toLowerCase()} ${m[2]}` : `is not valid: ${about}`;
}

function messageFor(error: SchemaError, path: PathSegment[]): { message: string; hint?: string; target: "key" | "value"; path: PathSegment[] } {
  const where = formatPath(path);
  const about = error.parentSchema?.description;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(error.params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const guess = closest(key, known);
      const keyPath = [...path, key];
      return {
        message: `unknown key \`${formatPath(keyPath)}\``,
        hint: guess ? `did you mean \`${guess}\`?` : known.length > 0 ? `known keys here: ${known.join(", ")}` : undefined,
        target: "key",
        path: keyPath,
      } as { message: string; hint?: string; target: "key"; path: PathSegment[] };
    }
    case "required":
      return { message: `${path.length === 0 ? "recipe" : where} is missing required key \`${String(error.params.missingProperty)}\``, target: "key", path };
    case "type":
      return { message: `${where} must be ${String(error.params.type).replace(",", " or ")}, not ${describe(error.data)}`, target: "value", path };
    case "enum":
      return { message: `${where} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, not ${describe(error.data)}`, target: "value", path };
    case "const":
      return { message: `${where} must be ${JSON.stringify(error.params.allowedValue)}, not ${describe(error.data)}`, target: "value", path };
    case "pattern":
    case "anyOf":
      return { message: `${where}: ${describe(error.data)} ${notWhat(about)}`, target: "value", path };
    case "exclusiveMinimum":
      return { message: `${where} must be > ${String(error.params.limit)}, not ${describe(error.data)}`, target: "value", path };
    case "minimum":
      return { message: `${where} must be >= ${String(error.params.limit)}, not ${describe(error.data)}`, target: "value", path };
    case "maximum":
      return { message: `${where} must be <= ${String(error.params.limit)}, not ${describe(error.data)}`, target: "value", path };
    case "propertyNames":
      return { message: `${where} has an invalid key`, target: "value", path };
    default:
      return { message: `${where} ${error.message ?? "is invalid"}`, target: "value", path };
  }
}

/**
 * Schema validation with every error located in the source. Errors under an `anyOf` are
 * folded into one message for the value, not one per alternative.
 */
export function checkSchema(source: RecipeSource, data: unknown): Diagnostic[] {
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of errors) {
    // Errors from inside an anyOf branch are explained by the anyOf error itself.
    if (error.keyword !== "anyOf" && [...anyOfPaths].some((p) => error.instancePath.startsWith(p) && error.schemaPath.includes("/anyOf/"))) continue;
    // propertyNames reports twice (the name, then the object); keep the one naming the key.
    if (error.keyword === "propertyNames") continue;
    let path = pointerToPath(error.instancePath);
    if (error.keyword === "pattern" && typeof error.params.pattern === "string" && error.schemaPath.includes("/propertyNames/")) {
      const key = String(error.params.propertyName ?? error.data);
      path = [...path, key];
      const d = diagnosticAt(source, path, CODE, `${formatPath(path)}: invalid key name`, { target: "key" });
      if (!seen.has(d.message)) out.push(d), seen.add(d.message);
      continue;
    }
    const m = messageFor(error, path);
    const key = `${formatPath(m.path)}|${m.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnosticAt(source, m.path, CODE, m.message, { target: m.target, ...(m.hint ? { hint: m.hint } : {}) }));
  }
  return out;
}
