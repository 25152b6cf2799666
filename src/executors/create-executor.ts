import type { Backend, Recipe } from "../recipe/types.js";
import { KubernetesExecutor } from "./kubernetes/kubernetes-executor.js";
import { LocalExecutor } from "./local/local-executor.js";
import { SlurmExecutor } from "./slurm/slurm-executor.js";
import type { Executor, ProblemReporter } from "./types.js";

export interface ExecutorSettings {
  /** The environment intern runs in: Slurm's clients read SLURM_CONF from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where trouble that is not a verdict goes (the run's event log). */
  onProblem: ProblemReporter;
  /** compute.kubernetes of the recipe: context, namespace, Secret and PVC (with backend kubernetes). */
  kubernetes?: Recipe["compute"]["kubernetes"];
}

/**
 * The executor of a backend. Slurm's clients find their cluster the usual way (SLURM_CONF, or
 * /etc/slurm); the Kubernetes client its kubeconfig (KUBECONFIG, or ~/.kube/config).
 */
export function createExecutor(backend: Backend, settings: ExecutorSettings): Executor {
  switch (backend) {
    case "local":
      return new LocalExecutor();
    case "slurm":
      return new SlurmExecutor({ env: definedOnly(settings.env), onProblem: settings.onProblem });
    case "kubernetes": {
      const k = settings.kubernetes;
      return new KubernetesExecutor({
        env: definedOnly(settings.env),
        onProblem: settings.onProblem,
        ...(k?.context !== undefined ? { context: k.context } : {}),
        ...(k?.namespace !== undefined ? { namespace: k.namespace } : {}),
        ...(k?.secret !== undefined ? { secret: k.secret } : {}),
        ...(k?.pvc !== undefined ? { pvc: k.pvc } : {}),
        ...(k?.gpu_resource !== undefined ? { gpuResource: k.gpu_resource } : {}),
      });
    }
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
