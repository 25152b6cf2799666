import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * intern's own Python helpers (the builtin evaluator), by file name. A Kubernetes job carries them
 * in its ConfigMap, so its pods need nothing of intern installed or mounted.
 */
export function readPythonHelpers(pythonDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(pythonDir).sort()) if (name.endsWith(".py")) out[name] = readFileSync(join(pythonDir, name), "utf8");
  return out;
}
