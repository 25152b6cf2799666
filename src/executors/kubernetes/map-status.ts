import type { JobStatus } from "../types.js";

/** The parts of a Job and its pods that decide a verdict, as the API returns them. */
export interface JobView {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: Date | string | null; labels?: Record<string, string> };
  spec?: { completions?: number | null; template?: { spec?: { containers?: { image?: string; resources?: { limits?: Record<string, unknown> } }[] } } };
  status?: { startTime?: Date | string | null; completionTime?: Date | string | null; conditions?: Condition[] | null };
}

export interface PodView {
  metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: Date | string | null };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[] | null;
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string; signal?: number } } }[] | null;
  };
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: Date | string | null;
}

export const TIMEOUT_HINT = "raise the stage's time limit (training.time_limit or benchmark.time_limit); the Job's activeDeadlineSeconds is that limit";
export const OOM_HINT = "lower the batch size (per_device_train_batch_size, with more gradient_accumulation_steps to keep the effective batch) or raise compute.kubernetes.memory";
export const UNSCHEDULABLE_HINT = "no node can take the pod yet: check compute.kubernetes.gpu_resource, cpu, memory, node_selector and tolerations against the cluster's nodes (it waits until the time limit)";
export const IMAGE_HINT = "check compute.kubernetes.image (name and tag) and, for a private registry, compute.kubernetes.image_pull_secrets";
const RETRY_HINT = (kind: string) => `not the job's fault: compute.retry.on: [${kind}] submits it again`;

/** Waiting reasons that do not clear up by waiting: the pod will never start as it is. */
const STUCK = new Set(["ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError"]);

function condition(conditions: Condition[] | null | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type && c.status === "True");
}

function index(pod: PodView): string {
  return pod.metadata?.labels?.["batch.kubernetes.io/job-completion-index"] ?? "0";
}

