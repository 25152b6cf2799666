/**
 * A Kubernetes API server for tests: an HTTP server on 127.0.0.1 (random port) that speaks the
 * subset of the real API intern's client uses, with the real `Status` shape for errors. It
 * stores objects in memory, plays the Job controller (one pod per completion index, Job
 * conditions from its pods) and lets a test drive pods (scheduled, running, succeeded, failed,
 * OOMKilled, evicted, preempted, unschedulable, image pull errors), inject failures (an answer
 * with a status code, a connection reset, a slow answer) and read every request it received.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { matchesSelector } from "./label-selector.js";

/** A stored object: what the client sent, plus the metadata and status the server keeps. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid: string; resourceVersion: string; creationTimestamp: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; [k: string]: unknown };
  spec?: any;
  status?: any;
  data?: Record<string, string>;
  [k: string]: unknown;
};

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  body: string;
  authorization: string | undefined;
}

/** What an injected failure does instead of answering. */
export type Injected = { status: number; message?: string; reason?: string } | { reset: true } | { delayMs: number };

interface Injection {
  method: string | undefined;
  path: RegExp | undefined;
  times: number;
  what: Injected;
}

/** The kinds the emulator serves: URL segment -> API group and kind. */
const RESOURCES: Record<string, { group: string; version: string; kind: string; namespaced: boolean }> = {
  namespaces: { group: "", version: "v1", kind: "Namespace", namespaced: false },
  configmaps: { group: "", version: "v1", kind: "ConfigMap", namespaced: true },
  services: { group: "", version: "v1", kind: "Service", namespaced: true },
  secrets: { group: "", version: "v1", kind: "Secret", namespaced: true },
  pods: { group: "", version: "v1", kind: "Pod", namespaced: true },
  persistentvolumeclaims: { group: "", version: "v1", kind: "PersistentVolumeClaim", namespaced: true },
  jobs: { group: "batch", version: "v1", kind: "Job", namespaced: true },
};

/** How a test can put a pod. */
export type PodState =
  | { state: "scheduled" }
  | { state: "unschedulable"; message?: string }
  | { state: "image-pull"; reason?: "ErrImagePull" | "ImagePullBackOff"; message?: string }
  | { state: "running" }
  | { state: "succeeded"; log?: string }
  | { state: "failed"; exitCode?: number; log?: string }
  | { state: "oomkilled"; log?: string }
  | { state: "evicted"; message?: string }
  | { state: "preempted" };

const UNSCHEDULABLE = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";

export class KubeEmulator {
  readonly requests: RecordedRequest[] = [];
  /** The bearer token a request must carry. */
  token = "emulator-token";
  /** How long a deleted Job stays (with a deletionTimestamp) before it is gone, and its pods after it. */
  jobDeleteDelayMs = 0;
  podDeleteDelayMs = 20;
  /** Called after the emulator created a Job's pods (a test's stand-in kubelet hooks in here). */
  onJobCreated: ((job: KubeObject) => void) | null = null;

  private readonly objects = new Map<string, KubeObject>();
  private readonly logs = new Map<string, string>();
  private readonly injections: Injection[] = [];
  private readonly forbidden: { verb: string; resource: string }[] = [];
  private version = 1;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<KubeEmulator> {
    let emulator!: KubeEmulator;
    const server = createServer((req, res) => void emulator.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    emulator = new KubeEmulator(server, `http://127.0.0.1:${port}`);
    emulator.addNamespace("default");
    return emulator;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Writes a kubeconfig with a token user for this server into `dir`; returns its path. */
  kubeconfig(dir: string, options: { context?: string; token?: string; namespace?: string } = {}): string {
    const context = options.context ?? "emulator";
    const path = join(dir, "kubeconfig");
    writeFileSync(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: emulator",
        "    cluster:",
        `      server: ${this.url}`,
        // Plain HTTP: the client allows it only when TLS verification is off.
        "      insecure-skip-tls-verify: true",
        "users:",
        "  - name: tester",
        "    user:",
        `      token: ${options.token ?? this.token}`,
        "contexts:",
        `  - name: ${context}`,
        "    context:",
        "      cluster: emulator",
        "      user: tester",
        ...(options.namespace ? [`      namespace: ${options.namespace}`] : []),
        `current-context: ${context}`,
        "",
      ].join("\n"),
    );
    return path;
  }

  // ---- state a test sets up ----

  addNamespace(name: string): void {
    this.put("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } as KubeObject["metadata"], status: { phase: "Active" } });
  }

  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
    this.put("secrets", namespace, { apiVersion: "v1", kind: "Secret", metadata: { name } as KubeObject["metadata"], type: "Opaque", data: encoded });
  }

  addPvc(namespace: string, name: string): void {
    this.put("persistentvolumeclaims", namespace, { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name } as KubeObject["metadata"], spec: { accessModes: ["ReadWriteMany"] }, status: { phase: "Bound" } });
  }

