import { writesLmEvalTask } from "../graph/builtin-stages.js";
import { needOfKind } from "../graph/needs.js";
import type { Stage, StageGraph } from "../graph/types.js";
import { slurmTimeWithin } from "../recipe/duration.js";
import { recipeOfStage } from "../recipe/phases.js";
import type { Recipe } from "../recipe/types.js";
import { environmentDigest, kubernetesName, slurmJobName } from "./job-names.js";
import { initialChoice } from "./search-choice.js";

/** Where the run lives, as the job sees it. */
export interface RunLocation {
  runId: string;
  /** The run folder as jobs see it: a shared filesystem path, or the PVC mount on Kubernetes. */
  runDir: string;
  /** Where provisioned Python environments live (`.intern/envs`). */
  envsDir: string;
  /** The recipe's folder, for resolving relative paths in it. */
  recipeDir: string;
  /** intern's own Python helpers (the builtin evaluator). */
  pythonDir: string;
  /** Their contents by file name: a Kubernetes job carries them in its ConfigMap. */
  pythonHelpers?: Readonly<Record<string, string>>;
  /** GRPO's reward files' text, by the path the recipe names them with (read before rendering). */
  rewardSources?: Readonly<Record<string, string>>;
  /** Folders of stages reused from earlier runs (cache hits), by stage id. */
  stageDirs?: Readonly<Record<string, string>>;
  /**
   * CPU threads per job process when the recipe leaves them to torch: a locked run uses the
   * count its lock recorded, so a rerun on a machine with more cores splits sums the same way.
   */
  threads?: number | null;
  /** The provisioned job environment, once known; render falls back to where it would be. */
  pythonEnv?: { python: string; binDir: string | null };
}

export const KUBERNETES_WORKSPACE = "/workspace";
/** The lm-eval task intern writes for a local benchmark file, by prompt form. */
export const LM_EVAL_TASK_FILES = { plain: "lm-eval-task.yaml", chat: "lm-eval-task-chat.yaml" } as const;
export const KUBERNETES_FILES = "/intern";
export const MAIN_PROCESS_PORT = 29500;

function join(dir: string, ...parts: string[]): string {
  return [dir.replace(/\/+$/, ""), ...parts].join("/");
}

