import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import type { LoadedRecipe } from "../project/load.js";
import { FileCacheIndex } from "../engine/cache-index.js";
import { InternError } from "../errors.js";
import { lockPathFor } from "../lock/lock-files.js";
import { changedInputs, makePlan } from "../plan/make-plan.js";
import type { Plan } from "../plan/types.js";

/**
 * A plan saved by `intern plan --out plan.json` for review, then applied as it is by
 * `intern apply plan.json`: it records what the plan was made from (the recipe's bytes, its lock,
 * intern's version, every stage's content key and inputs) and what the cache said then, so that
 * applying it can refuse when any of that moved. Its format is schema/plan.schema.json. It is not
 * signed: it guards against drift between review and apply, not against an edit made on purpose.
 */
export interface SavedPlan {
  kind: "intern-plan";
  version: 1;
  /** The recipe, relative to the plan file's folder. */
  recipe: string;
  recipeSha256: string;
  intern: string;
  backend: string;
  /** The lock beside the recipe when the plan was made (relative to the plan file's folder), or null. */
  lock: { file: string; sha256: string } | null;
  stages: { id: string; key: string; action: string; reason: string; inputs: Record<string, string> }[];
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A `plan --out` file: by its extension (recipes are YAML). */
export function isSavedPlan(file: string): boolean {
  return /\.json$/i.test(file);
}

export function savePlan(options: { cwd: string; recipeFile: string; out: string; loaded: LoadedRecipe; plan: Plan; internVersion: string }): void {
  const out = resolve(options.cwd, options.out);
  const recipePath = resolve(options.cwd, options.recipeFile);
  const lockPath = lockPathFor(recipePath);
  const saved: SavedPlan = {
    kind: "intern-plan",
    version: 1,
    recipe: relative(dirname(out), recipePath),
    recipeSha256: sha256(readFileSync(recipePath)),
    intern: options.internVersion,
    backend: options.loaded.validated.recipe.compute.backend,
    lock: existsSync(lockPath) ? { file: relative(dirname(out), lockPath), sha256: sha256(readFileSync(lockPath)) } : null,
    stages: options.plan.stages.map((p) => ({ id: p.stage.id, key: p.stage.key, action: p.action, reason: p.reason, inputs: p.stage.inputs ?? {} })),
  };
  writeFileSync(out, `${JSON.stringify(saved, null, 2)}\n`);
}

/** What moved since the plan was saved: the recipe, intern, the lock, stage inputs, the cache's answers. Empty when nothing. */
export function savedPlanMoved(saved: SavedPlan, options: { cwd: string; loaded: LoadedRecipe; internVersion: string }): string[] {
  const moved: string[] = [];
  const recipePath = resolve(options.cwd, saved.recipe);
  const now = sha256(readFileSync(recipePath));
  if (now !== saved.recipeSha256) moved.push(`the recipe ${saved.recipe} changed (${saved.recipeSha256} when planned, ${now} now)`);
  if (options.internVersion !== saved.intern) moved.push(`intern is ${options.internVersion}, the plan was made with ${saved.intern}`);
  const lockPath = lockPathFor(recipePath);
  const lockNow = existsSync(lockPath) ? sha256(readFileSync(lockPath)) : null;
  if ((saved.lock?.sha256 ?? null) !== lockNow) moved.push(`the lock ${relative(options.cwd, lockPath)} ${saved.lock === null ? "was written" : lockNow === null ? "was removed" : "changed"} since`);
  const current = new Map(options.loaded.graph.stages.map((s) => [s.id, s]));
  for (const s of saved.stages) {
    const c = current.get(s.id);
    if (!c) moved.push(`stage ${s.id} is no longer in the recipe's graph`);
    else if (c.key !== s.key) moved.push(`stage ${s.id}: its inputs changed (${changedInputs(s.inputs, c.inputs ?? {}).join(", ") || "content key"})`);
  }
  for (const id of current.keys()) if (!saved.stages.some((s) => s.id === id)) moved.push(`stage ${id} is new in the recipe's graph`);
  const plan = makePlan(options.loaded.graph, options.loaded.validated.recipe, new FileCacheIndex(options.cwd));
  for (const p of plan.stages) {
    const s = saved.stages.find((x) => x.id === p.stage.id);
    if (s && s.key === p.stage.key && s.action !== p.action) moved.push(`the cache moved: stage ${s.id} was planned to ${s.action} (${s.reason}), now it would ${p.action} (${p.reason})`);
  }
  return moved;
}

/** Refuses to apply a saved plan when anything it was made from moved. */
export function checkSavedPlan(saved: SavedPlan, file: string, options: { cwd: string; loaded: LoadedRecipe; internVersion: string }): void {
  const moved = savedPlanMoved(saved, options);
  if (moved.length === 0) return;
  throw new InternError("INTERN_PLAN_MOVED", `the saved plan ${file} no longer holds; since it was saved:\n  ${moved.join("\n  ")}`, {
    hint: `review the plan again: \`intern plan ${saved.recipe} --out ${file}\`, then apply it`,
  });
}