function seconds(t: Date | string | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** GPUs of the whole Job: the container's limit of `gpuResource` times its pods. */
function usage(job: JobView, gpuResource: string): JobStatus["usage"] | undefined {
  const start = seconds(job.status?.startTime);
  const end = seconds(job.status?.completionTime) ?? seconds(condition(job.status?.conditions, "Failed")?.lastTransitionTime);
  if (start === null || end === null) return undefined;
  const limit = Number(job.spec?.template?.spec?.containers?.[0]?.resources?.limits?.[gpuResource] ?? 0) || 0;
  const gpus = limit * (job.spec?.completions ?? 1);
  const elapsedSeconds = Math.max(0, end - start);
  return { gpus, elapsedSeconds, gpuHours: (gpus * elapsedSeconds) / 3600 };
}

/** Why a failed pod failed, with the retry kind and hint that go with it. */
function podFailure(pod: PodView, multi: boolean): Pick<JobStatus, "exitCode" | "reason" | "failure" | "hint"> {
  const where = multi ? `pod ${index(pod)} (${pod.metadata?.name ?? "?"})` : `pod ${pod.metadata?.name ?? "?"}`;
  const term = (pod.status?.containerStatuses ?? []).map((c) => c.state?.terminated).find((t) => t !== undefined);
  const disruption = condition(pod.status?.conditions, "DisruptionTarget");
  if (term?.reason === "OOMKilled") {
    return { exitCode: term.exitCode ?? 137, reason: `ran out of memory: ${where} was OOMKilled`, failure: "out_of_memory", hint: OOM_HINT };
  }
  if (disruption?.reason === "PreemptionByScheduler" || disruption?.reason === "PreemptionByKubeScheduler") {
    return { exitCode: term?.exitCode ?? null, reason: `was preempted by a higher-priority pod (${where})`, failure: "preempted", hint: RETRY_HINT("preempted") };
  }
  if (disruption?.reason === "DeletionByTaintManager" || pod.status?.reason === "NodeLost" || pod.status?.reason === "NodeAffinity") {
    return { exitCode: term?.exitCode ?? null, reason: `its node failed or left the cluster (${where}${disruption?.message ? `: ${disruption.message}` : ""})`, failure: "node_fail", hint: RETRY_HINT("node_fail") };
  }
  if (pod.status?.reason === "Evicted" || disruption !== undefined) {
    // Pushed off its node by the kubelet (node pressure) or a drain: not the job's own doing, like a preemption.
    const why = pod.status?.message ?? disruption?.message ?? "evicted";
    return { exitCode: term?.exitCode ?? null, reason: `was evicted from its node (${where}: ${why})`, failure: "preempted", hint: RETRY_HINT("preempted") };
  }
  if (term?.exitCode !== undefined) {
    const signal = term.exitCode > 128 ? ` (signal ${term.exitCode - 128})` : "";
    return { exitCode: term.exitCode, reason: `exited with code ${term.exitCode}${signal} (${where})`, failure: "failed" };
  }
  return { exitCode: null, reason: `failed (${where}${pod.status?.message ? `: ${pod.status.message}` : ""})`, failure: "failed" };
}

/** The first pod that cannot start as it is (its image cannot be pulled, its config is wrong), or null. */
function stuckPod(pods: readonly PodView[]): { pod: PodView; reason: string; message: string } | null {
  for (const pod of pods) {
    if (pod.status?.phase !== "Pending") continue;
    for (const c of pod.status.containerStatuses ?? []) {
      const w = c.state?.waiting;
      if (w?.reason && STUCK.has(w.reason)) return { pod, reason: w.reason, message: w.message ?? "" };
    }
  }
  return null;
}

/** A pending pod's reason the scheduler or kubelet gives, with its hint; null when there is nothing to say. */
export function pendingReason(pods: readonly PodView[]): { reason: string; hint: string } | null {
  for (const pod of pods) {
    if (pod.status?.phase !== "Pending") continue;
    const sched = (pod.status.conditions ?? []).find((c) => c.type === "PodScheduled" && c.status === "False");
    if (sched?.reason === "Unschedulable") return { reason: `unschedulable: ${sched.message ?? "no node fits"}`, hint: UNSCHEDULABLE_HINT };
    for (const c of pod.status.containerStatuses ?? []) {
      const w = c.state?.waiting;
      if (w?.reason === "ErrImagePull") return { reason: `cannot pull its image yet (ErrImagePull${w.message ? `: ${w.message}` : ""})`, hint: IMAGE_HINT };
    }
  }
  return null;
}

/**
 * A Job's status from its conditions and its pods. `lastPending` is what kept it pending at an
 * earlier poll (the scheduler's message), for a Job that ran out of time before it ever started.
 */
export function jobStatus(job: JobView | undefined, pods: readonly PodView[], gpuResource: string, lastPending?: string): JobStatus {
  if (job === undefined) {
    return { state: "lost", exitCode: null, reason: "its Job no longer exists (deleted outside intern, or removed by ttlSecondsAfterFinished)" };
  }
  const conditions = job.status?.conditions;
  const used = usage(job, gpuResource);
  const withUsage = used ? { usage: used } : {};
  if (condition(conditions, "Complete")) return { state: "succeeded", exitCode: 0, reason: null, ...withUsage };
  const failed = condition(conditions, "Failed");
  if (failed) {
    if (failed.reason === "DeadlineExceeded") {
      const before = lastPending ? ` while it was still waiting: ${lastPending}` : "";
      return { state: "timeout", exitCode: null, reason: `ran past its time limit (Kubernetes DeadlineExceeded)${before}`, failure: "timeout", hint: lastPending ? UNSCHEDULABLE_HINT : TIMEOUT_HINT, ...withUsage };
    }
    const multi = (job.spec?.completions ?? 1) > 1;
    const failedPods = pods.filter((p) => p.status?.phase === "Failed");
    // The most telling pod: one that was OOMKilled or pushed off its node says more than a bare exit code.
    const first = failedPods.find((p) => podFailure(p, multi).failure !== "failed") ?? failedPods[0];
    if (first) {
      const f = podFailure(first, multi);
      return { state: "failed", ...f, ...withUsage, reason: `${f.reason}${failed.reason && failed.reason !== "BackoffLimitExceeded" ? ` (Kubernetes ${failed.reason})` : ""}` };
    }
    return { state: "failed", exitCode: null, reason: `failed (Kubernetes ${failed.reason ?? "Failed"}${failed.message ? `: ${failed.message}` : ""})`, failure: "failed", ...withUsage };
  }
  if (job.metadata?.deletionTimestamp) return { state: "cancelled", exitCode: null, reason: "its Job was deleted outside intern", ...withUsage };
  const stuck = stuckPod(pods);
  if (stuck) {
    const image = job.spec?.template?.spec?.containers?.[0]?.image ?? "?";
    const image_ = stuck.reason.includes("Image") ? `its image ${image} cannot be pulled` : "its container cannot be created";
    const hint = stuck.reason.includes("Image") ? IMAGE_HINT : "check compute.kubernetes.secret and the Secret's keys, and the pod's events (`kubectl describe pod`)";
    return { state: "failed", exitCode: null, reason: `${image_} (${stuck.reason}${stuck.message ? `: ${stuck.message}` : ""})`, failure: "failed", hint };
  }
  const running = pods.some((p) => p.status?.phase === "Running" || p.status?.phase === "Succeeded" || p.status?.phase === "Failed");
  if (running) return { state: "running", exitCode: null, reason: null };
  const pending = pendingReason(pods);
  return pending ? { state: "pending", exitCode: null, reason: pending.reason, hint: pending.hint } : { state: "pending", exitCode: null, reason: null };
}