function absolute(base: string, path: string): string {
  return path.startsWith("/") ? path : join(base, path.replace(/^\.\//, ""));
}

/**
 * Where the PVC is mounted in a pod. `apply` keeps runs in `<project>/.intern/runs/<run>` and
 * renders paths as intern sees them, so the claim must hold what pods read from it (the project,
 * the recipe's folder) and is mounted at that same path, as a shared file system is on a login
 * node: the deepest folder holding both (the project folder when they share nothing but the
 * root). intern's own helpers travel in the ConfigMap instead. `render` alone uses /workspace.
 */
function kubernetesWorkspace(loc: RunLocation): string {
  const project = /^(\/.+)\/\.intern\/runs\/[^/]+\/?$/.exec(loc.runDir)?.[1];
  if (project === undefined) return KUBERNETES_WORKSPACE;
  const parts = [project, loc.recipeDir].map((p) => p.split("/").filter((x) => x !== ""));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.length > 0 ? `/${common.join("/")}` : project;
}

export function stageDir(loc: RunLocation, stageId: string): string {
  return loc.stageDirs?.[stageId] ?? join(loc.runDir, "stages", stageId);
}

function python(recipe: Recipe, loc: RunLocation): { python: string; bin_dir: string | null } {
  // A pod runs the image's Python, never an environment provisioned on intern's machine.
  if (recipe.compute.backend === "kubernetes") return { python: "python3", bin_dir: null };
  if (loc.pythonEnv) return { python: loc.pythonEnv.python, bin_dir: loc.pythonEnv.binDir };
  const env = recipe.compute.environment;
  if (recipe.compute.slurm.container_image !== undefined && recipe.compute.backend === "slurm") {
    return { python: "python3", bin_dir: null };
  }
  if (env.kind === "python") {
    const dir = env.python.includes("/") ? env.python.slice(0, env.python.lastIndexOf("/")) : null;
    return { python: env.python, bin_dir: dir };
  }
  const dir = join(loc.envsDir, environmentDigest(env.requirements), "bin");
  return { python: join(dir, "python"), bin_dir: dir };
}

/** Requests equal limits, so a training pod gets exactly what it asked for (Guaranteed QoS). */
function kubernetesResources(gpuResource: string, gpus: number, cpu: string | undefined, memory: string | undefined) {
  const limits: Record<string, string | number> = {};
  if (gpus > 0) limits[gpuResource] = gpus;
  if (cpu !== undefined) limits.cpu = cpu;
  if (memory !== undefined) limits.memory = memory;
  const requests = Object.fromEntries(Object.entries(limits).filter(([k]) => k === "cpu" || k === "memory"));
  return Object.keys(requests).length > 0 ? { limits, requests } : { limits };
}

/** The TRL config a train stage writes: `sft.yaml`, `dpo.yaml`. */
export function trlConfigFile(recipe: Recipe): string {
  return `${recipe.training.method}.yaml`;
}

/** The module that holds intern's builtin rewards, written beside a GRPO stage's config. */
export const BUILTIN_REWARDS_MODULE = "intern_rewards";

/**
 * GRPO's reward functions as `trl grpo` names them: TRL's builtins by name, intern's as
 * `intern_rewards.<name>`, a recipe file's as `recipe_reward_<n>.<function>` (files numbered from
 * 1 in the order the recipe first names them); and the recipe files by module file name.
 */
export function rewardModules(recipe: Recipe): { names: string[]; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const byPath = new Map<string, string>();
  const names = recipe.training.rewards.map((r) => {
    if (r.kind === "builtin") return r.builtin === "exact_answer" ? `${BUILTIN_REWARDS_MODULE}.${r.builtin}` : r.builtin;
    let module = byPath.get(r.file);
    if (module === undefined) {
      module = `recipe_reward_${byPath.size + 1}`;
      byPath.set(r.file, module);
      files[`${module}.py`] = r.file;
    }
    return `${module}.${r.function}`;
  });
  return { names, files };
}

/** Where the base model is, as a job sees it: a Hub id, a local folder, or a stage's `model/`. */
function baseModelPath(recipe: Recipe, loc: RunLocation): string {
  const m = recipe.baseModel;
  if (m.kind === "hub") return m.id;
  if (m.kind === "stage") return join(stageDir(loc, m.stage), "model");
  return absolute(loc.recipeDir, m.path);
}

/** The TRL config (`trl sft` or `trl dpo`) as ordered key/value entries: what intern sets, then the recipe's keys. */
function trlEntries(recipe: Recipe, stage: Stage, loc: RunLocation, dataDir: string, overrides: Record<string, unknown>, before: Stage | undefined): { key: string; value: unknown }[] {
  const m = recipe.baseModel;
  // A later stage of a chain starts from the model the stage before it wrote; `trl dpo` and `trl kto`
  // load their reference model from the same path, so that model is also the reference.
  const start = before ? join(stageDir(loc, before.id), "model") : baseModelPath(recipe, loc);
  const entries: [string, unknown][] = [
    ["model_name_or_path", start],
    ...(m.kind === "hub" && !before ? [["model_revision", m.revision] as [string, unknown]] : []),
    ["trust_remote_code", m.trustRemoteCode],
    ["dataset_name", dataDir],
    ["dataset_train_split", "train"],
    ["output_dir", join(stageDir(loc, stage.id), "model")],
  ];
  const p = recipe.training.peft;
  if (p) {
    entries.push(["use_peft", true], ["lora_r", p.r], ["lora_alpha", p.alpha], ["lora_dropout", p.dropout], ["lora_target_modules", p.targetModules === "all-linear" ? ["all-linear"] : p.targetModules]);
  }
  // TRL's configs default bf16 to true, and `trl` refuses that on a machine without a GPU
  // unless use_cpu is set; a CPU job trains in full precision, as its accelerate config says.
  // Deterministic algorithms cost nothing on a CPU: on by default there (a recipe may turn them off).
  const cpu = stage.resources!.gpus === 0 ? { use_cpu: true, bf16: false, full_determinism: true } : {};
  // Portable CPU kernels: torch's fused AdamW, whose square roots are its own vector code; the
  // default optimizer's go through MKL's vector math, which computes them differently on Intel and
  // AMD processors whatever MKL_CBWR says. A recipe that names its optimizer keeps it.
  const portable = stage.resources!.gpus === 0 && recipe.compute.cpuKernels === "portable" ? { optim: "adamw_torch_fused" } : {};
  const hp: Record<string, unknown> = { report_to: "none", ...cpu, ...portable, ...recipe.training.hyperparameters };
  for (const [k, range] of Object.entries(recipe.training.searchSpace)) hp[k] = k in overrides ? overrides[k] : initialChoice(range);
  for (const [k, v] of Object.entries(hp)) entries.push([k, v]);
  if (recipe.training.method === "grpo") {
    entries.push(["reward_funcs", rewardModules(recipe).names], ["reward_weights", recipe.training.rewards.map((w) => w.weight)]);
  }
  return entries.map(([key, value]) => ({ key, value }));
}

/**
 * Everything a job stage's templates may read. Every field is present (null when unused), so
 * strict mode catches a misspelled name in a template instead of rendering it empty.
 */
export function stageContext(whole: Recipe, graph: StageGraph, stage: Stage, loc: RunLocation, overrides: Record<string, unknown> = {}, timeLimitSeconds?: number) {
  const recipe = recipeOfStage(whole, stage);
  const res = stage.resources!;
  // The limit the job runs under: the stage's own, or what the budget left of it.
  const limit = timeLimitSeconds !== undefined && timeLimitSeconds > 0 ? Math.min(timeLimitSeconds, res.timeLimitSeconds) : res.timeLimitSeconds;
  const dir = stageDir(loc, stage.id);
  const backend = recipe.compute.backend;
  const prepare = needOfKind(graph, stage, "prepare");
  const train = needOfKind(graph, stage, "train");
  const dataDir = prepare ? join(stageDir(loc, prepare.id), "data") : join(dir, "data");
  const py = python(recipe, loc);
  const k8sName = kubernetesName(recipe.name, stage.id, stage.key);
  const multiNode = res.nodes > 1;
  const m = recipe.baseModel;
  const b = recipe.benchmark;
  const s = recipe.compute.slurm;
  const k = recipe.compute.kubernetes;
  const evalModel = train ? { path: join(stageDir(loc, train.id), "model"), revision: null } : { path: baseModelPath(recipe, loc), revision: m.kind === "hub" ? m.revision : null };
  return {
    recipe: { name: recipe.name },
    stage: { id: stage.id, name: stage.name, kind: stage.kind, pass: stage.pass, key: stage.key, description: stage.description },
    run: { id: loc.runId, dir: loc.runDir },
    paths: {
      stage_dir: dir,
      data_dir: dataDir,
      run_script: join(backend === "kubernetes" ? KUBERNETES_FILES : dir, "run.sh"),
      trl_config: join(backend === "kubernetes" ? KUBERNETES_FILES : dir, trlConfigFile(recipe)),
      accelerate_config: join(backend === "kubernetes" ? KUBERNETES_FILES : dir, "accelerate.yaml"),
      log: join(dir, "job.log"),
      results: join(dir, "results"),
    },
    env: { python: py.python, bin_dir: py.bin_dir },
    job: {
      nodes: res.nodes,
      gpus: res.gpus,
      gpus_per_node: res.gpusPerNode,
      multi_node: multiNode,
      time_seconds: Math.max(1, Math.floor(limit)),
      threads: recipe.compute.threads ?? loc.threads ?? null,
      portable_cpu_kernels: recipe.compute.cpuKernels === "portable",
      time: slurmTimeWithin(limit),
      port: MAIN_PROCESS_PORT,
    },
    slurm: {
      job_name: slurmJobName(recipe.name, stage.id),
      comment: `intern:run=${loc.runId}:stage=${stage.id}:key=${stage.key.slice(0, 16)}`,
      partition: s.partition ?? null,
      account: s.account ?? null,
      qos: s.qos ?? null,
      constraint: s.constraint ?? null,
      cpus_per_task: s.cpus_per_task ?? null,
      mem: s.mem ?? null,
      gres: s.gpu_request !== "gpus-per-node" && res.gpusPerNode > 0 ? `gpu:${res.gpusPerNode}` : null,
      gpus_per_node: s.gpu_request === "gpus-per-node" && res.gpusPerNode > 0 ? res.gpusPerNode : null,
      container_image: s.container_image ?? null,
      container_mounts: [`${loc.runDir}:${loc.runDir}`, ...(s.container_mounts ?? [])].join(","),
      extra: s.extra_sbatch ?? [],
    },
    kubernetes: {
      name: k8sName,
      namespace: k.namespace,
      image: k.image ?? null,
      gpu_resource: k.gpu_resource,
      resources: kubernetesResources(k.gpu_resource, res.gpusPerNode, k.cpu, k.memory),
      node_selector: k.node_selector ?? null,
      tolerations: k.tolerations ?? null,
      priority_class: k.priority_class ?? null,
      service_account: k.service_account ?? null,
      image_pull_secrets: (k.image_pull_secrets ?? []).map((name) => ({ name })),
      pvc: k.pvc ?? null,
      secret: k.secret ?? null,
      ttl: k.ttl_seconds_after_finished,
      // intern's retry policy (compute.retry) decides what runs again, by failure kind, with a new
      // Job per attempt; Kubernetes retrying pods as well would multiply attempts and retry failures
      // the recipe does not name.
      backoff_limit: 0,
      head_addr: `${k8sName}-0.${k8sName}`,
      workspace: kubernetesWorkspace(loc),
      files_dir: KUBERNETES_FILES,
      labels: {
        "app.kubernetes.io/managed-by": "intern",
        "app.kubernetes.io/name": recipe.name,
        "intern.dev/run": loc.runId,
        "intern.dev/stage": stage.id.replace(/[^A-Za-z0-9._-]/g, "-"),
        "intern.dev/key": stage.key.slice(0, 16),
      },
    },
    accelerate: {
      num_machines: res.nodes,
      num_processes: Math.max(1, res.gpus),
      mixed_precision: recipe.compute.mixedPrecision,
    },
    trl: { command: recipe.training.method, entries: trlEntries(recipe, stage, loc, dataDir, overrides, stage.kind === "train" ? train : undefined) },
    eval: {
      harness: b.harness,
      task: b.task,
      metric: b.metric,
      num_fewshot: b.numFewshot,
      limit: b.limit,
      batch_size: String(b.batchSize),
      model: evalModel.path,
      revision: evalModel.revision,
      trust_remote_code: m.trustRemoteCode,
      data_path: b.data.kind === "local" ? absolute(loc.recipeDir, b.data.path) : null,
      // The lm-eval task intern writes for a local file: its name, and where the job reads its two
      // forms (the job's folder, or the ConfigMap's on Kubernetes; never a path with a comma, which
      // lm-eval's --tasks would split).
      task_name: `intern-${b.name}`,
      task_files: writesLmEvalTask(recipe)
        ? Object.fromEntries(Object.entries(LM_EVAL_TASK_FILES).map(([form, file]) => [form, backend === "kubernetes" ? join(KUBERNETES_FILES, file) : file]))
        : null,
      script: join(backend === "kubernetes" ? KUBERNETES_FILES : loc.pythonDir, "evaluate_builtin.py"),
      device: stage.resources!.gpus > 0 ? "cuda" : "cpu",
    },
    command: { run: typeof stage.params.run === "string" ? stage.params.run : null },
    fingerprint: { script: join(backend === "kubernetes" ? KUBERNETES_FILES : loc.pythonDir, "fingerprint.py") },
  };
}
