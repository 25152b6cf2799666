import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { createSha256 } from "../sha256.js";

const CHUNK = 8 * 1024 * 1024;

/** The hex sha256 of a file's bytes, read in chunks: model weights run to many gigabytes. */
export function fileSha256(path: string): string {
  const h = createSha256();
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest("hex");
}

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
  if (!st.isDirectory()) return `sha256:${fileSha256(path)}`;
  const h = createSha256();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else h.update(`${rel}${name}\0${fileSha256(p)}\n`);
    }
  };
  walk(path, "");
  return `sha256:${h.digest("hex")}`;
}
