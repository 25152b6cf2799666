import type { BenchmarkCopy } from "./benchmark-copies.js";
/**
 * The recipe's two lifecycle types. `RecipeInput` is what the schema admits (optional fields
 * optional); `Recipe` is the normalized form every later step reads (defaults filled, durations
 * in seconds, derived settings decided). Neither is ever mutated after it is made.
 */

export type Harness = "lm-eval" | "lighteval" | "builtin";
export type Backend = "local" | "slurm" | "kubernetes";
export type AccelerateProfile = "cpu" | "single-gpu" | "multi-gpu" | "fsdp2" | "zero3";
export type CpuKernels = "native" | "portable";
export type TrainingMethod = "sft" | "dpo" | "kto" | "grpo";
export type PaperProvider = "hf-papers" | "arxiv" | "semantic-scholar";
export type RetryKind = "node_fail" | "preempted" | "boot_fail" | "timeout" | "out_of_memory" | "failed";

export interface AllowDenyInput {
  allow?: string[];
  deny?: string[];
}

/** Reward functions intern names: its own `exact_answer`, and TRL's from `trl.rewards`. */
export type BuiltinReward = "exact_answer" | "accuracy_reward" | "reasoning_accuracy_reward" | "think_format_reward";

/** A reward function as the recipe names it: a builtin, or a function in a Python file beside the recipe. */
export type RewardInput = { builtin: BuiltinReward; weight?: number } | { file: string; function: string; weight?: number };

/** A reward function with its weight; a file's path is as the recipe names it (relative to the recipe). */
export type Reward = ({ kind: "builtin"; builtin: BuiltinReward } | { kind: "file"; file: string; function: string }) & { weight: number };

export interface DatasetInput {
  id?: string;
  path?: string;
  revision?: string;
  config?: string;
  split?: string;
  license?: string;
  format?: DatasetFormat;
  columns?: { messages?: string; prompt?: string | string[]; completion?: string | string[]; system?: string; text?: string; chosen?: string; rejected?: string; label?: string; answer?: string; keep?: string[] };
  fraction?: number;
  rows?: number;
  max_rows?: number;
}

export interface SearchRangeInput {
  values?: unknown[];
  min?: number;
  max?: number;
  log?: boolean;
}

export interface UserStageInput {
  name: string;
  run: string;
  needs?: string[];
  before?: string[];
  outputs?: string[];
  inputs?: string[];
  placement?: "job" | "control-plane";
  gpus?: number;
  time_limit?: string;
}

/** A later training stage as written under `training.then`. */
export interface TrainingPhaseInput {
  method: TrainingMethod;
  hyperparameters?: Record<string, unknown>;
  time_limit?: string;
}

/** A later training stage: it starts from the model of the one before it. */
export interface TrainingPhase {
  method: TrainingMethod;
  hyperparameters: Record<string, unknown>;
  timeLimitSeconds: number;
}

