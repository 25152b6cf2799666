import type { AccelerateProfile, Harness, RecipeInput } from "./types.js";

/**
 * A package a job may need: its pin in the environment intern provisions, the module a job
 * imports and the command it runs. Every pin here was installed and run together with the rest,
 * except where README's job-environment table says otherwise.
 */
export interface JobPackage {
  /** The name pip knows it by, normalised (PEP 503: lower case, runs of `-_.` as `-`). */
  name: string;
  pin: string;
  module: string;
  command: string | null;
}

const pkg = (name: string, pin: string, module: string, command: string | null = null): JobPackage => ({ name, pin, module, command });

/** The TRL stack the rendered configs are written for and checked against. */
const TRL_STACK: readonly JobPackage[] = [
  pkg("torch", "torch==2.13.0", "torch"),
  pkg("transformers", "transformers==5.17.0", "transformers"),
  pkg("trl", "trl==1.13.0", "trl", "trl"),
  pkg("accelerate", "accelerate==1.15.0", "accelerate", "accelerate"),
  pkg("datasets", "datasets==5.0.1", "datasets"),
  pkg("peft", "peft==0.21.0", "peft"),
];

/** Packages only some recipes need, added to the TRL stack when a recipe uses them. */
export const FEATURE_PACKAGES = {
  "lm-eval": pkg("lm-eval", "lm-eval[hf]==0.4.13", "lm_eval", "lm_eval"),
  lighteval: pkg("lighteval", "lighteval==0.13.0", "lighteval", "lighteval"),
  deepspeed: pkg("deepspeed", "deepspeed==0.19.2", "deepspeed"),
} as const satisfies Record<string, JobPackage>;

/**
 * The job environment intern provisions for a recipe that uses nothing beyond supervised
 * fine-tuning with the builtin evaluator: the TRL stack.
 */
export const DEFAULT_REQUIREMENTS: readonly string[] = TRL_STACK.map((p) => p.pin);

/** The parts of a recipe that decide which packages its jobs need. */
export interface JobFeatures {
  harness: Harness;
  accelerate: AccelerateProfile | undefined;
  peft: boolean;
}

/** A package a recipe's jobs need, and the recipe key that needs it (for messages). */
export interface NeededPackage {
  package: JobPackage;
  /** The recipe path that asks for it, and the value there, in words: "benchmark.harness `lm-eval`". */
  because: string;
  path: (string | number)[];
}

export function jobFeaturesOf(r: RecipeInput): JobFeatures {
  return { harness: r.benchmark.harness, accelerate: r.compute?.accelerate, peft: r.training?.peft !== undefined };
}

/** Everything a recipe's jobs import or run: the TRL stack, and the packages of the features it uses. */
export function neededPackages(f: JobFeatures): NeededPackage[] {
  const out: NeededPackage[] = TRL_STACK.filter((p) => p.name !== "peft").map((p) => ({ package: p, because: "training with TRL", path: ["training"] }));
  if (f.peft) out.push({ package: TRL_STACK.find((p) => p.name === "peft")!, because: "training.peft (LoRA)", path: ["training", "peft"] });
  if (f.harness === "lm-eval" || f.harness === "lighteval") out.push({ package: FEATURE_PACKAGES[f.harness], because: `benchmark.harness \`${f.harness}\``, path: ["benchmark", "harness"] });
  if (f.accelerate === "zero3") out.push({ package: FEATURE_PACKAGES.deepspeed, because: "compute.accelerate `zero3` (DeepSpeed ZeRO-3)", path: ["compute", "accelerate"] });
  return out;
}

/** The environment intern provisions when a recipe names none: the TRL stack plus what its features need. */
export function derivedRequirements(f: JobFeatures): string[] {
  const out = [...DEFAULT_REQUIREMENTS];
  for (const n of neededPackages(f)) if (!out.includes(n.package.pin)) out.push(n.package.pin);
  return out;
}

/** The normalised name of the package a requirement line installs (`lm_eval[hf]>=0.4` -> `lm-eval`), or null for an option line. */
export function requirementName(line: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
  if (!m || line.trim().startsWith("-")) return null;
  return m[1]!.toLowerCase().replace(/[-_.]+/g, "-");
}

/** What pip installs along with a package (its requirements, and an extra's), among the packages intern checks for. */
const BROUGHT_ALONG: Record<string, readonly string[]> = {
  trl: ["torch", "transformers", "accelerate", "datasets"],
  "trl[peft]": ["peft"],
  "lm-eval[hf]": ["torch", "transformers", "accelerate", "peft"],
};

/** Every package (normalised) a requirements list installs that intern checks for: those listed, and what they bring along. */
function installedBy(requirements: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of requirements) {
    const name = requirementName(line);
    if (name === null) continue;
    out.add(name);
    for (const more of BROUGHT_ALONG[name] ?? []) out.add(more);
    const extras = /^\s*[A-Za-z0-9._-]+\s*\[([^\]]*)\]/.exec(line)?.[1] ?? "";
    for (const extra of extras.split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== "")) for (const more of BROUGHT_ALONG[`${name}[${extra}]`] ?? []) out.add(more);
  }
  return out;
}

/** The packages a recipe needs that an explicit requirements list does not install. */
export function missingFromRequirements(f: JobFeatures, requirements: readonly string[]): NeededPackage[] {
  const installed = installedBy(requirements);
  return neededPackages(f).filter((n) => !installed.has(n.package.name));
}
/** The TRL version a recipe pins (its `trl==` requirement), or the default stack's. */
export function trlVersionOf(r: RecipeInput): string | null {
  const env = r.compute?.environment;
  const reqs = env?.requirements ?? (env?.python !== undefined ? null : derivedRequirements(jobFeaturesOf(r)));
  if (reqs === null) return DEFAULT_TRL_VERSION;
  for (const line of reqs) {
    const m = /^trl(?:\[[^\]]*\])?==([A-Za-z0-9.+!_-]+)$/i.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

export const DEFAULT_TRL_VERSION = "1.13.0";

/** Whether the recipe leaves the training data to the agent. */
export function dataIsOpen(r: RecipeInput): boolean {
  return r.data?.datasets === undefined;
}

/** Whether any stage of this recipe calls an LLM. */
export function needsAgent(r: RecipeInput): boolean {
  return dataIsOpen(r) || (r.budget.iterations ?? 1) > 1 || r.sources?.synthetic?.allow === true;
}
