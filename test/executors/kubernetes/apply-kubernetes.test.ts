import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDir } from "../../../src/run/run-store.js";
import { ROOT } from "../../helpers/recipe.js";
import { apply, cleanupEngineTests, events, makeProject, ofType, records, runs, type Project } from "../../helpers/engine.js";
import { lastPoints } from "../../../src/progress/progress-file.js";
import { replayTraining } from "../../helpers/replay-training.js";
import { KubeEmulator } from "../../kubernetes/emulator.js";
import { runPodsHere } from "../../kubernetes/local-kubelet.js";

// The pods run the image's Python: nothing here provisions a local job environment.
afterEach(cleanupEngineTests);

const SECRETS = { HF_TOKEN: "hf_applyEndToEndSecret789", MISTRAL_API_KEY: "mistral-apply-secret-012" };

let emu: KubeEmulator;
let project: Project;
let env: Record<string, string>;
/** An envs folder of its own for each test: a Kubernetes run must leave it uncreated. */
let envs: string;

beforeEach(async () => {
  emu = await KubeEmulator.start();
  emu.addNamespace("ml");
  emu.addSecret("ml", "tokens", SECRETS);
  emu.addPvc("ml", "shared");
  project = makeProject({ changes: { compute: { backend: "local", kubernetes: { namespace: "ml", image: "ghcr.io/acme/trl:1.13", secret: "tokens", pvc: "shared", context: "lab" } } } });
  envs = join(mkdtempSync(join(tmpdir(), "intern-k8s-envs-")), "envs");
  env = { KUBECONFIG: emu.kubeconfig(project.dir, { context: "lab" }), INTERN_ENVS_DIR: envs, ...SECRETS };
});

afterEach(async () => {
  await emu.close();
  rmSync(dirname(envs), { recursive: true, force: true });
});

describe("intern apply --backend kubernetes (against the API emulator)", () => {
  it("runs every job stage as a Kubernetes Job, reads the outputs from the shared stage folders, and sends no secret", async () => {
    runPodsHere(emu);
    const r = await apply(project, ["--backend", "kubernetes"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \S+: succeeded/);
    const all = events(project);
    const submitted = ofType(all, "job_submitted");
    expect(submitted.map((e) => e.stage).sort()).toEqual(["baseline", "evaluate", "train"]);
    // No local job environment: the pods run the image's Python.
    expect(ofType(all, "env_ready")).toEqual([]);
    expect(existsSync(envs)).toBe(false);
    for (const e of submitted) expect(e.job).toMatch(/^Kubernetes Job ml\/engine-fixture-/);
    const jobs = emu.requests.filter((q) => q.method === "POST" && q.path === "/apis/batch/v1/namespaces/ml/jobs");
    expect(jobs).toHaveLength(3);
    // The pods ran the stand-in scripts: the trained model scores above chance, read from the stage folder.
    const done = Object.fromEntries(ofType(all, "stage_done").map((e) => [e.stage, e.outputs.value]));
    expect(done.baseline).toBe(0.25);
    expect(Number(done.evaluate)).toBeGreaterThan(0.5);
    expect(records(project, "train.runs")).toHaveLength(1);
    const run = runDir(project.dir, runs(project)[0]!);
    expect(readFileSync(join(run, "stages", "train", "job.log"), "utf8")).toContain("training on");
    expect(existsSync(join(run, "report.md"))).toBe(true);
    // The claim is mounted where intern sees the project, so pods and intern share the stage folders.
    const job = JSON.parse(jobs[0]!.body);
    expect(job.spec.template.spec.volumes).toContainEqual({ name: "workspace", persistentVolumeClaim: { claimName: "shared" } });
    expect(job.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: "workspace", mountPath: project.dir });
    expect(job.spec.backoffLimit).toBe(0);
    // intern's builtin evaluator travels in the evaluation's ConfigMap, wherever intern is installed.
    const maps = emu.requests.filter((q) => q.method === "POST" && q.path === "/api/v1/namespaces/ml/configmaps").map((q) => JSON.parse(q.body) as { data: Record<string, string> });
    const carried = maps.map((m) => m.data["evaluate_builtin.py"]).filter((f) => f !== undefined);
    expect(carried).toEqual([0, 1].map(() => readFileSync(join(ROOT, "python", "evaluate_builtin.py"), "utf8")));
    const bodies = emu.bodies();
    for (const value of Object.values(SECRETS)) expect(bodies).not.toContain(value);
    // The pods did not get the secrets' values either: only a reference to the Secret.
    expect(existsSync(join(project.records, "train.saw-secrets"))).toBe(false);
  }, 120_000);

  it("follows a training pod's log for its progress: read from the API while the pod runs, all of it in progress.jsonl", async () => {
    runPodsHere(emu);
    replayTraining(project, { delaySeconds: 0.4 });
    const r = await apply(project, ["--backend", "kubernetes", "--output", "json"], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; stage?: string; text?: string; point?: { total?: number } });
    const done = lines.findIndex((l) => l.type === "stage_done" && l.stage === "train");
    const live = lines.slice(0, done).filter((l) => l.type === "progress" && l.stage === "train");
    // The live log reaches this machine at the first tick, then every 10 s: the job runs about 8 s.
    expect(live.length).toBeGreaterThan(0);
    expect(live.some((l) => l.point?.total === 360 || /^Loading weights|^\w+ train dataset/.test(l.text ?? ""))).toBe(true);
    const logReads = emu.requests.filter((q) => q.method === "GET" && /\/pods\/[^/]+\/log$/.test(q.path));
    expect(logReads.length).toBeGreaterThan(1);
    const dir = join(runDir(project.dir, runs(project)[0]!), "stages", "train");
    const points = lastPoints(dir);
    expect(points.filter((p) => p.kind === "log").map((p) => [p.step, p.loss])).toEqual([[60, 2.25], [120, 0.2379], [180, 0.1181], [240, 0.03379], [300, 0.0062], [360, 0.002471]]);
    expect(readFileSync(join(dir, "job.log"), "utf8")).toContain("logging in with no token");
  }, 120_000);

  it("an OOMKilled training pod fails its stage with the Kubernetes reason and hint; the stages after it are skipped", async () => {
    runPodsHere(emu, (job) => (job.metadata.labels?.["intern.dev/stage"] === "train" ? { state: "oomkilled", log: "CUDA out of memory\n" } : "run"));
    const r = await apply(project, ["--backend", "kubernetes"], env);
    expect(r.code).toBe(1);
    const failed = ofType(events(project), "stage_failed");
    expect(failed.map((e) => e.stage)).toEqual(["train"]);
    expect(failed[0]!.error).toContain("ran out of memory");
    expect(failed[0]!.hint).toContain("compute.kubernetes.memory");
    expect(failed[0]!.logTail).toContain("CUDA out of memory");
    expect(r.stdout).toContain("OOMKilled");
  }, 120_000);

  it("a missing Secret stops the run before anything is created", async () => {
    runPodsHere(emu);
    project = makeProject({ changes: { compute: { backend: "kubernetes", kubernetes: { namespace: "ml", image: "ghcr.io/acme/trl:1.13", secret: "absent" } } } });
    const r = await apply(project, [], { ...env, KUBECONFIG: emu.kubeconfig(project.dir, { context: "lab" }) });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("Secret absent (compute.kubernetes.secret) does not exist in namespace ml");
    expect(emu.requests.filter((q) => q.method === "POST")).toEqual([]);
  }, 120_000);
});
