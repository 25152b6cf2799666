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
export const structureRule: Rule = (r, ctx) => {
  const out: Problem[] = [];
  const clean = ctx.structureClean;
  // The path of the value being walked; copied only into a problem.
  const path: PathSegment[] = [];
  /** Whether nothing in `value` is wrong. */
  const walk = (value: unknown): boolean => {
    if (out.length >= 5) return false;
    if (typeof value === "string") {
      if (!value.includes("\0")) return true;
      out.push({ path: [...path], code: "INTERN_RECIPE_INVALID", message: "a NUL byte cannot reach a job (no shell word, YAML file or command line holds one)", hint: "remove it" });
      return false;
    }
    if (value === null || typeof value !== "object") return true;
    const depth = path.length;
    // Clean as deep as it was found clean, so clean at this depth or above it too.
    if ((clean?.get(value) ?? -1) >= depth) return true;
    if (depth > MAX_DEPTH) {
      out.push({ path: [...path], code: "INTERN_RECIPE_INVALID", message: `nested more than ${MAX_DEPTH} levels deep; the job's YAML reader would fail on it`, hint: "flatten the value" });
      return false;
    }
    let ok = true;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        ok = walk(value[i]) && ok;
        path.pop();
      }
    } else {
      for (const k of Object.keys(value)) {
        path.push(k);
        if (k.includes("\0")) {
          out.push({ path: [...path], code: "INTERN_RECIPE_INVALID", message: "a key holds a NUL byte", hint: "remove it", target: "key" });
          ok = false;
        }
        ok = walk((value as Record<string, unknown>)[k]) && ok;
        path.pop();
      }
    }
    if (ok) clean?.set(value, depth);
    return ok;
  };
  walk(r);
  return out;
};
