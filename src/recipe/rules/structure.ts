import type { PathSegment } from "../source.js";
import type { Problem, Rule } from "./problem.js";

/**
 * The deepest nesting a recipe may have. The job side reads rendered YAML with PyYAML, whose
 * recursive loader stops at about 500 levels inside TRL; no real recipe nests past a dozen.
 */
export const MAX_DEPTH = 64;

/**
 * What no field can carry to a job: nesting deeper than the job's parsers read, and NUL bytes,
 * which no shell word, YAML file or command line can hold. Found here, with the path, rather than
 * in render or inside `trl sft`.
 */
export const structureRule: Rule = (r) => {
  const out: Problem[] = [];
  const walk = (value: unknown, path: PathSegment[]): void => {
    if (out.length >= 5) return;
    if (typeof value === "string") {
      if (value.includes("\0")) out.push({ path, code: "INTERN_RECIPE_INVALID", message: "a NUL byte cannot reach a job (no shell word, YAML file or command line holds one)", hint: "remove it" });
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (path.length > MAX_DEPTH) {
      out.push({ path, code: "INTERN_RECIPE_INVALID", message: `nested more than ${MAX_DEPTH} levels deep; the job's YAML reader would fail on it`, hint: "flatten the value" });
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else for (const [k, v] of Object.entries(value)) {
      if (k.includes("\0")) out.push({ path: [...path, k], code: "INTERN_RECIPE_INVALID", message: "a key holds a NUL byte", hint: "remove it", target: "key" });
      walk(v, [...path, k]);
    }
  };
  walk(r, []);
  return out;
};
