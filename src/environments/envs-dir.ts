import { join } from "node:path";

/**
 * Where provisioned job environments live: INTERN_ENVS_DIR, else `.intern/envs` in the project.
 * `apply` creates them there and `render` writes the same paths into job scripts, so both ask here.
 */
export function envsDir(projectDir: string, env: Readonly<Record<string, string | undefined>>): string {
  return env.INTERN_ENVS_DIR ?? join(projectDir, ".intern", "envs");
}
