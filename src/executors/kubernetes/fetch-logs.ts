import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { InternError } from "../../errors.js";
import type { JobRef } from "./job-ref.js";
import type { KubeApi } from "./kube-api.js";

function index(pod: V1Pod): number {
  return Number(pod.metadata?.labels?.["batch.kubernetes.io/job-completion-index"] ?? 0);
}

function created(pod: V1Pod): number {
  const t = pod.metadata?.creationTimestamp as Date | string | undefined;
  return t === undefined ? 0 : new Date(t).getTime();
}

/** Pods in rank order, the earliest first within a rank. */
function inRankOrder(pods: readonly V1Pod[]): V1Pod[] {
  return [...pods].sort((a, b) => index(a) - index(b) || created(a) - created(b));
}

function header(pod: V1Pod): string {
  return `==> pod ${pod.metadata?.name ?? "?"} (rank ${index(pod)}) <==\n`;
}

function readLog(api: KubeApi, ref: JobRef, name: string, windowMs: number): Promise<string> {
  return api.call("read", `the log of pod ${name} in namespace ${ref.namespace}`, (o) => api.core.readNamespacedPodLog({ name, namespace: ref.namespace, container: "stage" }, o), { windowMs });
}

/** Replaces the stage's `job.log` at once: a reader never sees it empty or half written. */
function writeLog(ref: JobRef, text: string): void {
  const path = join(ref.dir, "job.log");
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/**
 * Writes the logs of a Job's pods into the stage's `job.log`: one pod's log as it is, several
 * (a multi-node Job) each under a header naming its rank. A pod whose log cannot be read (never
 * started, already removed) gets a line saying why, and so does a Job without pods, so the log
 * always says something. `note` (what happened to the Job) ends the file.
 */
export async function fetchLogs(api: KubeApi, ref: JobRef, pods: readonly V1Pod[], note: string | null): Promise<void> {
  const mine = inRankOrder(pods);
  const parts: string[] = [];
  for (const pod of mine) {
    const name = pod.metadata?.name ?? "?";
    let text: string;
    try {
      text = await readLog(api, ref, name, 10_000);
    } catch (error) {
      text = `(no log from pod ${name}: ${error instanceof InternError || error instanceof Error ? error.message : String(error)})\n`;
    }
    if (text !== "" && !text.endsWith("\n")) text += "\n";
    parts.push(mine.length > 1 ? `${header(pod)}${text}` : text);
  }
  if (mine.length === 0) parts.push(`(no pod of Job ${ref.name} is left to read a log from)\n`);
  if (note !== null) parts.push(`intern: Kubernetes Job ${ref.namespace}/${ref.name} ${note}\n`);
  writeLog(ref, parts.join(""));
}

/**
 * The log of a running Job so far, as `fetchLogs` will begin it once the Job ends: its first rank's
 * pod's log (under its header when the Job has several pods), where the trainer writes its
 * progress. Null when that pod has no log yet (not started). `stillLive` is asked just before
 * writing: a Job whose final log was fetched meanwhile keeps that one.
 */
export async function fetchLiveLog(api: KubeApi, ref: JobRef, pods: readonly V1Pod[], stillLive: () => boolean): Promise<void> {
  const first = inRankOrder(pods)[0];
  if (first === undefined) return;
  let text: string;
  try {
    text = await readLog(api, ref, first.metadata?.name ?? "?", 0);
  } catch {
    return;
  }
  if (text === "" || !stillLive()) return;
  writeLog(ref, pods.length > 1 ? `${header(first)}${text}` : text);
}
