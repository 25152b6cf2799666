import { budgetRule } from "./budget.js";
import { chainRule } from "./chain.js";
import { computeRule } from "./compute.js";
import { dataRule } from "./data.js";
import { environmentRule } from "./environment.js";
import { exactlyOneSource } from "./exactly-one.js";
import { grpoRule } from "./grpo.js";
import type { Rule } from "./problem.js";
import { sourcePolicyRule } from "./sources.js";
import { stageNamesRule } from "./stages.js";
import { structureRule } from "./structure.js";
import { trainingRule } from "./training.js";

/** Every semantic rule, in the order their errors are listed. */
export const RULES: readonly Rule[] = [structureRule, exactlyOneSource, budgetRule, computeRule, environmentRule, sourcePolicyRule, dataRule, trainingRule, grpoRule, chainRule, stageNamesRule];
