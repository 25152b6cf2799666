import { InternError } from "../errors.js";
import { type BenchmarkCopy, matchingCopy } from "../recipe/benchmark-copies.js";
import { globToRegExp } from "../recipe/glob.js";
import type { Recipe } from "../recipe/types.js";

/**
 * What the recipe lets the agent use. Built from the recipe (and whether HF_TOKEN is set) and
 * nothing else: no dataset card, paper or model answer can widen it.
 */
export interface SourcePolicy {
  readonly datasets: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  readonly models: { readonly allow: readonly string[]; readonly deny: readonly string[] };
  /** Accepted licenses, lowercased. Every license a dataset declares must be one of them. */
  readonly licenses: readonly string[];
  /** False for a policy that reads a dataset without training on it (the benchmark): licenses are not checked. */
  readonly checkLicenses: boolean;
  readonly allowGated: boolean;
  readonly hasToken: boolean;
  /** Where the benchmark's items live on the Hub (its own dataset, `also_known_as`, known copies): never used for training. */
  readonly benchmarkCopies: readonly BenchmarkCopy[];
}

/** An item the policy refused, and why, in words a report can print. */
export interface Refusal {
  kind: "dataset" | "model";
  id: string;
  reason: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** What a check needs to know about a dataset or model. */
export interface PolicySubject {
  kind: "dataset" | "model";
  id: string;
  licenses: readonly string[];
  gated: false | "auto" | "manual";
}

export function createSourcePolicy(recipe: Pick<Recipe, "sources">, env: { hasToken: boolean }): SourcePolicy {
  return Object.freeze({
    datasets: Object.freeze({ allow: [...recipe.sources.datasets.allow], deny: [...recipe.sources.datasets.deny] }),
    models: Object.freeze({ allow: [...recipe.sources.models.allow], deny: [...recipe.sources.models.deny] }),
    licenses: Object.freeze(recipe.sources.licenses.map((l) => l.toLowerCase())),
    checkLicenses: true,
    allowGated: recipe.sources.allowGated,
    hasToken: env.hasToken,
    benchmarkCopies: Object.freeze(recipe.sources.benchmarkCopies.map((c) => Object.freeze({ ...c }))),
  });
}

/** One segment of a Hub repository id: letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit. */
const REPO_SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/**
 * True when `id` is exactly `owner/name` as the Hub spells repositories. Anything else (`a/../b`,
 * `a/b/c`, `./a`, a URL) could pass a glob and then be read by the Hub as another repository.
 */
export function isRepoId(id: string): boolean {
  const parts = id.split("/");
  return parts.length === 2 && parts.every((p) => REPO_SEGMENT.test(p) && !p.includes("..") && !p.includes("--"));
}

/**
 * The policy under which prepare reads the benchmark's own Hub dataset to decontaminate against
 * it: that one id and nothing else, whatever its license (it is read, never trained on); gated
 * needs HF_TOKEN, as for any dataset.
 */
export function benchmarkReadPolicy(dataset: string, env: { hasToken: boolean }): SourcePolicy {
  return Object.freeze({
    datasets: Object.freeze({ allow: [dataset], deny: [] }),
    models: Object.freeze({ allow: [], deny: [] }),
    licenses: Object.freeze([]),
    checkLicenses: false,
    allowGated: true,
    hasToken: env.hasToken,
    benchmarkCopies: Object.freeze([]),
  });
}

/** Why an id alone is refused (its form, globs, the benchmark's dataset), or null. Deny wins over allow. */
export function idRefusal(policy: SourcePolicy, kind: "dataset" | "model", id: string): Refusal | null {
  const lists = kind === "dataset" ? policy.datasets : policy.models;
  const key = `sources.${kind}s`;
  const refuse = (reason: string): Refusal => ({ kind, id, reason });
  if (!isRepoId(id)) return refuse("it is not a Hub repository id of the form `owner/name`");
  const copy = kind === "dataset" ? matchingCopy(policy.benchmarkCopies, id) : null;
  if (copy !== null) return refuse(copy.why);
  const denied = lists.deny.find((g) => globToRegExp(g).test(id));
  if (denied !== undefined) return refuse(`denied by ${key}.deny (\`${denied}\`)`);
  if (!lists.allow.some((g) => globToRegExp(g).test(id))) {
    return refuse(lists.allow.length === 0 ? `${key}.allow is empty` : `not matched by ${key}.allow (${lists.allow.join(", ")})`);
  }
  return null;
}

/** Why a dataset or model is refused, or null: id globs, the benchmark, licenses (datasets), gating. */
export function refusalOf(policy: SourcePolicy, item: PolicySubject): Refusal | null {
  const byId = idRefusal(policy, item.kind, item.id);
  if (byId !== null) return byId;
  const refuse = (reason: string): Refusal => ({ kind: item.kind, id: item.id, reason });
  if (item.kind === "dataset" && policy.checkLicenses) {
    if (item.licenses.length === 0) return refuse("it declares no license");
    const bad = item.licenses.filter((l) => !policy.licenses.includes(l.toLowerCase()));
    if (bad.length > 0) return refuse(`license ${bad.join(", ")} is not in sources.licenses (${policy.licenses.join(", ")})`);
  }
  if (item.gated !== false) {
    if (!policy.allowGated) return refuse("it is gated and sources.allow_gated is false");
    if (!policy.hasToken) return refuse("it is gated and HF_TOKEN is not set");
  }
  return null;
}

/** `{ ok: true }` or why the dataset is refused. */
export function checkDataset(policy: SourcePolicy, info: Omit<PolicySubject, "kind">): Verdict {
  const r = refusalOf(policy, { ...info, kind: "dataset" });
  return r === null ? { ok: true } : { ok: false, reason: r.reason };
}

/** `{ ok: true }` or why the model is refused. */
export function checkModel(policy: SourcePolicy, info: Omit<PolicySubject, "kind">): Verdict {
  const r = refusalOf(policy, { ...info, kind: "model" });
  return r === null ? { ok: true } : { ok: false, reason: r.reason };
}

/** Splits results into those the policy allows and those it refused, in order. */
export function filterAllowed<T extends PolicySubject>(policy: SourcePolicy, items: readonly T[]): { items: T[]; refused: Refusal[] } {
  const out: T[] = [];
  const refused: Refusal[] = [];
  for (const item of items) {
    const r = refusalOf(policy, item);
    if (r === null) out.push(item);
    else refused.push(r);
  }
  return { items: out, refused };
}

/** A refused source, as an error a tool loop can hand back to the model and a report can print. */
export class SourceRefusedError extends InternError {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super("INTERN_SOURCE_REFUSED", `refused ${refusal.id}: ${refusal.reason}`, { hint: "the recipe's sources section decides what may be used" });
    this.name = "SourceRefusedError";
    this.refusal = refusal;
  }
}

/** Throws SourceRefusedError for a refusal; does nothing for null. */
export function assertAllowed(refusal: Refusal | null): void {
  if (refusal !== null) throw new SourceRefusedError(refusal);
}
