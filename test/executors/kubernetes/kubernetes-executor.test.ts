import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubernetesExecutor, type KubernetesExecutorOptions } from "../../../src/executors/kubernetes/kubernetes-executor.js";
import { parseRef } from "../../../src/executors/kubernetes/job-ref.js";
import { failure } from "../../helpers/errors.js";
import { KubeEmulator } from "../../kubernetes/emulator.js";
import { renderedStage, type StageFolder } from "../../kubernetes/stage-fixture.js";

let emu: KubeEmulator;
let kubeconfig: string;
let problems: string[];

beforeEach(async () => {
  emu = await KubeEmulator.start();
  emu.addNamespace("ml");
  kubeconfig = emu.kubeconfig(mkdtempSync(join(tmpdir(), "intern-kubeconfig-")), { context: "lab" });
  problems = [];
});

afterEach(async () => {
  await emu.close();
});

function executor(options: Partial<KubernetesExecutorOptions> = {}): KubernetesExecutor {
  return new KubernetesExecutor({
    env: { KUBECONFIG: kubeconfig },
    onProblem: (p) => problems.push(p),
    retryWindowMs: 5000,
    cancelIntervalMs: 20,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    ...options,
  });
}

/** The same stage folder as another run of the same recipe would render it: same Job name, another run label. */
function otherRun(stage: StageFolder, run: string): StageFolder {
  const dir = join(mkdtempSync(join(tmpdir(), "intern-k8s-stage-")), "train");
  cpSync(stage.job.dir, dir, { recursive: true });
  const path = join(dir, "job.yaml");
  writeFileSync(path, readFileSync(path, "utf8").replaceAll('"intern.dev/run": "run-a"', `"intern.dev/run": "${run}"`));
  return { ...stage, job: { ...stage.job, dir, script: path } };
}

const posts = () => emu.requests.filter((r) => r.method === "POST").map((r) => r.path);

