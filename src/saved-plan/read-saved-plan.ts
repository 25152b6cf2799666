import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { InternError, type Diagnostic } from "../errors.js";
import { schemaDiagnostics, type SchemaCheck } from "../recipe/check-schema.js";
import { diagnosticAt, offsetToLocation, snippetAt, type RecipeSource } from "../recipe/source.js";
import { validate } from "./generated/plan-validator.js";
import type { SavedPlan } from "./saved-plan.js";

const PLAN_SCHEMA: SchemaCheck = { validate, code: "INTERN_PLAN_INVALID", subject: "saved plan", pickAlternative: true };
const RESAVE_HINT = "save the plan again with `intern plan <recipe> --out plan.json`, review it, and apply that";
/**
 * Past this size a broken plan's problems are named by path without a line and column: locating
 * them means parsing the text again with positions, about a second per megabyte.
 */
const MAX_LOCATED_BYTES = 4 * 1024 * 1024;

function planInvalid(file: string, diagnostics: Diagnostic[]): InternError {
  const errors = diagnostics.length;
  return new InternError("INTERN_PLAN_INVALID", `${file}: ${errors} error${errors === 1 ? "" : "s"}`, { diagnostics, hint: RESAVE_HINT });
}

/** A located diagnostic at a character offset of the text (a JSON syntax error). */
function atOffset(file: string, text: string, offset: number, message: string): Diagnostic {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  const location = offsetToLocation({ file, lineCounter }, Math.min(offset, text.length));
  return { code: "INTERN_PLAN_INVALID", message, location, snippet: snippetAt(text, location.line, location.col), hint: RESAVE_HINT, severity: "error" };
}

/**
 * The plan's text with positions, for locating its problems: JSON is YAML, so the recipe's
 * locating works on it as it is. Null for a plan too large to parse twice, or one YAML reads
 * differently.
 */
function positions(file: string, text: string): RecipeSource | null {
  if (text.length > MAX_LOCATED_BYTES) return null;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, version: "1.2" });
  return doc.errors.length > 0 ? null : { file, text, doc, lineCounter };
}

/** The schema's problems with a plan, located where the text allows. */
function planProblems(file: string, text: string, data: unknown): Diagnostic[] {
  if (validate(data)) return [];
  const source = positions(file, text);
  if (source !== null) return schemaDiagnostics(source, data, PLAN_SCHEMA).map((d) => (d.hint === undefined ? { ...d, hint: RESAVE_HINT } : d));
  // Named by path only: the same messages, read against an empty document, without the place.
  const blank = positions(file, "{}")!;
  return schemaDiagnostics(blank, data, PLAN_SCHEMA).map(({ location: _l, snippet: _s, ...d }) => ({ ...d, message: `${file}: ${d.message}`, hint: d.hint ?? RESAVE_HINT }));
}

/**
 * Reads a saved plan and checks it against schema/plan.schema.json before anything uses it: a
 * plan edited by hand or cut short gives located errors, never a crash further on. `recipe` comes
 * back relative to `cwd`, the lock's file absolute.
 */
export function readSavedPlan(cwd: string, file: string): SavedPlan {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InternError("INTERN_PLAN_INVALID", `cannot read the saved plan ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: "save one with `intern plan <recipe> --out plan.json`" });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /at position (\d+)/.exec(message);
    // "Unexpected end of JSON input" carries no position: the end is where it is.
    const what = message.replace(/ in JSON at position \d+.*$/s, "").replace(/ at position \d+.*$/s, "");
    throw planInvalid(file, [atOffset(file, text, at ? Number(at[1]) : /end of JSON/i.test(message) ? text.length : 0, `not valid JSON: ${what}`)]);
  }
  const doc = data as Partial<SavedPlan> | null;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc) || doc.kind !== "intern-plan" || doc.version !== 1) {
    const source = positions(file, text);
    const message = `${file} is not a plan saved by \`intern plan --out\` (kind: intern-plan, version: 1)`;
    const d: Diagnostic = source ? diagnosticAt(source, doc !== null && typeof doc === "object" && doc.kind === "intern-plan" ? ["version"] : ["kind"], "INTERN_PLAN_INVALID", message) : { code: "INTERN_PLAN_INVALID", message, severity: "error" };
    throw planInvalid(file, [{ ...d, hint: "apply a recipe (.yaml) or a saved plan (.json)" }]);
  }
  const problems = planProblems(file, text, data);
  if (problems.length > 0) throw planInvalid(file, problems);
  const plan = data as SavedPlan;
  return { ...plan, recipe: relative(cwd, resolve(dirname(path), plan.recipe)) || plan.recipe, lock: plan.lock && { ...plan.lock, file: resolve(dirname(path), plan.lock.file) } };
}
