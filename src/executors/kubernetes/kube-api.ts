import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ApiException, BatchV1Api, CoreV1Api, createConfiguration, KubeConfig, Observable, ServerConfiguration, type ObservableMiddleware } from "@kubernetes/client-node";
import { InternError } from "../../errors.js";
import { KubeAnswer } from "./kube-answer.js";

/** Where to find the cluster: the environment intern runs in (KUBECONFIG, HOME) and the recipe's context. */
export interface KubeTarget {
  env: Readonly<Record<string, string>>;
  /** kubeconfig context; the file's current one when unset. */
  context?: string;
}

/** How calls retry: transient failures (5xx, 429, timeouts, connection resets) are tried again with backoff. */
export interface RetryPolicy {
  /** Time limit of one HTTP request. */
  timeoutMs: number;
  /** How long a call keeps trying through transient failures. */
  windowMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** The clients for one kubeconfig context, and one `call` that every request goes through. */
export interface KubeApi {
  core: CoreV1Api;
  batch: BatchV1Api;
  /** The context's name, for messages. */
  context: string;
  server: string;
  /**
   * Runs one request. `verb` and `what` name it for messages (`create`, `jobs in namespace ml`).
   * 404 and 409 come back as a thrown `KubeAnswer`; 401/403 and anything not transient as an
   * InternError; transient failures are retried within the policy's window.
   */
  call<T>(verb: string, what: string, request: (options: { middleware: ObservableMiddleware[]; middlewareMergeStrategy: "append" }) => Promise<T>, retry?: Partial<RetryPolicy>): Promise<T>;
}

/** Loads the kubeconfig the way kubectl does: every file in KUBECONFIG, else ~/.kube/config, else the pod's service account. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  const files = (target.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== "");
  const home = target.env.HOME ? join(target.env.HOME, ".kube", "config") : null;
  try {
    if (files.length > 0) {
      const missing = files.find((f) => !existsSync(f));
      if (missing) throw new InternError("INTERN_K8S_CONFIG", `KUBECONFIG names ${missing}, which does not exist`, { hint: "point KUBECONFIG at your cluster's kubeconfig file" });
      kc.loadFromFile(files[0]!);
      for (const f of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
    } else if (home !== null && existsSync(home)) kc.loadFromFile(home);
    else if (target.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else {
      throw new InternError("INTERN_K8S_CONFIG", "no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist", {
        hint: "set KUBECONFIG to your cluster's kubeconfig file (the one kubectl uses)",
      });
    }
  } catch (error) {
    if (error instanceof InternError) throw error;
    throw new InternError("INTERN_K8S_CONFIG", `cannot read the kubeconfig: ${error instanceof Error ? error.message : String(error)}`, { hint: "check the file KUBECONFIG names (or ~/.kube/config) with `kubectl config view`" });
  }
  if (target.context !== undefined) {
    if (kc.getContextObject(target.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new InternError("INTERN_K8S_CONFIG", `the kubeconfig has no context ${JSON.stringify(target.context)}`, {
        hint: known.length > 0 ? `compute.kubernetes.context must be one of: ${known.join(", ")}` : "the kubeconfig defines no context",
      });
    }
    kc.setCurrentContext(target.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InternError("INTERN_K8S_CONFIG", `the kubeconfig's context ${JSON.stringify(kc.getCurrentContext())} names no cluster`, { hint: "set compute.kubernetes.context, or `kubectl config use-context`" });
  }
  return kc;
}

/** Node's and node-fetch's words for a connection that failed or was cut. */
const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|socket hang up|network timeout|aborted/i;

function networkError(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: string }).code ?? "";
  if (error.name === "AbortError" || error.name === "TimeoutError") return "no answer in time";
  if (NETWORK.test(code) || NETWORK.test(error.message) || (error as { type?: string }).type === "system") return code ? `${code}: ${error.message}` : error.message;
  return null;
}

