import { closeSync, lstatSync, openSync, readdirSync, statSync, type Dirent, type Stats } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { ValidatedRecipe } from "../recipe/validate.js";
import { createSha256 } from "../sha256.js";
import { fileSha256 } from "./content-digest.js";

/**
 * The digests of a recipe's local inputs that go into stage content keys (and `plan`'s "which
 * input changed"). A file's content is hashed by content-digest.ts, the one owner of content
 * hashing. Two inputs are identified without reading them, as a speed measure: a file above
 * HASH_LIMIT (`stat:<size>:<mtime>`) and a folder (`dir:` over its files' names, sizes and
 * modification times), since `plan` and `apply` compute these keys on every call and a base model
 * folder runs to gigabytes. Those forms are recorded in content keys, so they stay as they are: a
 * new form would make every cached stage run again. The lock's digests of what a run read are
 * content digests (contentDigest), whatever the file times.
 */

/** Files above this are identified by size and modification time instead of being read whole. */
const HASH_LIMIT = 64 * 1024 * 1024;

/** A path a recipe names that intern cannot read as a file or a folder. */
export class UnreadableInput extends Error {}

function kindOf(st: Stats): string {
  return st.isFIFO() ? "a FIFO" : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device" : st.isSocket() ? "a socket" : "not a regular file";
}

function digestPath(path: string, read: boolean): string {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (error) {
    // Nothing there is the stage's own business (a file an earlier stage writes); a link to nothing is not.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && !isDanglingLink(path)) return "missing";
    throw new UnreadableInput(isDanglingLink(path) ? "is a symbolic link to nothing" : `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (st.isDirectory()) {
    const h = createSha256();
    const walk = (dir: string, rel: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        throw new UnreadableInput(`has a folder that cannot be read: ${rel || "."} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          walk(p, `${rel}${e.name}/`);
          continue;
        }
        let s: Stats;
        try {
          s = statSync(p);
        } catch {
          throw new UnreadableInput(`holds ${rel}${e.name}, ${isDanglingLink(p) ? "a symbolic link to nothing" : "which cannot be read"}`);
        }
        if (!s.isFile() && !s.isDirectory()) throw new UnreadableInput(`holds ${rel}${e.name}, which is ${kindOf(s)}`);
        h.update(`${rel}${e.name}:${s.size}:${Math.floor(s.mtimeMs)}\n`);
      }
    };
    walk(path, "");
    return `dir:${h.digest("hex")}`;
  }
  // A FIFO would block the read, /dev/zero would never end it: regular files only.
  if (!st.isFile()) throw new UnreadableInput(`is ${kindOf(st)}, not a regular file or a folder`);
  try {
    if (st.size <= HASH_LIMIT && read) return `sha256:${fileSha256(path)}`;
    // Opened and closed: what reading it would say of its permissions, without the reading.
    closeSync(openSync(path, "r"));
    return `stat:${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch (error) {
    throw new UnreadableInput(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A local input a recipe names, and where. */
interface NamedInput {
  path: string;
  at: (string | number)[];
}

/**
 * Every local file a recipe's stages read, by the path the recipe gives, with its digest; or what
 * cannot be read, located. With `read: false` (what `intern validate` asks) each file is checked
 * as it would be digested, and opened, but not read: its digest is the `stat:` form.
 */
export function fileDigests(
  validated: ValidatedRecipe,
  recipeDir: string,
  { read = true }: { read?: boolean } = {},
): { digests: Record<string, string>; problems: { path: (string | number)[]; message: string }[] } {
  const inputs = new Map<string, NamedInput>();
  const add = (path: string, at: (string | number)[]) => {
    if (!inputs.has(path)) inputs.set(path, { path, at });
  };
  for (const { recipe: r } of validated.trials) {
    if (r.baseModel.kind === "local") add(r.baseModel.path, ["base_model", "path"]);
    if (r.benchmark.data.kind === "local") add(r.benchmark.data.path, ["benchmark", "data", "path"]);
    (r.data.datasets ?? []).forEach((d, i) => d.source.kind === "local" && add(d.source.path, ["data", "datasets", i, "path"]));
    r.stages.forEach((s, i) => s.inputs.forEach((f, j) => add(f, ["stages", i, "inputs", j])));
    r.training.rewards.forEach((w, i) => w.kind === "file" && add(w.file, ["training", "rewards", i, "file"]));
  }
  const digests: Record<string, string> = {};
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const { path, at } of inputs.values()) {
    try {
      digests[path] = digestPath(isAbsolute(path) ? path : resolve(recipeDir, path), read);
    } catch (error) {
      if (!(error instanceof UnreadableInput)) throw error;
      problems.push({ path: at, message: `${path} ${error.message}` });
    }
  }
  return { digests, problems };
}
