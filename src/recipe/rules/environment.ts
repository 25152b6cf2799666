import { jobFeaturesOf, missingFromRequirements } from "../derive.js";
import type { Problem, Rule } from "./problem.js";

/**
 * An explicit requirements list must install what the recipe's jobs import and run: a job that
 * waits hours in a queue should not then fail with `lm_eval: command not found`. (TRL's own pin
 * is the training rule's; an interpreter named by `python` is checked when a run starts.)
 */
export const environmentRule: Rule = (r) => {
  const requirements = r.compute?.environment?.requirements;
  if (requirements === undefined) return [];
  return missingFromRequirements(jobFeaturesOf(r), requirements)
    .filter((n) => n.package.name !== "trl")
    .map((n): Problem => ({
      path: ["compute", "environment", "requirements"],
      code: "INTERN_ENV_MISSING_PACKAGE",
      message: `${n.because} needs ${n.package.command ? `\`${n.package.command}\` from ` : ""}${n.package.name}, which compute.environment.requirements does not install`,
      hint: `add \`${n.package.pin}\` (the version intern pins and tests), or drop the list to let intern derive it`,
      target: "key",
    }));
};
