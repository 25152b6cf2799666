import { createHash } from "node:crypto";
import { open, rename } from "node:fs/promises";
import type { FileDigest } from "./read-lines.js";

const CHUNK_CHARS = 1 << 20;

/**
 * Writes one line per string (each must hold no line break) and returns the file's sha256 and
 * size. Writes in chunks of about a megabyte through a temporary file that is renamed at the
 * end, so a crash never leaves a short file under the real name.
 */
export async function writeJsonLines(path: string, lines: Iterable<string>): Promise<FileDigest & { rows: number }> {
  const temporary = `${path}.partial`;
  const hash = createHash("sha256");
  let bytes = 0;
  let rows = 0;
  const handle = await open(temporary, "w");
  try {
    let chunk = "";
    const flush = async (): Promise<void> => {
      const buffer = Buffer.from(chunk, "utf8");
      chunk = "";
      hash.update(buffer);
      bytes += buffer.length;
      await handle.write(buffer);
    };
    for (const line of lines) {
      chunk += line + "\n";
      rows++;
      if (chunk.length >= CHUNK_CHARS) await flush();
    }
    if (chunk.length > 0) await flush();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  return { sha256: hash.digest("hex"), bytes, rows };
}