  /** The next `times` requests matching `method` and `path` get `what` instead of an answer. */
  inject(what: Injected, match: { method?: string; path?: RegExp; times?: number } = {}): void {
    this.injections.push({ method: match.method?.toUpperCase(), path: match.path, times: match.times ?? 1, what });
  }

  /** Answers `verb` (get, list, create, delete, ...) on `resource` (jobs, secrets, ...) with 403 from now on. */
  forbid(verb: string, resource: string): void {
    this.forbidden.push({ verb, resource });
  }

  // ---- reading state ----

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(key(resource, namespace, name));
  }

  list(resource: string, namespace?: string, selector?: string): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${resource}/${namespace ?? ""}/`) || (namespace === undefined && k.startsWith(`${resource}/`)))
      .map(([, o]) => o)
      .filter((o) => matchesSelector(selector, o.metadata.labels));
  }

  /** The pods of a Job, by completion index. */
  pods(namespace: string, job: string): KubeObject[] {
    return this.list("pods", namespace, `job-name=${job}`).sort((a, b) => index(a) - index(b));
  }

  /** Every request body received, as one string (to look for what must never be sent). */
  bodies(): string {
    return this.requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query).toString()}\n${r.body}`).join("\n");
  }

  // ---- driving the Job controller and the kubelet ----

  /** Puts the pod of `job` with completion `idx` in a state, then lets the Job controller react. */
  setPod(namespace: string, job: string, idx: number, to: PodState): KubeObject {
    // The newest pod of that index: after a failure within the backoff limit, its replacement.
    const pod = this.pods(namespace, job).filter((p) => index(p) === idx).sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).at(-1);
    if (!pod) throw new Error(`no pod ${idx} of job ${namespace}/${job}`);
    const now = new Date().toISOString();
    const scheduled = { type: "PodScheduled", status: "True", lastTransitionTime: now };
    const container = (state: Record<string, unknown>, ready = false) => [{ name: "stage", image: pod.spec.containers[0].image, ready, restartCount: 0, state }];
    const terminated = (exitCode: number, reason: string) => container({ terminated: { exitCode, reason, startedAt: now, finishedAt: now } });
    switch (to.state) {
      case "scheduled":
        pod.status = { phase: "Pending", conditions: [scheduled], containerStatuses: container({ waiting: { reason: "ContainerCreating" } }) };
        break;
      case "unschedulable":
        pod.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: to.message ?? UNSCHEDULABLE, lastTransitionTime: now }] };
        break;
      case "image-pull": {
        const reason = to.reason ?? "ImagePullBackOff";
        const message = to.message ?? `Back-off pulling image "${pod.spec.containers[0].image}"`;
        pod.status = { phase: "Pending", conditions: [scheduled], containerStatuses: container({ waiting: { reason, message } }) };
        break;
      }
      case "running":
        pod.status = { phase: "Running", startTime: now, conditions: [scheduled, { type: "Ready", status: "True" }], containerStatuses: container({ running: { startedAt: now } }, true) };
        break;
      case "succeeded":
        pod.status = { phase: "Succeeded", startTime: now, conditions: [scheduled], containerStatuses: terminated(0, "Completed") };
        break;
      case "failed":
        pod.status = { phase: "Failed", startTime: now, conditions: [scheduled], containerStatuses: terminated(to.exitCode ?? 1, "Error") };
        break;
      case "oomkilled":
        pod.status = { phase: "Failed", startTime: now, conditions: [scheduled], containerStatuses: terminated(137, "OOMKilled") };
        break;
      case "evicted":
        pod.status = {
          phase: "Failed", reason: "Evicted", message: to.message ?? "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.", startTime: now,
          conditions: [scheduled, { type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "The node was low on resource: memory." }],
          containerStatuses: terminated(137, "ContainerStatusUnknown"),
        };
        break;
      case "preempted":
        pod.status = {
          phase: "Failed", startTime: now,
          conditions: [scheduled, { type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" }],
          containerStatuses: terminated(137, "Error"),
        };
        break;
    }
    if ("log" in to && to.log !== undefined) this.setLog(namespace, pod.metadata.name, to.log);
    this.touch(pod);
    this.syncJob(namespace, job);
    return pod;
  }

  /** Every pod of the Job in one state. */
  setPods(namespace: string, job: string, to: PodState): void {
    for (const p of this.pods(namespace, job)) this.setPod(namespace, job, index(p), to);
  }

  setLog(namespace: string, pod: string, text: string): void {
    this.logs.set(`${namespace}/${pod}`, text);
  }

  /** The Job ran past activeDeadlineSeconds: the controller fails it and kills its pods. */
  exceedDeadline(namespace: string, job: string): void {
    const j = this.get("jobs", namespace, job);
    if (!j) throw new Error(`no job ${namespace}/${job}`);
    this.failJob(j, "DeadlineExceeded", "Job was active longer than specified deadline");
    for (const p of this.pods(namespace, job)) this.objects.delete(key("pods", namespace, p.metadata.name));
  }

  // ---- the Job controller ----

  private createPods(job: KubeObject): void {
    const completions = Number(job.spec.completions ?? 1);
    for (let i = 0; i < completions; i++) this.createPod(job, i);
    job.status = { startTime: new Date().toISOString(), active: completions, ready: 0, uncountedTerminatedPods: {} };
  }

  private createPod(job: KubeObject, i: number): void {
    const ns = job.metadata.namespace!;
    const template = job.spec.template;
    {
      const labels = {
        ...(template.metadata?.labels ?? {}),
        "batch.kubernetes.io/controller-uid": job.metadata.uid,
        "batch.kubernetes.io/job-name": job.metadata.name,
        "controller-uid": job.metadata.uid,
        "job-name": job.metadata.name,
        "batch.kubernetes.io/job-completion-index": String(i),
      };
      const name = `${job.metadata.name}-${i}-${randomUUID().slice(0, 5)}`;
      this.put("pods", ns, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels, annotations: { "batch.kubernetes.io/job-completion-index": String(i) }, ownerReferences: [{ kind: "Job", name: job.metadata.name, uid: job.metadata.uid, controller: true }] } as unknown as KubeObject["metadata"],
        spec: { ...template.spec, hostname: `${job.metadata.name}-${i}` },
        status: { phase: "Pending" },
      });
    }
  }

  private syncJob(namespace: string, name: string): void {
    const job = this.get("jobs", namespace, name);
    if (!job || terminal(job)) return;
    const pods = this.pods(namespace, name);
    const succeeded = pods.filter((p) => p.status?.phase === "Succeeded").length;
    const failed = pods.filter((p) => p.status?.phase === "Failed").length;
    job.status = { ...job.status, active: pods.length - succeeded - failed, succeeded, failed, ready: pods.filter((p) => p.status?.phase === "Running").length };
    if (failed > Number(job.spec.backoffLimit ?? 6)) {
      this.failJob(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
      for (const p of pods) if (p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded") this.objects.delete(key("pods", namespace, p.metadata.name));
      return;
    }
    // Within the backoff limit, a failed pod's index gets a new pod.
    for (const p of pods.filter((q) => q.status?.phase === "Failed")) {
      const i = index(p);
      if (!pods.some((q) => index(q) === i && q.status?.phase !== "Failed")) this.createPod(job, i);
    }
    if (succeeded >= Number(job.spec.completions ?? 1)) {
      const now = new Date().toISOString();
      job.status = {
        ...job.status, completionTime: now, completedIndexes: pods.map(index).join(","),
        conditions: [{ type: "SuccessCriteriaMet", status: "True", lastTransitionTime: now }, { type: "Complete", status: "True", lastTransitionTime: now }],
      };
      this.touch(job);
    }
  }

  private failJob(job: KubeObject, reason: string, message: string): void {
    const now = new Date().toISOString();
    job.status = { ...job.status, active: 0, conditions: [{ type: "FailureTarget", status: "True", reason, message, lastTransitionTime: now }, { type: "Failed", status: "True", reason, message, lastTransitionTime: now }] };
    this.touch(job);
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const method = (req.method ?? "GET").toUpperCase();
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, authorization: req.headers.authorization });

    const injection = this.injections.find((i) => i.times > 0 && (i.method === undefined || i.method === method) && (i.path === undefined || i.path.test(url.pathname)));
    if (injection) {
      injection.times--;
      const what = injection.what;
      if ("reset" in what) {
        req.socket.destroy();
        return;
      }
      if ("delayMs" in what) await new Promise((r) => setTimeout(r, what.delayMs));
      else return status(res, what.status, what.reason ?? reasonOf(what.status), what.message ?? "an error on the server (\"\") has prevented the request from succeeding");
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) return status(res, 401, "Unauthorized", "Unauthorized");

    const route = parsePath(url.pathname);
    if (!route) return status(res, 404, "NotFound", "the server could not find the requested resource");
    const spec = RESOURCES[route.resource]!;
    const verb = method === "GET" ? (route.name ? "get" : url.searchParams.get("watch") === "true" ? "watch" : "list") : method === "POST" ? "create" : method === "PUT" ? "update" : method === "PATCH" ? "patch" : method === "DELETE" ? "delete" : method.toLowerCase();
    const resourceName = route.sub ? `${route.resource}/${route.sub}` : route.resource;
    if (this.forbidden.some((f) => f.verb === verb && (f.resource === route.resource || f.resource === resourceName))) {
      const group = spec.group ? `.${spec.group}` : "";
      return status(res, 403, "Forbidden", `${route.resource}${group}${route.name ? ` "${route.name}"` : ""} is forbidden: User "system:serviceaccount:ci:intern" cannot ${verb} resource "${resourceName}" in API group "${spec.group}"${route.namespace ? ` in the namespace "${route.namespace}"` : ""}`);
    }
    const what = `${route.resource}${spec.group ? `.${spec.group}` : ""}`;
    if (route.namespace !== undefined && route.resource !== "namespaces" && method === "POST" && !this.get("namespaces", undefined, route.namespace)) {
      return status(res, 404, "NotFound", `namespaces "${route.namespace}" not found`, { name: route.namespace, kind: "namespaces" });
    }

    if (method === "GET" && route.name === undefined) {
      const items = this.list(route.resource, route.namespace, url.searchParams.get("labelSelector") ?? undefined);
      if (url.searchParams.get("watch") === "true") return watch(res, items);
      return json(res, 200, { kind: `${spec.kind}List`, apiVersion: spec.group ? `${spec.group}/${spec.version}` : spec.version, metadata: { resourceVersion: String(this.version) }, items });
    }
    if (method === "POST" && route.name === undefined) {
      let obj: KubeObject;
      try {
        obj = JSON.parse(body) as KubeObject;
      } catch {
        return status(res, 400, "BadRequest", "the body of the request was in an unknown format");
      }
      const name = obj.metadata?.name;
      if (!name) return status(res, 422, "Invalid", `${spec.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
      if (this.get(route.resource, route.namespace, name)) return status(res, 409, "AlreadyExists", `${what} "${name}" already exists`, { name, group: spec.group, kind: route.resource });
      const stored = this.put(route.resource, route.namespace, obj);
      if (route.resource === "jobs") {
        this.createPods(stored);
        this.onJobCreated?.(stored);
      }
      return json(res, 201, stored);
    }

    const existing = route.name !== undefined ? this.get(route.resource, route.namespace, route.name) : undefined;
    if (!existing) return status(res, 404, "NotFound", `${what} "${route.name}" not found`, { name: route.name, group: spec.group, kind: route.resource });

    if (route.sub === "log" && method === "GET") {
      const phase = existing.status?.phase;
      if (phase === "Pending" || phase === undefined) {
        const waiting = existing.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "ContainerCreating";
        return status(res, 400, "BadRequest", `container "stage" in pod "${route.name}" is waiting to start: ${waiting}`);
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(this.logs.get(`${route.namespace}/${route.name}`) ?? "");
      return;
    }
    if (method === "GET") return json(res, 200, existing);
    if (method === "PUT" || method === "PATCH") {
      let patch: KubeObject;
      try {
        patch = JSON.parse(body) as KubeObject;
      } catch {
        return status(res, 400, "BadRequest", "the body of the request was in an unknown format");
      }
      if (route.sub === "status") existing.status = method === "PUT" ? patch.status : { ...existing.status, ...patch.status };
      else if (method === "PUT") {
        const kept = existing.metadata;
        Object.assign(existing, patch, { metadata: { ...patch.metadata, uid: kept.uid, creationTimestamp: kept.creationTimestamp, namespace: kept.namespace } });
      } else Object.assign(existing, { ...patch, metadata: { ...existing.metadata, ...(patch.metadata ?? {}) } });
      this.touch(existing);
      if (route.resource === "pods") this.syncJob(route.namespace!, existing.metadata.labels?.["job-name"] ?? "");
      return json(res, 200, existing);
    }
    if (method === "DELETE") {
      let policy = url.searchParams.get("propagationPolicy") ?? undefined;
      if (body.trim() !== "") {
        try {
          policy = (JSON.parse(body) as { propagationPolicy?: string }).propagationPolicy ?? policy;
        } catch {
          // a body that is not DeleteOptions is ignored, as the server does for an empty one
        }
      }
      this.delete(route.resource, route.namespace, existing, policy ?? (route.resource === "jobs" ? "Orphan" : "Background"));
      return json(res, 200, route.resource === "jobs" || route.resource === "pods" ? existing : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: route.name, kind: route.resource, uid: existing.metadata.uid } });
    }
    return status(res, 405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }

  private delete(resource: string, namespace: string | undefined, obj: KubeObject, policy: string): void {
    const k = key(resource, namespace, obj.metadata.name);
    obj.metadata.deletionTimestamp ??= new Date().toISOString();
    const dependents = resource === "jobs" && policy !== "Orphan" ? this.list("pods", namespace, `controller-uid=${obj.metadata.uid}`) : [];
    const dropPods = () => {
      for (const p of dependents) this.objects.delete(key("pods", namespace, p.metadata.name));
    };
    const dropSelf = () => {
      if (this.objects.get(k) === obj) this.objects.delete(k);
    };
    if (policy === "Foreground") {
      setTimeout(() => {
        dropPods();
        dropSelf();
      }, this.podDeleteDelayMs + this.jobDeleteDelayMs);
      return;
    }
    if (this.jobDeleteDelayMs > 0 && resource === "jobs") setTimeout(dropSelf, this.jobDeleteDelayMs);
    else dropSelf();
    if (dependents.length > 0) setTimeout(dropPods, this.podDeleteDelayMs);
  }

  private put(resource: string, namespace: string | undefined, obj: Omit<KubeObject, "metadata"> & { metadata: Partial<KubeObject["metadata"]> & { name: string } }): KubeObject {
    const spec = RESOURCES[resource]!;
    const stored = structuredClone(obj) as KubeObject;
    stored.apiVersion ??= spec.group ? `${spec.group}/${spec.version}` : spec.version;
    stored.kind ??= spec.kind;
    stored.metadata = { ...stored.metadata, uid: randomUUID(), resourceVersion: String(++this.version), creationTimestamp: new Date().toISOString(), ...(namespace !== undefined ? { namespace } : {}) };
    this.objects.set(key(resource, namespace, stored.metadata.name), stored);
    return stored;
  }

  private touch(obj: KubeObject): void {
    obj.metadata.resourceVersion = String(++this.version);
  }
}

function key(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}/${namespace ?? ""}/${name}`;
}

function index(pod: KubeObject): number {
  return Number(pod.metadata.labels?.["batch.kubernetes.io/job-completion-index"] ?? 0);
}

function terminal(job: KubeObject): boolean {
  return (job.status?.conditions ?? []).some((c: { type: string; status: string }) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

function parsePath(path: string): { resource: string; namespace?: string; name?: string; sub?: string } | null {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let rest: string[];
  if (parts[0] === "api" && parts[1] === "v1") rest = parts.slice(2);
  else if (parts[0] === "apis" && parts[1] === "batch" && parts[2] === "v1") rest = parts.slice(3);
  else return null;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, sub] = rest;
  if (!resource || !(resource in RESOURCES)) return null;
  if (RESOURCES[resource]!.namespaced !== (namespace !== undefined)) return null;
  if (parts[0] === "apis" && resource !== "jobs") return null;
  if (parts[0] === "api" && resource === "jobs") return null;
  if (sub !== undefined && sub !== "status" && !(sub === "log" && resource === "pods")) return null;
  return { resource, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(sub !== undefined ? { sub } : {}) };
}

function reasonOf(code: number): string {
  return ({ 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" } as Record<number, string>)[code] ?? "Unknown";
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** An error in the API server's `Status` shape. */
function status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
  json(res, code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code });
}

/** A watch that sends the current objects as ADDED events and ends (clients re-list and re-watch). */
function watch(res: ServerResponse, items: KubeObject[]): void {
  res.writeHead(200, { "content-type": "application/json" });
  for (const o of items) res.write(`${JSON.stringify({ type: "ADDED", object: o })}\n`);
  res.end();
}
