import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { InternError } from "../../errors.js";
import type { JobStatus } from "../types.js";
import { fetchLogs } from "./fetch-logs.js";
import { parseRef, type JobRef } from "./job-ref.js";
import type { KubeApi } from "./kube-api.js";
import { LABEL_MANAGED, LABEL_RUN } from "./manifests.js";
import { jobStatus, type JobView, type PodView } from "./map-status.js";

/** What a poll remembers between calls, per ref: the last reason a Job was pending, and what was already said. */
export interface PollMemory {
  pending: Map<string, string>;
  told: Map<string, string>;
  /** Refs whose final log was fetched (or is being fetched): a live log must no longer replace it. */
  ended?: Set<string>;
}

export interface PollResult {
  statuses: Map<string, JobStatus>;
  /** What went wrong talking to the API server, or what keeps a Job waiting, in words. */
  problems: string[];
  /** Refs whose verdict came before their Job finished (a pod that cannot start): their Job is still there. */
  stranded: JobRef[];
}

function selector(run: string): string {
  return `${LABEL_MANAGED}=intern,${LABEL_RUN}=${run}`;
}

function podsOf(pods: readonly V1Pod[], job: V1Job): V1Pod[] {
  const uid = job.metadata?.uid;
  return pods.filter((p) => p.metadata?.labels?.["controller-uid"] === uid || p.metadata?.labels?.["batch.kubernetes.io/controller-uid"] === uid);
}

function complete(job: V1Job | undefined): boolean {
  return (job?.status?.conditions ?? []).some((c) => c.type === "Complete" && c.status === "True");
}

/**
 * One list of Jobs per run and namespace (in practice one call for all of a run's jobs), and one
 * list of pods by the same selector only when a Job is not simply complete. A Job that finished
 * has its pods' logs written into its stage folder before its status is returned. A list that
 * fails leaves its refs unknown this poll.
 */
export async function pollJobs(api: KubeApi, refs: readonly string[], gpuResource: string, memory: PollMemory): Promise<PollResult> {
  const statuses = new Map<string, JobStatus>();
  const problems: string[] = [];
  const stranded: JobRef[] = [];
  const groups = new Map<string, { namespace: string; run: string; refs: [string, JobRef][] }>();
  for (const text of new Set(refs)) {
    const ref = parseRef(text);
    const k = `${ref.namespace}\n${ref.run}`;
    if (!groups.has(k)) groups.set(k, { namespace: ref.namespace, run: ref.run, refs: [] });
    groups.get(k)!.refs.push([text, ref]);
  }
  for (const g of groups.values()) {
    const where = `jobs of run ${g.run} in namespace ${g.namespace}`;
    let jobs: V1Job[];
    let pods: V1Pod[] = [];
    try {
      jobs = (await api.call("list", where, (o) => api.batch.listNamespacedJob({ namespace: g.namespace, labelSelector: selector(g.run) }, o), { windowMs: 0 })).items;
      const byName = new Map(jobs.map((j) => [j.metadata?.name ?? "", j]));
      const needPods = g.refs.some(([, r]) => {
        const j = byName.get(r.name);
        return j !== undefined && j.metadata?.uid === r.uid;
      });
      if (needPods) pods = (await api.call("list", `pods of run ${g.run} in namespace ${g.namespace}`, (o) => api.core.listNamespacedPod({ namespace: g.namespace, labelSelector: selector(g.run) }, o), { windowMs: 0 })).items;
    } catch (error) {
      if (error instanceof InternError && (error.code === "INTERN_K8S_UNAUTHORIZED" || error.code === "INTERN_K8S_FORBIDDEN")) throw error;
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    const byName = new Map(jobs.map((j) => [j.metadata?.name ?? "", j]));
    for (const [text, ref] of g.refs) {
      const found = byName.get(ref.name);
      const job = found && found.metadata?.uid === ref.uid ? found : undefined;
      const own = job ? podsOf(pods, job) : [];
      const st = jobStatus(job as JobView | undefined, own as PodView[], gpuResource, memory.pending.get(text));
      if (st.state === "pending" || st.state === "running") {
        if (st.reason !== null) {
          memory.pending.set(text, st.reason);
          if (memory.told.get(text) !== st.reason) {
            memory.told.set(text, st.reason);
            problems.push(`Kubernetes Job ${ref.namespace}/${ref.name} is waiting: ${st.reason}${st.hint ? ` (${st.hint})` : ""}`);
          }
        }
        statuses.set(text, st);
        continue;
      }
      memory.pending.delete(text);
      memory.told.delete(text);
      if (job && !complete(job) && st.state === "failed" && !(job.status?.conditions ?? []).some((c) => c.type === "Failed" && c.status === "True")) stranded.push(ref);
      memory.ended?.add(text);
      if (job) await fetchLogs(api, ref, own, st.state === "succeeded" ? null : (st.reason ?? st.state)).catch((e: unknown) => problems.push(`logs of ${ref.name}: ${e instanceof Error ? e.message : String(e)}`));
      statuses.set(text, st);
    }
  }
  return { statuses, problems, stranded };
}
