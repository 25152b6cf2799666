import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The installed package's root folder (holds schema/, templates/, python/). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

let version: string | undefined;

/** intern's version, from package.json. */
export function internVersion(): string {
  version ??= (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, "utf8")) as { version: string }).version;
  return version;
}