/** The API server's own words from a `Status` body, when there is one. */
function statusMessage(error: InstanceType<typeof ApiException>): string {
  const body = error.body as unknown;
  const parsed = typeof body === "string" ? tryJson(body) : body;
  if (parsed && typeof parsed === "object" && typeof (parsed as { message?: unknown }).message === "string") return (parsed as { message: string }).message;
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 500);
  return error.code === 401 ? "Unauthorized" : `HTTP ${error.code}`;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function transient(code: number): boolean {
  return code >= 500 || code === 429;
}

/** A client for the kubeconfig's context; each request carries its own time limit. */
export function connect(target: KubeTarget, policy: RetryPolicy): KubeApi {
  const kc = loadKubeConfig(target);
  const cluster = kc.getCurrentCluster()!;
  const context = kc.getCurrentContext();
  const config = createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: kc } });
  const core = new CoreV1Api(config);
  const batch = new BatchV1Api(config);
  const call = async <T>(verb: string, what: string, request: (options: { middleware: ObservableMiddleware[]; middlewareMergeStrategy: "append" }) => Promise<T>, override: Partial<RetryPolicy> = {}): Promise<T> => {
    const p = { ...policy, ...override };
    const deadline = Date.now() + p.windowMs;
    let lastProblem = "";
    for (let wait = 250; ; wait = Math.min(wait * 2, 8000)) {
      const timeout: ObservableMiddleware = {
        pre: (ctx) => {
          ctx.setSignal(AbortSignal.timeout(p.timeoutMs));
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx) => new Observable(Promise.resolve(ctx)),
      };
      try {
        return await request({ middleware: [timeout], middlewareMergeStrategy: "append" });
      } catch (error) {
        if (error instanceof ApiException) {
          const code = error.code as number;
          const message = statusMessage(error);
          if (code === 404) throw new KubeAnswer(404, message);
          if (code === 409) throw new KubeAnswer(409, message);
          if (code === 401) {
            throw new InternError("INTERN_K8S_UNAUTHORIZED", `Kubernetes context ${JSON.stringify(context)} (${cluster.server}) refused to ${verb} ${what}: 401 Unauthorized`, {
              hint: "the context's credentials are missing or expired: log in to the cluster again (your cloud's CLI, or a fresh token in the kubeconfig)",
            });
          }
          if (code === 403) {
            throw new InternError("INTERN_K8S_FORBIDDEN", `Kubernetes context ${JSON.stringify(context)} may not ${verb} ${what}: ${message}`, {
              hint: "intern needs get, list, create and delete on jobs, pods, pods/log, services and configmaps in the namespace; ask the cluster's administrators for a Role that grants them",
            });
          }
          if (!transient(code)) {
            throw new InternError("INTERN_K8S_REJECTED", `Kubernetes refused to ${verb} ${what}: ${message} (HTTP ${code})`, { hint: "the API server's message says what it did not accept" });
          }
          lastProblem = `${message} (HTTP ${code})`;
        } else {
          const net = networkError(error);
          if (net === null) {
            if (error instanceof InternError) throw error;
            throw new InternError("INTERN_K8S_CONFIG", `cannot ${verb} ${what} with Kubernetes context ${JSON.stringify(context)}: ${error instanceof Error ? error.message : String(error)}`, {
              hint: "check the context's cluster and user in the kubeconfig (`kubectl config view --minify`)",
            });
          }
          lastProblem = net;
        }
        if (Date.now() + wait > deadline) {
          throw new InternError("INTERN_K8S_UNREACHABLE", `cannot ${verb} ${what}: the Kubernetes API server of context ${JSON.stringify(context)} (${cluster.server}) did not answer: ${lastProblem}`, {
            hint: "check the cluster with `kubectl get --raw /readyz`; `intern apply` again resumes the run",
          });
        }
        await p.sleep(wait);
      }
    }
  };
  return { core, batch, context, server: cluster.server, call };
}