/** A recipe as written, after schema validation. */
export interface RecipeInput {
  apiVersion: "intern/v1";
  kind: "Recipe";
  name: string;
  goal: string;
  templates?: string;
  base_model: { id?: string; revision?: string; path?: string; stage?: string; trust_remote_code?: boolean };
  benchmark: {
    name: string;
    harness: Harness;
    task?: string;
    metric: string;
    target: number;
    higher_is_better?: boolean;
    num_fewshot?: number;
    limit?: number;
    batch_size?: number | "auto";
    time_limit?: string;
    data?: { dataset?: string; config?: string; revision?: string; split?: string; path?: string };
    also_known_as?: string[];
  };
  budget: {
    gpu_hours?: number;
    wall_clock?: string;
    llm?: { tokens?: number; usd?: number };
    iterations?: number;
  };
  sources?: {
    papers?: { providers?: PaperProvider[]; seed?: string[]; max_papers?: number };
    datasets?: AllowDenyInput;
    models?: AllowDenyInput;
    licenses?: string[];
    allow_gated?: boolean;
    synthetic?: { allow?: boolean; max_examples?: number };
  };
  agent?: {
    provider?: "mistral";
    model?: string;
    server_url?: string;
    temperature?: number;
    seed?: number;
    max_steps?: number;
    max_tokens?: number;
    max_prompt_tokens?: number;
    timeout?: string;
    pricing?: { input_usd_per_mtok: number; output_usd_per_mtok: number };
  };
  data?: {
    datasets?: DatasetInput[];
    seed?: number;
    max_rows?: number;
    dedupe?: boolean;
    decontaminate?: { enabled?: boolean; ngram?: number; threshold?: number };
  };
  training?: {
    method?: TrainingMethod;
    hyperparameters?: Record<string, unknown>;
    rewards?: RewardInput[];
    peft?: { method?: "lora"; r?: number; alpha?: number; dropout?: number; target_modules?: string[] | "all-linear" };
    search_space?: Record<string, SearchRangeInput>;
    time_limit?: string;
    then?: TrainingPhaseInput[];
  };
  compute?: {
    backend?: Backend;
    nodes?: number;
    gpus?: number;
    eval_gpus?: number;
    accelerate?: AccelerateProfile;
    mixed_precision?: "no" | "bf16" | "fp16";
    threads?: number;
    cpu_kernels?: CpuKernels;
    time_limit?: string;
    environment?: { python?: string; requirements?: string[] };
    retry?: { max_attempts?: number; on?: RetryKind[] };
    slurm?: SlurmSettings;
    kubernetes?: KubernetesSettingsInput;
  };
  stages?: UserStageInput[];
  matrix?: Record<string, unknown[]>;
}

