import type { Hash } from "node:crypto";
import { createRequire } from "node:module";

/**
 * node:crypto, loaded on the first digest rather than at start: `intern validate` makes none,
 * and loading it (with the stream modules its Hash class is built on) is 5-7 ms of the 40 ms
 * `validate` adds to Node's own start.
 */
let crypto: typeof import("node:crypto") | undefined;
function nodeCrypto(): typeof import("node:crypto") {
  return (crypto ??= createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto"));
}

/** The hex sha256 of a text's UTF-8. One-shot `crypto.hash` (Node 20.12+) costs about half a Hash object; same digest. */
export function sha256Hex(text: string): string {
  const c = nodeCrypto();
  return typeof c.hash === "function" ? c.hash("sha256", text) : c.createHash("sha256").update(text).digest("hex");
}

/** A sha256 Hash to update piece by piece. */
export function createSha256(): Hash {
  return nodeCrypto().createHash("sha256");
}
