import type { Backend } from "../recipe/types.js";
import { InternError } from "../errors.js";
import { LocalExecutor } from "./local/local-executor.js";
import { SlurmExecutor } from "./slurm/slurm-executor.js";
import type { Executor, ProblemReporter } from "./types.js";

export interface ExecutorSettings {
  /** The environment intern runs in: Slurm's clients read SLURM_CONF from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where trouble that is not a verdict goes (the run's event log). */
  onProblem: ProblemReporter;
}

/** The executor of a backend. Slurm's clients find their cluster the usual way (SLURM_CONF, or /etc/slurm). */
export function createExecutor(backend: Backend, settings: ExecutorSettings): Executor {
  switch (backend) {
    case "local":
      return new LocalExecutor();
    case "slurm":
      return new SlurmExecutor({ env: definedOnly(settings.env), onProblem: settings.onProblem });
    case "kubernetes":
      throw new InternError("INTERN_UNSUPPORTED", "compute.backend kubernetes cannot run jobs yet; this version runs them on this machine (local) or on Slurm", {
        hint: "`intern apply --backend local` or `--backend slurm` runs the recipe; `intern render` writes the Kubernetes manifests",
      });
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
