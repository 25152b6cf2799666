import { derivedRequirements, jobFeaturesOf, trlVersionOf, DEFAULT_TRL_VERSION } from "./derive.js";
import { benchmarkCopies } from "./benchmark-copies.js";
import { parseDuration } from "./duration.js";
import { methodOfFormat } from "./methods.js";
import { methodsOfInput } from "./phases.js";
import type { DatasetInput, PinnedDataset, Recipe, RecipeInput, Reward } from "./types.js";

/** The JSON types TRL's pinned key table gives a key of the recipe's TRL, or null when unknown. */
export type KeyTypes = (input: RecipeInput, key: string) => readonly string[] | null;

/** A key TRL parses as a whole number (`int`, or `int | None`), never as a float. */
export function isIntegerKey(types: readonly string[] | null): boolean {
  return types !== null && types.includes("integer") && !types.includes("number");
}

const DEFAULT_LICENSES = ["apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "odc-by", "bsd-3-clause"];

function seconds(text: string | undefined, fallback: string): number {
  return parseDuration(text ?? fallback) ?? parseDuration(fallback)!;
}

function datasets(input: RecipeInput): PinnedDataset[] | null {
  const list = input.data?.datasets;
  if (list === undefined) return null;
  // Datasets without a count share what the counted ones of their method leave, equally unless they say.
  const methodOf = (d: DatasetInput) => methodOfFormat(d.format ?? "conversational");
  return list.map((d) => {
    const equal = 1 / Math.max(1, list.filter((o) => o.rows === undefined && methodOf(o) === methodOf(d)).length);
    const format = d.format ?? "conversational";
    const c = d.columns ?? {};
    return {
      source: d.id !== undefined ? { kind: "hub" as const, id: d.id, revision: d.revision ?? "main", config: d.config ?? null } : { kind: "local" as const, path: d.path! },
      split: d.split ?? "train",
      license: d.license ?? null,
      format,
      columns: {
        messages: format === "conversational" ? (c.messages ?? "messages") : null,
        prompt: format === "prompt-completion" || format === "preference" || format === "unpaired-preference" || format === "prompt" ? (c.prompt ?? "prompt") : null,
        completion: format === "prompt-completion" || format === "unpaired-preference" ? (c.completion ?? "completion") : null,
        system: format === "text" ? null : (c.system ?? null),
        text: format === "text" ? (c.text ?? "text") : null,
        ...(format === "preference" ? { chosen: c.chosen ?? "chosen", rejected: c.rejected ?? "rejected" } : {}),
        ...(format === "unpaired-preference" ? { label: c.label ?? "label" } : {}),
        ...(format === "prompt" && c.answer !== undefined ? { answer: c.answer } : {}),
        ...(format === "prompt" && c.keep !== undefined ? { keep: c.keep } : {}),
      },
      fraction: d.rows !== undefined ? null : (d.fraction ?? equal),
      rows: d.rows ?? null,
      maxRows: d.max_rows ?? null,
    };
  });
}

/**
 * GRPO's reward functions: those the recipe names, or, for a multiple-choice benchmark (the
 * builtin harness), `exact_answer` against each row's `answer`, for the recipe's GRPO stage (the
 * first or a later one of a chain). A recipe without one has none.
 */
function rewardsOf(input: RecipeInput): Reward[] {
  const t = input.training ?? {};
  if (!methodsOfInput(input).includes("grpo")) return [];
  if (t.rewards === undefined) return input.benchmark.harness === "builtin" ? [{ kind: "builtin", builtin: "exact_answer", weight: 1 }] : [];
  return t.rewards.map((r): Reward => ("builtin" in r ? { kind: "builtin", builtin: r.builtin, weight: r.weight ?? 1 } : { kind: "file", file: r.file, function: r.function, weight: r.weight ?? 1 }));
}

/** Fills every default and derives what the recipe implies. Input must be schema- and rule-valid. */
export function normalizeRecipe(input: RecipeInput, keyTypes: KeyTypes = () => null): Recipe {
  const c = input.compute ?? {};
  const gpus = c.gpus ?? 0;
  const nodes = c.nodes ?? 1;
  const accelerate = c.accelerate ?? (gpus === 0 ? "cpu" : gpus === 1 ? "single-gpu" : "multi-gpu");
  const env = c.environment;
  const bench = input.benchmark;
  const bm = input.base_model;
  const s = input.sources ?? {};
  const a = input.agent ?? {};
  const t = input.training ?? {};
  const peft = t.peft;
  return {
    name: input.name,
    goal: input.goal,
    templates: input.templates ?? null,
    baseModel:
      bm.id !== undefined
        ? { kind: "hub", id: bm.id, revision: bm.revision ?? "main", trustRemoteCode: bm.trust_remote_code ?? false }
        : bm.stage !== undefined
          ? { kind: "stage", stage: bm.stage, trustRemoteCode: bm.trust_remote_code ?? false }
          : { kind: "local", path: bm.path!, trustRemoteCode: bm.trust_remote_code ?? false },
    benchmark: {
      name: bench.name,
      harness: bench.harness,
      task: bench.task ?? null,
      metric: bench.metric,
      target: bench.target,
      higherIsBetter: bench.higher_is_better ?? true,
      numFewshot: bench.num_fewshot ?? 0,
      limit: bench.limit ?? null,
      batchSize: bench.batch_size ?? "auto",
      timeLimitSeconds: seconds(bench.time_limit, "1h"),
      data:
        bench.data?.dataset !== undefined
          ? { kind: "hub", dataset: bench.data.dataset, config: bench.data.config ?? null, revision: bench.data.revision ?? "main", split: bench.data.split ?? "test" }
          : bench.data?.path !== undefined
            ? { kind: "local", path: bench.data.path }
            : { kind: "harness" },
    },
    budget: {
      gpuHours: input.budget.gpu_hours ?? null,
      wallClockSeconds: input.budget.wall_clock === undefined ? null : seconds(input.budget.wall_clock, "0s"),
      llmTokens: input.budget.llm?.tokens ?? null,
      llmUsd: input.budget.llm?.usd ?? null,
      iterations: input.budget.iterations ?? 1,
    },
    sources: {
      paperProviders: s.papers?.providers ?? ["hf-papers", "arxiv", "semantic-scholar"],
      seedPapers: s.papers?.seed ?? [],
      maxPapers: s.papers?.max_papers ?? 20,
      datasets: { allow: s.datasets?.allow ?? ["**"], deny: s.datasets?.deny ?? [] },
      models: { allow: s.models?.allow ?? ["**"], deny: s.models?.deny ?? [] },
      licenses: s.licenses ?? DEFAULT_LICENSES,
      allowGated: s.allow_gated ?? false,
      benchmarkCopies: benchmarkCopies({ name: bench.name, task: bench.task, dataset: bench.data?.dataset, alsoKnownAs: bench.also_known_as }),
      synthetic: { allow: s.synthetic?.allow ?? false, maxExamples: s.synthetic?.max_examples ?? 1000 },
    },
    agent: {
      provider: a.provider ?? "mistral",
      model: a.model ?? "mistral-large-latest",
      serverUrl: a.server_url ?? null,
      temperature: a.temperature ?? 0,
      seed: a.seed ?? 0,
      maxSteps: a.max_steps ?? 30,
      maxTokens: a.max_tokens ?? 4096,
      maxPromptTokens: a.max_prompt_tokens ?? 16384,
      timeoutSeconds: seconds(a.timeout, "120s"),
      pricing: a.pricing ? { inputUsdPerMtok: a.pricing.input_usd_per_mtok, outputUsdPerMtok: a.pricing.output_usd_per_mtok } : null,
    },
    data: {
      datasets: datasets(input),
      seed: input.data?.seed ?? 0,
      maxRows: input.data?.max_rows ?? null,
      dedupe: input.data?.dedupe ?? true,
      decontaminate: {
        enabled: input.data?.decontaminate?.enabled ?? true,
        ngram: input.data?.decontaminate?.ngram ?? 13,
        threshold: input.data?.decontaminate?.threshold ?? 1,
      },
    },
    training: {
      method: t.method ?? "sft",
      hyperparameters: { ...(t.hyperparameters ?? {}) },
      rewards: rewardsOf(input),
      peft: peft
        ? { method: peft.method ?? "lora", r: peft.r ?? 16, alpha: peft.alpha ?? 32, dropout: peft.dropout ?? 0.05, targetModules: peft.target_modules ?? "all-linear" }
        : null,
      searchSpace: Object.fromEntries(
        Object.entries(t.search_space ?? {}).map(([k, v]) => [k, { values: v.values ?? null, min: v.min ?? null, max: v.max ?? null, log: v.log ?? false, integer: v.values === undefined && isIntegerKey(keyTypes(input, k)) }]),
      ),
      timeLimitSeconds: seconds(t.time_limit, "4h"),
      then: (t.then ?? []).map((ph) => ({ method: ph.method, hyperparameters: chainedHyperparameters(t.hyperparameters, ph.hyperparameters), timeLimitSeconds: seconds(ph.time_limit, "4h") })),
    },
    compute: {
      backend: c.backend ?? "local",
      nodes,
      gpus,
      gpusPerNode: gpus / nodes,
      evalGpus: c.eval_gpus ?? (gpus > 0 ? 1 : 0),
      accelerate,
      mixedPrecision: c.mixed_precision ?? (gpus > 0 ? "bf16" : "no"),
      threads: c.threads ?? null,
      cpuKernels: c.cpu_kernels ?? "native",
      timeLimitSeconds: seconds(c.time_limit, "1h"),
      environment: env?.python !== undefined ? { kind: "python", python: env.python } : { kind: "requirements", requirements: [...(env?.requirements ?? derivedRequirements(jobFeaturesOf(input)))] },
      trlVersion: trlVersionOf(input) ?? DEFAULT_TRL_VERSION,
      retry: { maxAttempts: c.retry?.max_attempts ?? 3, on: c.retry?.on ?? ["node_fail", "preempted"] },
      slurm: { gpu_request: "gres", ...(c.slurm ?? {}) },
      kubernetes: { namespace: "default", gpu_resource: "nvidia.com/gpu", ttl_seconds_after_finished: 86400, ...(c.kubernetes ?? {}) },
    },
    stages: (input.stages ?? []).map((st) => ({
      name: st.name,
      run: st.run,
      needs: st.needs ?? [],
      before: st.before ?? [],
      outputs: st.outputs ?? [],
      inputs: st.inputs ?? [],
      placement: st.placement ?? "job",
      gpus: st.gpus ?? 0,
      timeLimitSeconds: seconds(st.time_limit ?? c.time_limit, "1h"),
    })),
  };
}

/**
 * A later training stage's hyperparameters: its own, and the first stage's `seed` where it sets
 * none, so one seed (a recipe's, a matrix axis, `audit --seeds`) sets the whole chain.
 */
function chainedHyperparameters(first: Record<string, unknown> | undefined, own: Record<string, unknown> | undefined): Record<string, unknown> {
  const hp = { ...(own ?? {}) };
  if (!("seed" in hp) && first?.seed !== undefined) hp.seed = first.seed;
  return hp;
}