export interface SlurmSettings {
  partition?: string;
  account?: string;
  qos?: string;
  constraint?: string;
  cpus_per_task?: number;
  mem?: string;
  gpu_request?: "gres" | "gpus-per-node";
  container_image?: string;
  container_mounts?: string[];
  extra_sbatch?: string[];
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface KubernetesSettingsInput {
  context?: string;
  namespace?: string;
  image?: string;
  gpu_resource?: string;
  cpu?: string;
  memory?: string;
  node_selector?: Record<string, string>;
  tolerations?: Toleration[];
  priority_class?: string;
  service_account?: string;
  image_pull_secrets?: string[];
  pvc?: string;
  secret?: string;
  ttl_seconds_after_finished?: number;
}

/**
 * TRL's formats a dataset maps to: `conversational` and `prompt-completion` train as conversations,
 * `text` as language modeling (both with `sft`), `preference` as a prompt with a chosen and a
 * rejected answer (with `dpo`), `unpaired-preference` as a prompt, one completion and whether it
 * is desirable (with `kto`), `prompt` as a prompt alone that the model answers and reward
 * functions score (with `grpo`).
 */
export type DatasetFormat = "conversational" | "prompt-completion" | "text" | "preference" | "unpaired-preference" | "prompt";

/** Source columns of a dataset's rows; a prompt or completion of several columns joins them. */
export interface DatasetColumns {
  messages: string | null;
  prompt: string | readonly string[] | null;
  completion: string | readonly string[] | null;
  system: string | null;
  text: string | null;
  /** The preferred answer, for the `preference` format (absent otherwise). */
  chosen?: string;
  /** The answer not preferred, for the `preference` format (absent otherwise). */
  rejected?: string;
  /** Whether the completion is desirable, for the `unpaired-preference` format (absent otherwise). */
  label?: string;
  /** The reference answer, written as `answer`, for the `prompt` format (absent otherwise or when unmapped). */
  answer?: string;
  /** Columns carried to the prepared rows as they are, for reward functions (the `prompt` format). */
  keep?: readonly string[];
}

export interface PinnedDataset {
  /** `owner/name` for Hub datasets, the path as written for local files. */
  source: { kind: "hub"; id: string; revision: string; config: string | null } | { kind: "local"; path: string };
  split: string;
  license: string | null;
  format: DatasetFormat;
  columns: DatasetColumns;
  /** Share of what the counted datasets leave; null when `rows` is set. */
  fraction: number | null;
  /** Exactly this many rows, a seeded sample; null when the dataset has a fraction. */
  rows: number | null;
  maxRows: number | null;
}

export interface SearchRange {
  values: unknown[] | null;
  min: number | null;
  max: number | null;
  log: boolean;
  /** A range over a key TRL reads as an integer: every value chosen in it is a whole number. */
  integer: boolean;
}

export interface UserStage {
  name: string;
  run: string;
  needs: string[];
  before: string[];
  outputs: string[];
  inputs: string[];
  placement: "job" | "control-plane";
  gpus: number;
  timeLimitSeconds: number;
}

/** A validated, normalized recipe: every default decided, durations in seconds. */
export interface Recipe {
  name: string;
  goal: string;
  /** Template override folder as written (relative to the recipe), or null. */
  templates: string | null;
  baseModel:
    | { kind: "hub"; id: string; revision: string; trustRemoteCode: boolean }
    | { kind: "local"; path: string; trustRemoteCode: boolean }
    | { kind: "stage"; stage: string; trustRemoteCode: boolean };
  benchmark: {
    name: string;
    harness: Harness;
    task: string | null;
    metric: string;
    target: number;
    higherIsBetter: boolean;
    numFewshot: number;
    limit: number | null;
    batchSize: number | "auto";
    timeLimitSeconds: number;
    data:
      | { kind: "hub"; dataset: string; config: string | null; revision: string; split: string }
      | { kind: "local"; path: string }
      | { kind: "harness" };
  };
  budget: {
    gpuHours: number | null;
    wallClockSeconds: number | null;
    llmTokens: number | null;
    llmUsd: number | null;
    iterations: number;
  };
  sources: {
    paperProviders: PaperProvider[];
    seedPapers: string[];
    maxPapers: number;
    datasets: { allow: string[]; deny: string[] };
    models: { allow: string[]; deny: string[] };
    licenses: string[];
    allowGated: boolean;
    /** Where the benchmark's items live on the Hub: denied for training whatever else allows them. */
    benchmarkCopies: BenchmarkCopy[];
    synthetic: { allow: boolean; maxExamples: number };
  };
  agent: {
    provider: "mistral";
    model: string;
    serverUrl: string | null;
    temperature: number;
    seed: number;
    maxSteps: number;
    maxTokens: number;
    maxPromptTokens: number;
    timeoutSeconds: number;
    pricing: { inputUsdPerMtok: number; outputUsdPerMtok: number } | null;
  };
  data: {
    /** Null when the recipe leaves the data to the agent. */
    datasets: PinnedDataset[] | null;
    seed: number;
    maxRows: number | null;
    dedupe: boolean;
    decontaminate: { enabled: boolean; ngram: number; threshold: number };
  };
  training: {
    method: TrainingMethod;
    hyperparameters: Record<string, unknown>;
    /** GRPO's reward functions (empty for the other methods). */
    rewards: Reward[];
    peft: { method: "lora"; r: number; alpha: number; dropout: number; targetModules: string[] | "all-linear" } | null;
    searchSpace: Record<string, SearchRange>;
    timeLimitSeconds: number;
    /** Later training stages, in order (`training.then`); empty for one method. */
    then: TrainingPhase[];
  };
  compute: {
    backend: Backend;
    nodes: number;
    gpus: number;
    gpusPerNode: number;
    evalGpus: number;
    accelerate: AccelerateProfile;
    mixedPrecision: "no" | "bf16" | "fp16";
    /** CPU threads per job process; null leaves it to torch (the lock records what it picked). */
    threads: number | null;
    /** `portable`: the same CPU kernels on every x86-64 CPU with AVX2 and FMA, for bit-for-bit reruns elsewhere. */
    cpuKernels: CpuKernels;
    timeLimitSeconds: number;
    environment: { kind: "python"; python: string } | { kind: "requirements"; requirements: string[] };
    trlVersion: string;
    retry: { maxAttempts: number; on: RetryKind[] };
    slurm: SlurmSettings;
    kubernetes: Required<Pick<KubernetesSettingsInput, "namespace" | "gpu_resource" | "ttl_seconds_after_finished">> & KubernetesSettingsInput;
  };
  stages: UserStage[];
}
