import { UsageError } from "../errors.js";
import type { DataOverride } from "../project/load.js";

export const BACKEND_OPTION = { backend: { type: "string" as const } };

/** `--backend X` sets compute.backend before validation, so every rule sees the real target. */
export function backendOverride(backend: string | undefined): DataOverride | undefined {
  if (backend === undefined) return undefined;
  if (!["local", "slurm", "kubernetes"].includes(backend)) throw new UsageError(`--backend must be local, slurm or kubernetes, not ${backend}`);
  return (data) => {
    const compute = (data.compute ?? {}) as Record<string, unknown>;
    data.compute = { ...compute, backend };
  };
}
