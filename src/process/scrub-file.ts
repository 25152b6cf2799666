import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { redact } from "./redact.js";

/**
 * Replaces secret values in a file that a job or command wrote (its log): a recipe's command
 * that prints HF_TOKEN must not leave it on disk. Files over `maxBytes` are left as they are.
 */
export function scrubFile(path: string, secrets: readonly string[], maxBytes = 256 * 1024 * 1024): void {
  if (secrets.length === 0 || !existsSync(path)) return;
  const buf = readFileSync(path);
  if (buf.length > maxBytes) return;
  const text = buf.toString("utf8");
  if (!secrets.some((s) => text.includes(s))) return;
  writeFileSync(path, redact(text, secrets));
}
