import { rename, writeFile } from "node:fs/promises";
import type { PrepareManifest } from "./manifest.js";

/** The manifest as written: two-space JSON, keys in the order the manifest was built, a final newline. */
export function serializeManifest(manifest: PrepareManifest): string {
  return JSON.stringify(manifest, null, 2) + "\n";
}

/** Writes the manifest through a temporary file, so a reader never sees half of one. */
export async function writeManifest(path: string, manifest: PrepareManifest): Promise<void> {
  const temporary = `${path}.partial`;
  await writeFile(temporary, serializeManifest(manifest));
  await rename(temporary, path);
}
