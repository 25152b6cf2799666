import { join } from "node:path";
import { InternError } from "../../errors.js";
import type { Executor, JobSpec, JobStatus, ProblemReporter } from "../types.js";
import { formatRef, parseRef } from "./job-ref.js";
import type { KubeApi, KubeTarget } from "./kube-api.js";
import { LABEL_KEY, LABEL_MANAGED, LABEL_RUN, LABEL_STAGE, manifestPath, prepareManifests, readIdentity } from "./manifests.js";
import { pollJobs, type PollMemory } from "./poll.js";
import { preflight } from "./preflight.js";
import { fetchLiveLog, fetchLogs } from "./fetch-logs.js";
import { removeStage, type WaitOptions } from "./remove-stage.js";
import { refOf, submitStage } from "./submit.js";

export interface KubernetesExecutorOptions {
  /** The environment intern runs in: KUBECONFIG and HOME find the kubeconfig. */
  env: Readonly<Record<string, string>>;
  /** compute.kubernetes.context; the kubeconfig's current context when unset. */
  context?: string;
  /** compute.kubernetes.namespace, secret and pvc: checked before the first submission. */
  namespace?: string;
  secret?: string;
  pvc?: string;
  /** compute.kubernetes.gpu_resource, for GPU-hours. */
  gpuResource?: string;
  onProblem?: ProblemReporter;
  /** Time limit of one API request. */
  requestTimeoutMs?: number;
  /** How long a submission, find or cancel keeps trying through transient failures (5xx, resets, timeouts). */
  retryWindowMs?: number;
  /** How long `cancel` and `discard` wait for a Job and its pods to be gone. */
  cancelWaitMs?: number;
  cancelIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs job stages as Kubernetes Jobs through the API server (no kubectl). A ref is a small JSON
 * object naming the Job (namespace, name, uid), its run and its stage folder. Each stage's
 * rendered job.yaml (ConfigMap, headless Service, Indexed Job) is validated and created as it is,
 * with the time limit the budget leaves as activeDeadlineSeconds.
 */
export class KubernetesExecutor implements Executor {
  readonly name = "kubernetes";
  private apiValue: KubeApi | null = null;
  private readonly checked = new Set<string>();
  private readonly memory: PollMemory & { ended: Set<string> } = { pending: new Map(), told: new Map(), ended: new Set() };
  private readonly wait: WaitOptions;
  private readonly onProblem: ProblemReporter;

  constructor(private readonly options: KubernetesExecutorOptions) {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.wait = { waitMs: options.cancelWaitMs ?? 120_000, intervalMs: options.cancelIntervalMs ?? 1000, sleep };
    this.onProblem = options.onProblem ?? (() => {});
  }

  /**
   * Connects on first use, so that a run whose jobs are all cached never needs a kubeconfig, and
   * loads the client library only then: runs on the other backends never parse it.
   */
  private async api(): Promise<KubeApi> {
    if (this.apiValue === null) {
      const { connect } = await import("./kube-api.js");
      const target: KubeTarget = { env: this.options.env, ...(this.options.context !== undefined ? { context: this.options.context } : {}) };
      this.apiValue = connect(target, { timeoutMs: this.options.requestTimeoutMs ?? 30_000, windowMs: this.options.retryWindowMs ?? 120_000, sleep: this.wait.sleep });
    }
    return this.apiValue;
  }

  logPath(job: Pick<JobSpec, "dir">): string {
    return join(job.dir, "job.log");
  }

  describe(job: JobSpec): string {
    const id = readIdentity(job.dir);
    const where = id ? `Job ${id.namespace}/${id.name}` : "a Job";
    return `create ConfigMap, Service and ${where} from ${manifestPath(job.dir)} (activeDeadlineSeconds ${Math.floor(job.timeLimitSeconds)}; log ${this.logPath(job)})`;
  }

  label(ref: string): string {
    try {
      const r = parseRef(ref);
      return `Kubernetes Job ${r.namespace}/${r.name}`;
    } catch {
      return `Kubernetes Job ${ref}`;
    }
  }

  async submit(job: JobSpec): Promise<string> {
    const manifests = await prepareManifests(job);
    const namespace = manifests.job.metadata.namespace ?? "default";
    const api = await this.api();
    if (!this.checked.has(namespace)) {
      await preflight(api, { namespace, ...(this.options.secret !== undefined ? { secret: this.options.secret } : {}), ...(this.options.pvc !== undefined ? { pvc: this.options.pvc } : {}) }, this.onProblem);
      this.checked.add(namespace);
    }
    return formatRef(await submitStage(api, manifests, job.dir, this.wait));
  }

