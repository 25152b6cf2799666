import { validate } from "./generated/recipe-validator.js";
import type { SchemaError, ValidateFunction } from "./generated/recipe-validator.js";
import type { Diagnostic, ErrorCode } from "../errors.js";
import { diagnosticAt, formatPath, pointerToPath, type PathSegment, type RecipeSource } from "./source.js";
import { closest } from "./suggest.js";

/** A schema's generated validator, and how its problems are named. */
export interface SchemaCheck {
  validate: ValidateFunction;
  /** The code of every problem it finds: `INTERN_RECIPE_INVALID`. */
  code: ErrorCode;
  /** What the document is called where a message names it as a whole: `recipe`. */
  subject: string;
  /**
   * Under a `oneOf` or `anyOf`, report the errors of the one alternative the value was meant
   * for (its `kind` matches, it has the right type), rather than one line for the whole value.
   */
  pickAlternative?: boolean;
}

const RECIPE: SchemaCheck = { validate, code: "INTERN_RECIPE_INVALID", subject: "recipe" };

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

function messageFor(error: SchemaError, path: PathSegment[], subject: string): { message: string; hint?: string; target: "key" | "value"; path: PathSegment[] } {
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
      return { message: `${path.length === 0 ? subject : where} is missing required key \`${String(error.params.missingProperty)}\``, target: "key", path };
    case "type":
      return { message: `${where} must be ${String(error.params.type).replace(",", " or ")}, not ${describe(error.data)}`, target: "value", path };
    case "enum":
      return { message: `${where} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, not ${describe(error.data)}`, target: "value", path };
    case "const":
      return { message: `${where} must be ${JSON.stringify(error.params.allowedValue)}, not ${describe(error.data)}`, target: "value", path };
    case "pattern":
    case "anyOf":
    case "oneOf":
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

/** Which alternative of `group` (a `oneOf`/`anyOf` error) `error` comes from, or null when it is not from inside it. */
function alternativeOf(error: SchemaError, group: SchemaError): number | null {
  if (error === group || !error.schemaPath.startsWith(`${group.schemaPath}/`)) return null;
  if (error.instancePath !== group.instancePath && !error.instancePath.startsWith(`${group.instancePath}/`)) return null;
  return Number(error.schemaPath.slice(group.schemaPath.length + 1).split("/")[0]);
}

/**
 * The errors to report for a value under a `oneOf`/`anyOf`: those of the single alternative it
 * was meant for (no `const` of the alternative refused, the value's own type right), or null
 * when no single one stands out.
 */
function meantAlternative(group: SchemaError, errors: SchemaError[]): SchemaError[] | null {
  const byBranch = new Map<number, SchemaError[]>();
  for (const e of errors) {
    const b = alternativeOf(e, group);
    if (b !== null) byBranch.set(b, [...(byBranch.get(b) ?? []), e]);
  }
  const meant = [...byBranch.values()].filter((es) => !es.some((e) => e.keyword === "const" || (e.keyword === "type" && e.instancePath === group.instancePath)));
  return meant.length === 1 ? meant[0]! : null;
}

/**
 * Schema validation with every error located in the source. Errors under an `anyOf` are
 * folded into one message for the value, not one per alternative (or, with `pickAlternative`,
 * replaced by those of the alternative the value was meant for).
 */
export function checkSchema(source: RecipeSource, data: unknown): Diagnostic[] {
  return schemaDiagnostics(source, data, RECIPE);
}

/** `checkSchema` for any of intern's schemas: a lock, a saved plan. */
export function schemaDiagnostics(source: RecipeSource, data: unknown, check: SchemaCheck): Diagnostic[] {
  return schemaProblems(data, check).map((p) => diagnosticAt(source, p.path, check.code, p.message, { target: p.target, ...(p.hint ? { hint: p.hint } : {}) }));
}

/** One schema problem at its path in the data, not yet located in a file. */
export interface SchemaProblem {
  path: PathSegment[];
  message: string;
  hint?: string;
  target: "key" | "value";
}

/**
 * The schema's problems with `data`, each at the path it is about: what `checkSchema` locates,
 * for data that has no file of its own (a matrix trial's recipe).
 */
export function schemaProblems(data: unknown, check: SchemaCheck = RECIPE): SchemaProblem[] {
  const { validate } = check;
  if (validate(data)) return [];
  let errors = validate.errors ?? [];
  if (check.pickAlternative) errors = withMeantAlternatives(errors);
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const error of errors) {
    // Errors from inside an anyOf branch are explained by the anyOf error itself.
    if (error.keyword !== "anyOf" && error.keyword !== "oneOf" && [...anyOfPaths].some((p) => error.instancePath.startsWith(p) && /\/(anyOf|oneOf)\//.test(error.schemaPath))) continue;
    // propertyNames reports twice (the name, then the object); keep the one naming the key.
    if (error.keyword === "propertyNames") continue;
    const path = pointerToPath(error.instancePath);
    // A key refused by propertyNames (inlined there, or through a $ref: ajv names the key either way).
    if (error.keyword === "pattern" && typeof error.params.pattern === "string" && (error.schemaPath.includes("/propertyNames/") || error.propertyName !== undefined)) {
      const key = String(error.propertyName ?? error.params.propertyName ?? error.data);
      const about = error.parentSchema?.description;
      const message = about === undefined ? `${formatPath([...path, key])}: invalid key name` : `${path.length === 0 ? check.subject : formatPath(path)} key ${JSON.stringify(key)} ${notWhat(about)}`;
      if (!seen.has(message)) out.push({ path: [...path, key], message, target: "key" }), seen.add(message);
      continue;
    }
    const m = messageFor(error, path, check.subject);
    const key = `${formatPath(m.path)}|${m.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: m.path, message: m.message, target: m.target, ...(m.hint ? { hint: m.hint } : {}) });
  }
  return out;
}

/**
 * Replaces each `oneOf`/`anyOf` error whose value was plainly meant for one alternative by that
 * alternative's own errors, outermost first; the others stay as they are.
 */
function withMeantAlternatives(errors: SchemaError[]): SchemaError[] {
  let out = errors;
  for (const group of errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").sort((a, b) => a.instancePath.length - b.instancePath.length)) {
    if (!out.includes(group)) continue;
    const meant = meantAlternative(group, out);
    if (meant === null) continue;
    const keep = new Set(meant);
    // The meant alternative's errors stand on their own: their schema paths no longer run
    // through a group keyword, so nothing folds them away as one of several alternatives.
    const chosen = `${group.schemaPath}-chosen`;
    out = out
      .filter((e) => e !== group && (keep.has(e) || alternativeOf(e, group) === null))
      .map((e) => (keep.has(e) ? { ...e, schemaPath: chosen + e.schemaPath.slice(group.schemaPath.length) } : e));
  }
  return out;
}
