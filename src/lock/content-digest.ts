import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * `sha256:<hex>` of a file's bytes, or of a folder's files (relative names and their digests,
 * sorted): the same content gives the same digest on any checkout, whatever the file times.
 * "missing" when there is nothing at the path.
 */
export function contentDigest(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return "missing";
  }
  if (!st.isDirectory()) return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
  const h = createHash("sha256");
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else h.update(`${rel}${name}\0${createHash("sha256").update(readFileSync(p)).digest("hex")}\n`);
    }
  };
  walk(path, "");
  return `sha256:${h.digest("hex")}`;
}