describe("KubernetesExecutor: submit, poll, logs", () => {
  let stage: StageFolder;
  beforeEach(async () => {
    stage = await renderedStage();
  });

  it("creates the ConfigMap, the Service and the Job, in that order, with the time limit the Job was rendered with", async () => {
    const rendered = readFileSync(stage.job.script, "utf8").match(/activeDeadlineSeconds: (\d+)/)![1];
    const ref = await executor().submit({ ...stage.job, timeLimitSeconds: 420 });
    expect(posts()).toEqual(["/api/v1/namespaces/ml/configmaps", "/api/v1/namespaces/ml/services", "/apis/batch/v1/namespaces/ml/jobs"]);
    const job = emu.get("jobs", "ml", stage.name)!;
    expect(parseRef(ref)).toMatchObject({ namespace: "ml", name: stage.name, uid: job.metadata.uid, run: "run-1", dir: stage.job.dir });
    // The file shows what runs: the executor sends it as rendered (the budget's cut is rendered in).
    expect(job.spec.activeDeadlineSeconds).toBe(Number(rendered));
    expect(job.spec.completionMode).toBe("Indexed");
    expect(job.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "intern", "intern.dev/run": "run-1", "intern.dev/stage": "train" });
    expect(emu.get("configmaps", "ml", stage.name)?.data?.["run.sh"]).toContain("training on");
    expect(emu.get("services", "ml", stage.name)?.spec.clusterIP).toBe("None");
    expect(executor().label(ref)).toBe(`Kubernetes Job ml/${stage.name}`);
  });

  it("polls pending, running and succeeded, and writes the pod's log into job.log", async () => {
    const ex = executor();
    const ref = await ex.submit(stage.job);
    expect((await ex.poll([ref])).get(ref)).toMatchObject({ state: "pending", reason: null });
    emu.setPod("ml", stage.name, 0, { state: "running" });
    expect((await ex.poll([ref])).get(ref)?.state).toBe("running");
    expect(existsSync(join(stage.job.dir, "job.log"))).toBe(false);
    emu.setPod("ml", stage.name, 0, { state: "succeeded", log: "step 1: loss 2.1\nstep 2: loss 1.4\n" });
    expect((await ex.poll([ref])).get(ref)).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(readFileSync(ex.logPath(stage.job), "utf8")).toBe("step 1: loss 2.1\nstep 2: loss 1.4\n");
  });

  it("brings job.log up to date with the running pod's log on request, as the final log will begin, and never over the final log", async () => {
    const ex = executor();
    const ref = await ex.submit(stage.job);
    const log = ex.logPath(stage.job);
    // Not started: no log to read, nothing written.
    await ex.refreshLog(ref);
    expect(existsSync(log)).toBe(false);
    emu.setPod("ml", stage.name, 0, { state: "running" });
    emu.setLog("ml", emu.pods("ml", stage.name)[0]!.metadata.name, "\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]");
    const before = emu.requests.length;
    await ex.refreshLog(ref);
    expect(emu.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/\/[^/]+\/log$/, "/POD/log")}`)).toEqual(["GET /api/v1/namespaces/ml/pods", "GET /api/v1/namespaces/ml/pods/POD/log"]);
    expect(readFileSync(log, "utf8")).toBe("\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]");
    emu.setPod("ml", stage.name, 0, { state: "failed", exitCode: 1, log: "\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]\nRuntimeError: out of memory" });
    expect((await ex.poll([ref])).get(ref)?.state).toBe("failed");
    const final = readFileSync(log, "utf8");
    expect(final.startsWith("\r 10%|█         | 1/10 [00:01<00:09,  1.00it/s]\nRuntimeError: out of memory\nintern: Kubernetes Job")).toBe(true);
    // The Job ended: a refresh leaves its final log alone, and asks nothing.
    const after = emu.requests.length;
    await ex.refreshLog(ref);
    expect(readFileSync(log, "utf8")).toBe(final);
    expect(emu.requests.length).toBe(after);
  });

  it("makes one list of Jobs and one of pods per poll, whatever the number of jobs", async () => {
    const ex = executor();
    const others = [await renderedStage({ stage: "baseline" }), await renderedStage({ stage: "evaluate" })];
    const refs = [await ex.submit(stage.job), ...(await Promise.all(others.map((s) => ex.submit(s.job))))];
    const before = emu.requests.length;
    const st = await ex.poll(refs);
    const during = emu.requests.slice(before);
    expect(st.size).toBe(3);
    expect(during.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /apis/batch/v1/namespaces/ml/jobs", "GET /api/v1/namespaces/ml/pods"]);
    expect(during[0]!.query.labelSelector).toBe("app.kubernetes.io/managed-by=intern,intern.dev/run=run-1");
  });

  it("writes every pod's log under a header naming its rank for a multi-node Job", async () => {
    const multi = await renderedStage({ stage: "train" });
    const ex = executor();
    const ref = await ex.submit(multi.job);
    // The fixture trains on one node; a second completion stands in for a second node.
    const job = emu.get("jobs", "ml", multi.name)!;
    expect(emu.pods("ml", multi.name)).toHaveLength(job.spec.completions);
    emu.setPods("ml", multi.name, { state: "succeeded", log: "done\n" });
    await ex.poll([ref]);
    expect(readFileSync(join(multi.job.dir, "job.log"), "utf8")).toBe("done\n");
  });
});

describe("KubernetesExecutor: idempotent submission and re-attach", () => {
  it("adopts the stage's own Job on 409 AlreadyExists instead of creating a second one", async () => {
    const stage = await renderedStage();
    const first = await executor().submit(stage.job);
    // A crash before the job_submitted event: a fresh intern submits the same stage again.
    const second = await executor().submit(stage.job);
    expect(parseRef(second).uid).toBe(parseRef(first).uid);
    expect(emu.list("jobs", "ml")).toHaveLength(1);
    expect(emu.requests.some((r) => r.method === "POST" && r.path.endsWith("/configmaps"))).toBe(true);
    expect(posts().filter((p) => p.endsWith("/jobs"))).toHaveLength(1);
  });

  it("re-attaches after a crash: a fresh executor finds the Job by its labels from the stage folder alone", async () => {
    const stage = await renderedStage();
    const ref = await executor().submit(stage.job);
    const fresh = executor();
    const found = await fresh.find({ ...stage.job, script: "", env: {} });
    expect(found).not.toBeNull();
    expect(parseRef(found!).uid).toBe(parseRef(ref).uid);
    const list = emu.requests.filter((r) => r.method === "GET" && r.path.endsWith("/jobs")).at(-1)!;
    expect(list.query.labelSelector).toContain("intern.dev/stage=train");
    expect(list.query.labelSelector).toContain("intern.dev/run=run-1");
    emu.setPods("ml", stage.name, { state: "succeeded" });
    expect((await fresh.poll([found!])).get(found!)?.state).toBe("succeeded");
  });

  it("finds nothing for a stage that was never submitted", async () => {
    const stage = await renderedStage();
    expect(await executor().find(stage.job)).toBeNull();
  });

  it("refuses to take over a live Job of another run that has the same name", async () => {
    const a = await renderedStage({ runId: "run-a" });
    const b = otherRun(a, "run-b");
    expect(readFileSync(b.job.script, "utf8")).toContain("run-b");
    await executor().submit(a.job);
    const e = await failure(executor().submit(b.job));
    expect(e.code).toBe("INTERN_K8S_NAME_TAKEN");
    expect(e.message).toContain("run-a");
    expect(emu.get("jobs", "ml", a.name)?.metadata.labels?.["intern.dev/run"]).toBe("run-a");
  });

  it("replaces a finished Job of another run that has the same name", async () => {
    const a = await renderedStage({ runId: "run-a" });
    const b = otherRun(a, "run-b");
    await executor().submit(a.job);
    emu.setPods("ml", a.name, { state: "failed", exitCode: 1 });
    const ref = await executor().submit(b.job);
    expect(emu.get("jobs", "ml", b.name)?.metadata.labels?.["intern.dev/run"]).toBe("run-b");
    expect(parseRef(ref).run).toBe("run-b");
  });

  it("discard deletes the Job an earlier attempt left, so the next attempt can take its name", async () => {
    const stage = await renderedStage();
    const ex = executor();
    const first = await ex.submit(stage.job);
    emu.setPods("ml", stage.name, { state: "evicted" });
    await ex.discard({ dir: stage.job.dir });
    expect(emu.get("jobs", "ml", stage.name)).toBeUndefined();
    const second = await ex.submit(stage.job);
    expect(parseRef(second).uid).not.toBe(parseRef(first).uid);
  });
});

describe("KubernetesExecutor: verdicts", () => {
  let stage: StageFolder;
  let ex: KubernetesExecutor;
  let ref: string;
  beforeEach(async () => {
    stage = await renderedStage();
    ex = executor();
    ref = await ex.submit(stage.job);
  });
  const verdict = async () => (await ex.poll([ref])).get(ref)!;

  it("OOMKilled: out_of_memory, with the hint to lower the batch size or raise compute.kubernetes.memory", async () => {
    emu.setPod("ml", stage.name, 0, { state: "oomkilled", log: "allocating\n" });
    const st = await verdict();
    expect(st).toMatchObject({ state: "failed", failure: "out_of_memory", exitCode: 137 });
    expect(st.reason).toContain("OOMKilled");
    expect(st.hint).toContain("compute.kubernetes.memory");
    expect(readFileSync(join(stage.job.dir, "job.log"), "utf8")).toContain("allocating");
  });

  it("a non-zero exit: failed, with the exit code", async () => {
    emu.setPod("ml", stage.name, 0, { state: "failed", exitCode: 3, log: "RuntimeError: loss is nan\n" });
    const st = await verdict();
    expect(st).toMatchObject({ state: "failed", failure: "failed", exitCode: 3 });
    expect(st.reason).toContain("exited with code 3");
    const log = readFileSync(join(stage.job.dir, "job.log"), "utf8");
    expect(log).toContain("RuntimeError: loss is nan");
    expect(log).toContain("exited with code 3");
  });

  it("evicted: retried as preempted (pushed off its node, not the job's own doing)", async () => {
    emu.setPod("ml", stage.name, 0, { state: "evicted" });
    const st = await verdict();
    expect(st).toMatchObject({ state: "failed", failure: "preempted" });
    expect(st.reason).toContain("evicted");
    expect(st.reason).toContain("low on resource: memory");
    expect(st.hint).toContain("compute.retry.on");
  });

  it("preempted by the scheduler: preempted", async () => {
    emu.setPod("ml", stage.name, 0, { state: "preempted" });
    expect(await verdict()).toMatchObject({ state: "failed", failure: "preempted" });
  });

  it("DeadlineExceeded: timeout, with the time-limit hint", async () => {
    emu.setPod("ml", stage.name, 0, { state: "running" });
    await verdict();
    emu.exceedDeadline("ml", stage.name);
    const st = await verdict();
    expect(st).toMatchObject({ state: "timeout", failure: "timeout" });
    expect(st.reason).toContain("DeadlineExceeded");
    expect(st.hint).toContain("training.time_limit");
    expect(readFileSync(join(stage.job.dir, "job.log"), "utf8")).toContain("no pod of Job");
  });

  it("unschedulable: pending with the scheduler's message, said once; a deadline then names it", async () => {
    emu.setPod("ml", stage.name, 0, { state: "unschedulable" });
    const st = await verdict();
    expect(st.state).toBe("pending");
    expect(st.reason).toContain("Insufficient nvidia.com/gpu");
    expect(st.hint).toContain("compute.kubernetes.gpu_resource");
    await verdict();
    expect(problems.filter((p) => p.includes("Insufficient nvidia.com/gpu"))).toHaveLength(1);
    emu.exceedDeadline("ml", stage.name);
    const late = await verdict();
    expect(late).toMatchObject({ state: "timeout" });
    expect(late.reason).toContain("Insufficient nvidia.com/gpu");
  });

  it("ImagePullBackOff: failed with the image hint, and the stuck Job is deleted", async () => {
    emu.setPod("ml", stage.name, 0, { state: "image-pull", reason: "ErrImagePull" });
    expect(await verdict()).toMatchObject({ state: "pending" });
    emu.setPod("ml", stage.name, 0, { state: "image-pull", reason: "ImagePullBackOff" });
    const st = await verdict();
    expect(st).toMatchObject({ state: "failed", failure: "failed" });
    expect(st.reason).toContain("ghcr.io/acme/trl:1.13");
    expect(st.hint).toContain("compute.kubernetes.image");
    expect(emu.get("jobs", "ml", stage.name)).toBeUndefined();
  });

  it("a Job deleted outside intern: lost; one being deleted: cancelled", async () => {
    const job = emu.get("jobs", "ml", stage.name)!;
    job.metadata.deletionTimestamp = new Date().toISOString();
    expect(await verdict()).toMatchObject({ state: "cancelled" });
    emu.jobDeleteDelayMs = 0;
    await ex.cancel(ref);
    expect(await verdict()).toMatchObject({ state: "lost" });
  });

  it("BackoffLimitExceeded with GPU-hours from the Job's start and end", async () => {
    emu.setPod("ml", stage.name, 0, { state: "failed", exitCode: 1 });
    const st = await verdict();
    expect(st.usage).toMatchObject({ gpus: 0 });
    expect(st.usage!.elapsedSeconds).toBeGreaterThanOrEqual(0);
  });
});

describe("KubernetesExecutor: cancel", () => {
  it("deletes the Job with background propagation, its Service and ConfigMap, and returns once they and the pods are gone", async () => {
    const stage = await renderedStage();
    const ex = executor();
    const ref = await ex.submit(stage.job);
    emu.setPod("ml", stage.name, 0, { state: "running" });
    emu.setLog("ml", emu.pods("ml", stage.name)[0]!.metadata.name, "epoch 1\n");
    emu.jobDeleteDelayMs = 150;
    emu.podDeleteDelayMs = 100;
    await ex.cancel(ref);
    expect(emu.get("jobs", "ml", stage.name)).toBeUndefined();
    expect(emu.pods("ml", stage.name)).toHaveLength(0);
    expect(emu.get("services", "ml", stage.name)).toBeUndefined();
    expect(emu.get("configmaps", "ml", stage.name)).toBeUndefined();
    const del = emu.requests.find((r) => r.method === "DELETE" && r.path.endsWith(`/jobs/${stage.name}`))!;
    expect(`${del.body} ${del.query.propagationPolicy ?? ""}`).toContain("Background");
    expect(readFileSync(join(stage.job.dir, "job.log"), "utf8")).toContain("epoch 1");
    expect(problems).toEqual([]);
  });
});

describe("KubernetesExecutor: API errors", () => {
  it("retries a 500 and a connection reset, then succeeds", async () => {
    const stage = await renderedStage();
    emu.inject({ status: 500 }, { method: "POST", path: /\/jobs$/ });
    emu.inject({ reset: true }, { method: "POST", path: /\/services$/ });
    const ref = await executor().submit(stage.job);
    expect(parseRef(ref).name).toBe(stage.name);
    expect(posts().filter((p) => p.endsWith("/jobs"))).toHaveLength(2);
    expect(posts().filter((p) => p.endsWith("/services"))).toHaveLength(2);
    expect(emu.list("jobs", "ml")).toHaveLength(1);
  });

  it("retries a request that does not answer in time", async () => {
    const stage = await renderedStage();
    emu.inject({ delayMs: 1500 }, { method: "POST", path: /\/configmaps$/ });
    await executor({ requestTimeoutMs: 300 }).submit(stage.job);
    expect(posts().filter((p) => p.endsWith("/configmaps"))).toHaveLength(2);
  });

  it("gives up after its window with a clear error naming the context", async () => {
    const stage = await renderedStage();
    emu.inject({ status: 503, message: "etcd is unavailable" }, { method: "POST", times: 1000 });
    const e = await failure(executor({ retryWindowMs: 300 }).submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_UNREACHABLE");
    expect(e.message).toContain('"lab"');
    expect(e.message).toContain("etcd is unavailable");
  });

  it("leaves jobs unknown, never failed, while a poll gets no answer", async () => {
    const stage = await renderedStage();
    const ex = executor();
    const ref = await ex.submit(stage.job);
    emu.inject({ status: 500 }, { method: "GET", path: /\/jobs$/ });
    expect((await ex.poll([ref])).size).toBe(0);
    expect(problems.join("\n")).toContain("did not answer");
    expect((await ex.poll([ref])).get(ref)?.state).toBe("pending");
  });

  it("401: names the context and the verb, with a hint to log in again", async () => {
    const stage = await renderedStage();
    kubeconfig = emu.kubeconfig(mkdtempSync(join(tmpdir(), "intern-kubeconfig-")), { context: "lab", token: "expired" });
    const e = await failure(executor().submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_UNAUTHORIZED");
    expect(e.message).toContain('context "lab"');
    expect(e.message).toContain("get namespace ml");
    expect(e.hint).toContain("log in");
  });

  it("403: names the context, the verb and the object, with the server's reason", async () => {
    const stage = await renderedStage();
    emu.forbid("create", "jobs");
    const e = await failure(executor().submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_FORBIDDEN");
    expect(e.message).toContain('context "lab" may not create job');
    expect(e.message).toContain('cannot create resource "jobs"');
    expect(e.hint).toContain("Role");
  });

  it("an unknown kubeconfig context is a clear error", async () => {
    const stage = await renderedStage();
    const e = await failure(executor({ context: "prod" }).submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_CONFIG");
    expect(e.hint).toContain("lab");
  });
});

describe("KubernetesExecutor: preflight and what is sent", () => {
  it("a missing namespace is an error before anything is created", async () => {
    const stage = await renderedStage({ kubernetes: { namespace: "nowhere" } });
    const e = await failure(executor().submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_NAMESPACE");
    expect(e.message).toContain("nowhere");
    expect(e.hint).toContain("kubectl create namespace nowhere");
    expect(posts()).toEqual([]);
  });

  it("a missing Secret is an error before anything is created", async () => {
    const stage = await renderedStage({ kubernetes: { secret: "hf" } });
    const e = await failure(executor({ secret: "hf" }).submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_SECRET");
    expect(e.message).toContain("Secret hf");
    expect(posts()).toEqual([]);
  });

  it("a missing PersistentVolumeClaim is an error before anything is created", async () => {
    const stage = await renderedStage({ kubernetes: { pvc: "shared" } });
    const e = await failure(executor({ pvc: "shared" }).submit(stage.job));
    expect(e.code).toBe("INTERN_K8S_PVC");
    expect(posts()).toEqual([]);
  });

  it("sends no secret value: HF_TOKEN and MISTRAL_API_KEY reach pods only as secretKeyRef", async () => {
    emu.addSecret("ml", "hf", { HF_TOKEN: "hf_emulatorSecretValue123" });
    const env = { HF_TOKEN: "hf_emulatorSecretValue123", MISTRAL_API_KEY: "mistral-emulator-key-456", INTERN_RUN_DIR: "/shared/run-1", PATH: "/usr/bin" };
    const stage = await renderedStage({ kubernetes: { secret: "hf" }, env });
    const ex = executor({ secret: "hf", env: { KUBECONFIG: kubeconfig, ...env } });
    await ex.submit(stage.job);
    const bodies = emu.bodies();
    expect(bodies).not.toContain("hf_emulatorSecretValue123");
    expect(bodies).not.toContain("mistral-emulator-key-456");
    const container = emu.get("jobs", "ml", stage.name)!.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf", key: "HF_TOKEN", optional: true } } });
    expect(container.env).toContainEqual({ name: "INTERN_RUN_DIR", value: "/shared/run-1" });
    expect(container.env.map((e: { name: string }) => e.name)).not.toContain("PATH");
  });

  it("validates the manifest before sending it: an unknown field is refused and nothing is sent", async () => {
    const stage = await renderedStage();
    const path = join(stage.job.dir, "job.yaml");
    writeFileSync(path, readFileSync(path, "utf8").replace("restartPolicy: Never", "restartPolicy: Never\n      restartPolicyy: Never"));
    const e = await failure(executor().submit(stage.job));
    expect(e.code).toBe("INTERN_MANIFEST_INVALID");
    expect(e.message).toContain("unknown field spec.template.spec.restartPolicyy");
    expect(emu.requests).toEqual([]);
  });
});
