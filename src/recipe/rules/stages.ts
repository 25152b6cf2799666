import { BUILTIN_STAGE_NAMES } from "../builtin-stages.js";
import type { Problem, Rule } from "./problem.js";

/** User stage names are unique and do not shadow built-in stages. */
export const stageNamesRule: Rule = (r) => {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  r.stages?.forEach((s, i) => {
    if (BUILTIN_STAGE_NAMES.includes(s.name)) {
      out.push({ path: ["stages", i, "name"], code: "INTERN_DUPLICATE_STAGE", message: `stage name \`${s.name}\` is a built-in stage`, hint: "pick another name; use `needs`/`before` to place your stage next to it" });
    }
    const first = seen.get(s.name);
    if (first !== undefined) {
      out.push({ path: ["stages", i, "name"], code: "INTERN_DUPLICATE_STAGE", message: `duplicate stage name \`${s.name}\` (first at stages[${first}])` });
    } else seen.set(s.name, i);
  });
  return out;
};
