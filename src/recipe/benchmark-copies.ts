import { globToRegExp } from "./glob.js";

/**
 * The Hub datasets that hold a recipe's benchmark, denied for training whatever the rest of the
 * policy allows: the benchmark's own dataset, the ids the recipe lists in
 * `benchmark.also_known_as`, and known copies of well-known benchmarks.
 */
export interface BenchmarkCopy {
  /** A glob on `owner/name` (case-insensitive). */
  pattern: string;
  /** Why it is denied, as a refusal says it. */
  why: string;
}

/**
 * Well-known benchmarks and where their items live on the Hub. A recipe whose benchmark name,
 * harness task or dataset names one of them (as a word) denies these patterns. Only names that
 * identify the benchmark on their own are listed, so a pattern never catches an unrelated dataset.
 */
const WELL_KNOWN: readonly { word: RegExp; name: string; patterns: readonly string[] }[] = [
  { word: /gpqa/, name: "GPQA", patterns: ["Idavidrein/gpqa", "*/*gpqa*"] },
  { word: /mmlu/, name: "MMLU", patterns: ["cais/mmlu", "TIGER-Lab/MMLU-Pro", "*/*mmlu*"] },
  { word: /gsm8k/, name: "GSM8K", patterns: ["openai/gsm8k", "*/*gsm8k*"] },
  { word: /hellaswag/, name: "HellaSwag", patterns: ["Rowan/hellaswag", "*/*hellaswag*"] },
  { word: /humaneval/, name: "HumanEval", patterns: ["openai/openai_humaneval", "*/*humaneval*"] },
  { word: /truthful_?qa/, name: "TruthfulQA", patterns: ["truthfulqa/truthful_qa", "*/*truthful_qa*", "*/*truthfulqa*"] },
  { word: /winogrande/, name: "WinoGrande", patterns: ["allenai/winogrande", "*/*winogrande*"] },
  { word: /healthbench/, name: "HealthBench", patterns: ["*/*healthbench*"] },
  { word: /ai2_arc|arc_(easy|challenge)/, name: "ARC", patterns: ["allenai/ai2_arc", "*/*ai2_arc*"] },
  { word: /competition_math|hendrycks_math|math[-_]?500/, name: "MATH", patterns: ["hendrycks/competition_math", "HuggingFaceH4/MATH-500", "*/*competition_math*", "*/*math-500*", "*/*math500*"] },
];

export interface BenchmarkIdentity {
  name: string;
  task?: string | null | undefined;
  /** The benchmark's Hub dataset, when it has one. */
  dataset?: string | null | undefined;
  alsoKnownAs?: readonly string[] | undefined;
}

/** Every dataset pattern the benchmark's items may hide behind, with why, in a fixed order. */
export function benchmarkCopies(b: BenchmarkIdentity): BenchmarkCopy[] {
  const out: BenchmarkCopy[] = [];
  if (b.dataset) out.push({ pattern: b.dataset, why: "it is the benchmark's own dataset, never used for training" });
  for (const id of b.alsoKnownAs ?? []) out.push({ pattern: id, why: `benchmark.also_known_as names it (\`${id}\`): it holds the benchmark, never used for training` });
  const said = [b.name, b.task ?? "", b.dataset ?? ""].join(" ").toLowerCase();
  for (const known of WELL_KNOWN) {
    if (!known.word.test(said)) continue;
    for (const pattern of known.patterns) out.push({ pattern, why: `it looks like a copy of ${known.name}, the benchmark (\`${pattern}\`), never used for training` });
  }
  return out;
}

/** The first copy `id` matches, or null. */
export function matchingCopy(copies: readonly BenchmarkCopy[], id: string): BenchmarkCopy | null {
  return copies.find((c) => globToRegExp(c.pattern).test(id)) ?? null;
}
