import { fileURLToPath } from "node:url";
import { ensureEnvironment } from "../../src/environments/ensure-environment.js";
import { DEFAULT_REQUIREMENTS } from "../../src/recipe/derive.js";

// pip must fail at once on an index it cannot reach, not retry it for minutes.
process.env.PIP_RETRIES ??= "0";

/**
 * Where the test suite keeps provisioned job environments (gitignored). Tests that run intern
 * set INTERN_ENVS_DIR to it, so the pinned TRL stack is installed once for the whole suite.
 */
export const ENVS_DIR = fileURLToPath(new URL("../.envs", import.meta.url));

/** intern's own provisioning of its pinned TRL stack (or `requirements`); returns the env's python. */
export async function ensurePythonEnv(options: { envsDir?: string; requirements?: readonly string[] } = {}): Promise<string> {
  const env = await ensureEnvironment({ kind: "requirements", requirements: [...(options.requirements ?? DEFAULT_REQUIREMENTS)] }, { envsDir: options.envsDir ?? ENVS_DIR });
  return env.python;
}
