import type { V1ConfigMap, V1Job, V1Service } from "@kubernetes/client-node";
import { InternError } from "../../errors.js";
import type { JobRef } from "./job-ref.js";
import { KubeAnswer } from "./kube-answer.js";
import type { KubeApi } from "./kube-api.js";
import { identityOf, LABEL_KEY, LABEL_RUN, LABEL_STAGE, type StageIdentity, type StageManifests } from "./manifests.js";
import { readJob, removeStage, type WaitOptions } from "./remove-stage.js";

function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

/** The same stage of the same run with the same content key: the Job this submission would create. */
function sameStage(job: V1Job, id: StageIdentity): boolean {
  const l = job.metadata?.labels ?? {};
  return l[LABEL_RUN] === id.run && l[LABEL_STAGE] === id.stage && l[LABEL_KEY] === id.key;
}

export function refOf(job: V1Job, id: StageIdentity, dir: string): JobRef {
  return { namespace: id.namespace, name: id.name, uid: job.metadata?.uid ?? "", run: id.run, dir };
}

/**
 * A name is already taken. The stage's own Job (a crash came between creating it and recording
 * it) is adopted; a live Job of another run is left alone and the submission refused; anything
 * else (a finished Job of an earlier run, a ConfigMap or Service a crash left behind) is removed
 * so the stage's objects can be created afresh.
 */
async function resolveConflict(api: KubeApi, id: StageIdentity, dir: string, wait: WaitOptions): Promise<JobRef | null> {
  const existing = await readJob(api, id.namespace, id.name);
  if (existing && !existing.metadata?.deletionTimestamp) {
    if (sameStage(existing, id)) return refOf(existing, id, dir);
    if (!finished(existing)) {
      const other = existing.metadata?.labels?.[LABEL_RUN] ?? "?";
      throw new InternError("INTERN_K8S_NAME_TAKEN", `stage ${id.stage}: Job ${id.name} in namespace ${id.namespace} belongs to run ${other}, which is still running it`, {
        hint: `the same stage with the same inputs runs in run ${other}: wait for it (its result is then reused), or delete that Job (\`kubectl delete job -n ${id.namespace} ${id.name}\`)`,
      });
    }
  }
  const problem = await removeStage(api, id.namespace, id.name, null, wait);
  if (problem !== null) {
    throw new InternError("INTERN_K8S_NAME_TAKEN", `stage ${id.stage}: the earlier objects named ${id.name} in namespace ${id.namespace} could not be removed: ${problem}`, {
      hint: `delete them (\`kubectl delete job,service,configmap -n ${id.namespace} ${id.name}\`) and apply again`,
    });
  }
  return null;
}

/**
 * Creates the stage's ConfigMap, Service and Job, in that order (the Job's pods mount the first
 * and resolve their peers through the second). Idempotent: an AlreadyExists answer adopts the
 * stage's own Job instead of creating a second one.
 */
export async function submitStage(api: KubeApi, m: StageManifests, dir: string, wait: WaitOptions): Promise<JobRef> {
  const id = identityOf(m.job);
  const namespace = id.namespace;
  const where = `in namespace ${namespace}`;
  for (let round = 0; ; round++) {
    try {
      await api.call("create", `configmap ${id.name} ${where}`, (o) => api.core.createNamespacedConfigMap({ namespace, body: m.configMap as V1ConfigMap }, o));
      await api.call("create", `service ${id.name} ${where}`, (o) => api.core.createNamespacedService({ namespace, body: m.service as V1Service }, o));
      const job = await api.call("create", `job ${id.name} ${where}`, (o) => api.batch.createNamespacedJob({ namespace, body: m.job as V1Job }, o));
      return refOf(job, id, dir);
    } catch (error) {
      if (!(error instanceof KubeAnswer)) throw error;
      if (error.code === 404) {
        throw new InternError("INTERN_K8S_NAMESPACE", `namespace ${namespace} does not exist (${error.message})`, { hint: "create it (`kubectl create namespace`) or set compute.kubernetes.namespace to one that exists" });
      }
      if (round > 0) throw new InternError("INTERN_K8S_NAME_TAKEN", `stage ${id.stage}: ${error.message}, again after clearing the earlier objects`, { hint: "another intern may be submitting the same stage; apply again" });
      const adopted = await resolveConflict(api, id, dir, wait);
      if (adopted !== null) return adopted;
    }
  }
}
