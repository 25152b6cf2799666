import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { ValidatedRecipe } from "../recipe/validate.js";

/** Files above this are identified by size and modification time instead of being read whole. */
const HASH_LIMIT = 64 * 1024 * 1024;

function digestPath(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return "missing";
  }
  if (st.isDirectory()) {
    const h = createHash("sha256");
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
        else {
          const s = statSync(p);
          h.update(`${rel}${e.name}:${s.size}:${Math.floor(s.mtimeMs)}\n`);
        }
      }
    };
    walk(path, "");
    return `dir:${h.digest("hex")}`;
  }
  if (st.size > HASH_LIMIT) return `stat:${st.size}:${Math.floor(st.mtimeMs)}`;
  return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
}

/** Every local file a recipe's stages read, by the path the recipe gives, with its digest. */
export function fileDigests(validated: ValidatedRecipe, recipeDir: string): Record<string, string> {
  const paths = new Set<string>();
  for (const { recipe: r } of validated.trials) {
    if (r.baseModel.kind === "local") paths.add(r.baseModel.path);
    if (r.benchmark.data.kind === "local") paths.add(r.benchmark.data.path);
    for (const d of r.data.datasets ?? []) if (d.source.kind === "local") paths.add(d.source.path);
    for (const s of r.stages) for (const f of s.inputs) paths.add(f);
  }
  const out: Record<string, string> = {};
  for (const p of paths) out[p] = digestPath(isAbsolute(p) ? p : resolve(recipeDir, p));
  return out;
}
