import { readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { ValidatedRecipe } from "../recipe/validate.js";

/** A reward file's problem, located at the recipe's `training.rewards[i]`. */
export interface RewardFileProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

/** Whether Python source defines `name` at its top level: a `def` (or `async def`), or an assignment (a callable object). */
export function definesFunction(source: string, name: string): boolean {
  const escaped = name.replace(/[^A-Za-z0-9_]/g, "");
  return new RegExp(`^(?:async[ \\t]+)?def[ \\t]+${escaped}[ \\t]*\\(|^${escaped}[ \\t]*(?::[^=\\n]*)?=(?!=)`, "m").test(source);
}

/**
 * GRPO's reward files, checked at validate: each is a regular file beside the recipe that defines
 * the function named at its top level. (Python says the rest when the job imports it.)
 */
export function rewardFileProblems(validated: ValidatedRecipe, recipeDir: string): RewardFileProblem[] {
  const out: RewardFileProblem[] = [];
  const seen = new Set<string>();
  for (const { recipe } of validated.trials) {
    recipe.training.rewards.forEach((w, i) => {
      if (w.kind !== "file" || seen.has(`${i}:${w.file}:${w.function}`)) return;
      seen.add(`${i}:${w.file}:${w.function}`);
      const path = isAbsolute(w.file) ? w.file : resolve(recipeDir, w.file);
      let source: string;
      try {
        if (!statSync(path).isFile()) throw new Error("not a file");
        source = readFileSync(path, "utf8");
      } catch {
        out.push({ path: ["training", "rewards", i, "file"], message: `reward file ${w.file} does not exist or is not a regular file`, hint: "name a Python file relative to the recipe's folder" });
        return;
      }
      if (!definesFunction(source, w.function)) {
        out.push({ path: ["training", "rewards", i, "function"], message: `${w.file} defines no function \`${w.function}\` at its top level`, hint: "name a function the file defines with `def`, called as f(prompts, completions, completion_ids, **columns)" });
      }
    });
  }
  return out;
}

/**
 * The text of every reward file the recipe's trials name, by the path the recipe gives, read once
 * before a run or a render: render is pure and writes them beside the GRPO stage's config.
 */
export function readRewardSources(recipes: readonly { training: { rewards: readonly ({ kind: "builtin" } | { kind: "file"; file: string })[] } }[], recipeDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of recipes) {
    for (const w of r.training.rewards) {
      if (w.kind === "file" && !(w.file in out)) out[w.file] = readFileSync(isAbsolute(w.file) ? w.file : resolve(recipeDir, w.file), "utf8");
    }
  }
  return out;
}
