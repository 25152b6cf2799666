import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "./recipe.js";

/**
 * `input` compressed by the zstd command, from stdin to stdout (so the frame does not record the
 * content size, as a streaming writer's), with the command's own `args` (`-19`, `--no-check`).
 */
export function zstd(input: string | Uint8Array, ...args: string[]): Buffer {
  return execFileSync("zstd", ["-q", "-c", ...args], { input, maxBuffer: 1 << 28 });
}

/** A file compressed by the zstd command in place of `path`'s own name plus `.zst` (the frame records the content size). */
export function zstdFile(path: string, ...args: string[]): string {
  execFileSync("zstd", ["-q", "-f", ...args, path, "-o", `${path}.zst`]);
  return `${path}.zst`;
}

/** Text that compresses poorly (about 2x) but is the same for the same seed: words of random letters from a small generator. */
export function randomText(seed: number, length: number): string {
  let a = (seed * 2654435761 + 1) >>> 0;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    const r = a >>> 24;
    out[i] = r < 36 && i > 0 && out[i - 1] !== 32 ? 32 : 97 + (r % 26);
  }
  return out.toString("latin1");
}

/** test/fixtures/data/zstd.parquet with the magic number of each of its zstd frames overwritten: its footer reads, its pages do not. */
export function damagedZstdParquet(): Buffer {
  const bytes = Buffer.from(readFileSync(join(FIXTURES, "data", "zstd.parquet")));
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  let damaged = 0;
  for (let at = bytes.indexOf(magic); at !== -1; at = bytes.indexOf(magic, at + 4), damaged++) bytes.fill(0, at, at + 4);
  if (damaged === 0) throw new Error("zstd.parquet holds no zstd frame");
  return bytes;
}