  /**
   * The Job of this stage, this run and this content key, live or finished, found by its labels;
   * throws when the API server does not answer, since "not found" must never be a guess.
   */
  async find(job: JobSpec): Promise<string | null> {
    const id = readIdentity(job.dir);
    if (id === null) return null;
    const api = await this.api();
    const labelSelector = `${LABEL_MANAGED}=intern,${LABEL_RUN}=${id.run},${LABEL_STAGE}=${id.stage},${LABEL_KEY}=${id.key}`;
    const list = await api.call("list", `jobs of stage ${id.stage} in namespace ${id.namespace}`, (o) => api.batch.listNamespacedJob({ namespace: id.namespace, labelSelector }, o));
    const live = list.items.filter((j) => !j.metadata?.deletionTimestamp && j.metadata?.name === id.name);
    return live[0] ? formatRef(refOf(live[0], id, job.dir)) : null;
  }

  /**
   * Before a new attempt: the Job an earlier attempt of this stage left (failed, evicted) is
   * deleted, since the new one takes its name. Only this run's Job: another run's is left alone.
   */
  async discard(job: Pick<JobSpec, "dir">): Promise<void> {
    const id = readIdentity(job.dir);
    if (id === null) return;
    const found = await this.find({ dir: job.dir, script: "", stageId: id.stage, env: {}, timeLimitSeconds: 0, gpus: 0 });
    if (found === null) return;
    const ref = parseRef(found);
    const problem = await removeStage(await this.api(), ref.namespace, ref.name, ref.uid, this.wait);
    if (problem !== null) {
      throw new InternError("INTERN_K8S_CANCEL", `stage ${id.stage}: the Job of its earlier attempt is not gone: ${problem}`, {
        hint: `delete it (\`kubectl delete job -n ${ref.namespace} ${ref.name}\`) and apply again`,
      });
    }
  }

  async poll(refs: readonly string[]): Promise<Map<string, JobStatus>> {
    const api = await this.api();
    const { statuses, problems, stranded } = await pollJobs(api, refs, this.options.gpuResource ?? "nvidia.com/gpu", this.memory);
    for (const p of problems) this.onProblem(p);
    // A pod that can never start leaves its Job waiting forever: the verdict is in, so it goes.
    for (const ref of stranded) {
      const problem = await removeStage(api, ref.namespace, ref.name, ref.uid, this.wait).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      if (problem !== null) this.onProblem(`Kubernetes Job ${ref.namespace}/${ref.name} failed but could not be deleted: ${problem}`);
    }
    return statuses;
  }

  /**
   * Writes what the running Job's first pod has logged so far into the stage's `job.log` (one
   * list of the Job's pods and one log read), for its progress; the Job's final log, fetched
   * when a poll sees it end, replaces it. Never throws: a log that cannot be read waits.
   */
  async refreshLog(refText: string): Promise<void> {
    if (this.memory.ended.has(refText)) return;
    try {
      const ref = parseRef(refText);
      const api = await this.api();
      const pods = await api.call("list", `pods of job ${ref.name}`, (o) => api.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `controller-uid=${ref.uid}` }, o), { windowMs: 0 });
      await fetchLiveLog(api, ref, pods.items, () => !this.memory.ended.has(refText));
    } catch {
      // the next refresh, or the final log
    }
  }

  /** Deletes the Job (background propagation), its Service and ConfigMap, and waits until the Job and its pods are gone; never throws. */
  async cancel(refText: string): Promise<void> {
    this.memory.ended.add(refText);
    try {
      const ref = parseRef(refText);
      const api = await this.api();
      const pods = await api.call("list", `pods of job ${ref.name}`, (o) => api.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `controller-uid=${ref.uid}` }, o), { windowMs: 5000 }).then((l) => l.items).catch(() => []);
      if (pods.length > 0) await fetchLogs(api, ref, pods, "was cancelled by intern").catch(() => {});
      const problem = await removeStage(api, ref.namespace, ref.name, ref.uid, this.wait);
      if (problem !== null) this.onProblem(`cancel ${this.label(refText)}: ${problem}`);
    } catch (error) {
      this.onProblem(`cancel ${this.label(refText)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
