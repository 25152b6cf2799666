import { InternError } from "../../errors.js";
import { KubeAnswer } from "./kube-answer.js";
import type { KubeApi } from "./kube-api.js";

/** What the recipe says must exist before anything is created. */
export interface PreflightTarget {
  namespace: string;
  /** compute.kubernetes.secret: the Secret HF_TOKEN and MISTRAL_API_KEY come from. */
  secret?: string;
  /** compute.kubernetes.pvc: the claim the run's folder is on. */
  pvc?: string;
}

/**
 * Checks, before the first object of a run is created, that the namespace, the Secret and the
 * PersistentVolumeClaim the recipe names exist: a missing one is a clear error now, not a pod
 * that never starts. Where the user may not read one (namespaces are cluster-scoped; Secrets are
 * often not readable to people who may still reference them), the check is skipped with a
 * remark, since the user may still be able to run jobs there.
 */
export async function preflight(api: KubeApi, t: PreflightTarget, remark: (message: string) => void): Promise<void> {
  const check = async (what: string, read: () => Promise<unknown>, missing: () => InternError) => {
    try {
      await read();
    } catch (error) {
      if (error instanceof KubeAnswer && error.code === 404) throw missing();
      if (error instanceof InternError && error.code === "INTERN_K8S_FORBIDDEN") {
        remark(`could not check that ${what} exists (not allowed to read it); going on`);
        return;
      }
      throw error;
    }
  };
  const ns = t.namespace;
  await check(`namespace ${ns}`, () => api.call("get", `namespace ${ns}`, (o) => api.core.readNamespace({ name: ns }, o)), () =>
    new InternError("INTERN_K8S_NAMESPACE", `namespace ${ns} does not exist in Kubernetes context ${JSON.stringify(api.context)}; nothing was submitted`, {
      hint: `create it (\`kubectl create namespace ${ns}\`) or set compute.kubernetes.namespace to one that exists`,
    }),
  );
  if (t.secret !== undefined) {
    const name = t.secret;
    await check(`Secret ${name}`, () => api.call("get", `secret ${name} in namespace ${ns}`, (o) => api.core.readNamespacedSecret({ name, namespace: ns }, o)), () =>
      new InternError("INTERN_K8S_SECRET", `Secret ${name} (compute.kubernetes.secret) does not exist in namespace ${ns}; nothing was submitted`, {
        hint: `create it from your environment without writing the values to a file: \`kubectl create secret generic ${name} -n ${ns} --from-literal=HF_TOKEN="$HF_TOKEN"\``,
      }),
    );
  }
  if (t.pvc !== undefined) {
    const name = t.pvc;
    await check(`PersistentVolumeClaim ${name}`, () => api.call("get", `persistentvolumeclaim ${name} in namespace ${ns}`, (o) => api.core.readNamespacedPersistentVolumeClaim({ name, namespace: ns }, o)), () =>
      new InternError("INTERN_K8S_PVC", `PersistentVolumeClaim ${name} (compute.kubernetes.pvc) does not exist in namespace ${ns}; nothing was submitted`, {
        hint: "create the claim for the storage that holds the project folder, or set compute.kubernetes.pvc to one that exists",
      }),
    );
  }
}
