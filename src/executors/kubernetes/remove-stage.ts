import type { V1Job } from "@kubernetes/client-node";
import { KubeAnswer } from "./kube-answer.js";
import type { KubeApi } from "./kube-api.js";

export interface WaitOptions {
  /** How long to wait for the objects to be gone. */
  waitMs: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** Runs a request whose 404 means "already gone", which is what the caller wants. */
async function gone<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof KubeAnswer && error.code === 404) return null;
    throw error;
  }
}

/** The Job of that name, or null when there is none. */
export function readJob(api: KubeApi, namespace: string, name: string): Promise<V1Job | null> {
  return gone(api.call("get", `job ${name} in namespace ${namespace}`, (o) => api.batch.readNamespacedJob({ name, namespace }, o)));
}

/**
 * Deletes a stage's Job (background propagation: its pods go after it), Service and ConfigMap,
 * then waits until the Job and its pods are gone. `uid`, when given, limits it to that Job: a
 * newer Job of the same name is left alone. Returns null once gone, else what stood in the way.
 */
export async function removeStage(api: KubeApi, namespace: string, name: string, uid: string | null, wait: WaitOptions): Promise<string | null> {
  const where = `in namespace ${namespace}`;
  const current = await readJob(api, namespace, name);
  const mine = current !== null && (uid === null || current.metadata?.uid === uid);
  const jobUid = mine ? (current.metadata?.uid ?? null) : uid;
  if (mine) {
    await gone(api.call("delete", `job ${name} ${where}`, (o) => api.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Background" }, o)));
  }
  if (mine || current === null) {
    await gone(api.call("delete", `service ${name} ${where}`, (o) => api.core.deleteNamespacedService({ name, namespace }, o)));
    await gone(api.call("delete", `configmap ${name} ${where}`, (o) => api.core.deleteNamespacedConfigMap({ name, namespace }, o)));
  }
  const deadline = Date.now() + wait.waitMs;
  for (;;) {
    const job = await readJob(api, namespace, name);
    const jobThere = job !== null && (jobUid === null || job.metadata?.uid === jobUid);
    const pods = jobUid === null ? [] : (await api.call("list", `pods ${where}`, (o) => api.core.listNamespacedPod({ namespace, labelSelector: `controller-uid=${jobUid}` }, o))).items;
    if (!jobThere && pods.length === 0) return null;
    const what = jobThere ? `job ${name} is still there` : `${pods.length} pod(s) of job ${name} are still there`;
    if (Date.now() + wait.intervalMs > deadline) return `${what} after ${Math.round(wait.waitMs / 1000)} s`;
    await wait.sleep(wait.intervalMs);
  }
}
