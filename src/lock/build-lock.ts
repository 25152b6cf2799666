import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { RunState } from "../run/run-state.js";
import type { StageGraph } from "../graph/types.js";
import { environmentDigest } from "../render/job-names.js";
import type { HarnessFacts } from "../stages/evaluate.js";
import { papersFetched, type PaperToolCall } from "../stages/papers-fetched.js";
import type { Recipe } from "../recipe/types.js";
import { contentDigest } from "../project/content-digest.js";
import type { INPUT_SECTIONS, Lock, LockedDataset, LockedEnvironment, LockedEvaluation, LockedFingerprint } from "./types.js";

/** What a lock is made from, besides the run. */
export interface LockSources {
  recipe: Recipe;
  graph: StageGraph;
  /** The recipe's file name, as the lock beside it names it. */
  recipeFile: string;
  recipeBytes: Uint8Array;
  recipeDir: string;
  /** Template name -> sha256 of its text (every template intern knows). */
  templateDigests: Record<string, string>;
  internVersion: string;
}

export type LockInputs = Pick<Lock, (typeof INPUT_SECTIONS)[number]>;

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const local = (dir: string, path: string) => contentDigest(isAbsolute(path) ? path : resolve(dir, path));

/** Map entries sorted by key: a record's order never depends on insertion. */
function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function environmentOf(recipe: Recipe): LockedEnvironment {
  const c = recipe.compute;
  if (c.backend === "kubernetes" && c.kubernetes.image) return { kind: "image", image: c.kubernetes.image };
  if (c.backend === "slurm" && c.slurm.container_image) return { kind: "image", image: c.slurm.container_image };
  if (c.environment.kind === "python") return { kind: "python", python: c.environment.python };
  return { kind: "requirements", requirements: [...c.environment.requirements], digest: environmentDigest(c.environment.requirements) };
}

/** The sections that depend on files and settings only: `apply --locked` checks them before anything runs. */
export function lockInputs(src: LockSources): LockInputs {
  const { recipe, graph, recipeDir } = src;
  const bm = recipe.baseModel;
  const b = recipe.benchmark;
  const used = new Set(graph.stages.flatMap((s) => s.templates));
  const templates: Record<string, string> = {};
  for (const name of used) templates[name] = src.templateDigests[name] ? `sha256:${src.templateDigests[name]}` : "missing";
  const agentic = graph.stages.some((s) => s.mode === "agentic");
  return {
    intern: src.internVersion,
    recipe: { file: src.recipeFile, sha256: sha256(src.recipeBytes) },
    base_model: bm.kind === "hub" ? { kind: "hub", id: bm.id, revision: bm.revision } : bm.kind === "local" ? { kind: "local", path: bm.path, sha256: local(recipeDir, bm.path) } : { kind: "stage", stage: bm.stage },
    benchmark: {
      name: b.name, harness: b.harness, task: b.task, metric: b.metric,
      data: b.data.kind === "local" ? { kind: "local", path: b.data.path, sha256: local(recipeDir, b.data.path) } : b.data.kind === "hub" ? { kind: "hub", dataset: b.data.dataset, config: b.data.config, revision: b.data.revision, split: b.data.split } : { kind: "harness" },
    },
    agent: agentic ? { provider: recipe.agent.provider, model: recipe.agent.model, temperature: recipe.agent.temperature, seed: recipe.agent.seed } : null,
    templates: sorted(templates),
    environment: environmentOf(recipe),
  };
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
const finished = (state: RunState) => [...state.stages.values()].filter((s) => s.status === "done" || s.status === "cached");

const digest = (v: unknown): string | null => (str(v) === null ? null : `sha256:${String(v).replace(/^sha256:/, "")}`);

/**
 * The recipe's datasets in order, then the mixes discover chose. A recipe-pinned Hub dataset is
 * one entry per file it was read from (its commit and each file's sha256, from the first prepare
 * stage that downloaded it), or one entry with nulls when no prepare stage finished.
 */
function datasetsOf(src: LockSources, state: RunState): LockedDataset[] {
  const out: LockedDataset[] = [];
  const pinned = new Map<number, Record<string, unknown>>();
  for (const s of finished(state)) {
    if (s.kind !== "prepare") continue;
    for (const h of list(s.outputs.hub)) if (typeof h.index === "number" && !pinned.has(h.index)) pinned.set(h.index, h);
  }
  for (const [i, d] of (src.recipe.data.datasets ?? []).entries()) {
    if (d.source.kind === "local") {
      out.push({ source: "local", path: d.source.path, sha256: local(src.recipeDir, d.source.path), license: d.license });
      continue;
    }
    const h = pinned.get(i);
    const files = list(h?.files);
    if (h === undefined || files.length === 0) {
      out.push({ source: "hub", id: d.source.id, revision: d.source.revision, sha: null, file: null, sha256: null, license: d.license, fraction: d.fraction });
      continue;
    }
    for (const f of files) out.push({ source: "hub", id: d.source.id, revision: d.source.revision, sha: str(h.sha), file: str(f.file), sha256: digest(f.sha256), license: d.license ?? (str(h.license) || null), fraction: d.fraction });
  }
  for (const s of finished(state)) {
    if (s.kind !== "discover") continue;
    for (const m of list(s.outputs.mix)) {
      out.push({ source: "hub", id: String(m.id), revision: String(m.revision ?? m.sha), sha: str(m.sha), file: str(m.file), sha256: digest(m.sha256), license: str(m.license), fraction: num(m.fraction) });
    }
  }
  return out;
}

/** The tool calls of a transcript, in order; null when there is no transcript to read. */
function transcriptToolCalls(transcript: unknown): PaperToolCall[] | null {
  if (typeof transcript !== "string" || !existsSync(transcript)) return null;
  const out: PaperToolCall[] = [];
  for (const line of readFileSync(transcript, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry = JSON.parse(line) as { kind?: string; request?: { name?: unknown; arguments?: unknown }; response?: PaperToolCall["result"] };
      if (entry.kind === "tool" && typeof entry.request?.name === "string" && entry.response) out.push({ name: entry.request.name, arguments: entry.request.arguments, result: entry.response });
    } catch {
      // a torn last line: nothing to learn from it
    }
  }
  return out;
}

/** arXiv id -> the versioned id the sources answered with (`2501.01234` -> `2501.01234v2`), from a transcript's tool results. */
function arxivVersions(transcript: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof transcript !== "string" || !existsSync(transcript)) return out;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.id === "string" && typeof o.versionedId === "string" && o.versionedId.startsWith(o.id)) out.set(o.id, o.versionedId);
      Object.values(o).forEach(walk);
    }
  };
  for (const line of readFileSync(transcript, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry = JSON.parse(line) as { kind?: string; response?: unknown };
      if (entry.kind === "tool") walk(entry.response);
    } catch {
      // a torn last line: nothing to learn from it
    }
  }
  return out;
}

/**
 * Papers the research stages named, with the papers behind each candidate dataset; sorted, once
 * each, with the arXiv version the sources answered with when one did. Only papers a tool of the
 * stage fetched (see papersFetched): research leaves the others out of its outputs, and the
 * transcript, when it is there, is checked again here.
 */
function papersOf(state: RunState): Lock["papers"] {
  const byId = new Map<string, string | null>();
  const versions = new Map<string, string>();
  for (const s of finished(state)) {
    if (s.kind !== "research") continue;
    const calls = transcriptToolCalls(s.outputs.transcript);
    const fetched = calls === null ? null : papersFetched(calls);
    const wasFetched = (id: string) => fetched === null || fetched.has(id.replace(/v\d+$/, ""));
    for (const p of list(s.outputs.papers)) if (typeof p.id === "string" && wasFetched(p.id)) byId.set(p.id, str(p.title) ?? byId.get(p.id) ?? null);
    for (const c of list(s.outputs.candidates)) if (typeof c.paper === "string" && wasFetched(c.paper) && !byId.has(c.paper)) byId.set(c.paper, null);
    for (const [id, v] of arxivVersions(s.outputs.transcript)) versions.set(id, v);
  }
  const versioned = (id: string) => (/v\d+$/.test(id) ? id : (versions.get(id) ?? id));
  return [...byId].map(([id, title]) => ({ id: versioned(id), title })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function evaluationsOf(src: LockSources, state: RunState): LockedEvaluation[] {
  const out: LockedEvaluation[] = [];
  for (const stage of src.graph.stages) {
    const s = state.stages.get(stage.id);
    if (stage.kind !== "evaluate" || !s || typeof s.outputs.value !== "number") continue;
    const items = s.outputs.items as { n?: unknown; sha256?: unknown } | undefined;
    out.push({
      stage: stage.id, task: String(s.outputs.task ?? src.recipe.benchmark.name), metric: String(s.outputs.metric ?? src.recipe.benchmark.metric), value: s.outputs.value, stderr: num(s.outputs.stderr),
      n: num(items?.n), items: str(items?.sha256),
    });
    const h = s.outputs.harness as HarnessFacts | undefined;
    if (h?.version) out[out.length - 1]!.harness = { name: h.name, version: h.version, task_version: h.task_version, task_hash: h.task_hash };
  }
  return out;
}

/** The weight digest of each stage that wrote a model, in the graph's order. */
function modelsOf(src: LockSources, state: RunState): NonNullable<Lock["models"]> {
  const out: NonNullable<Lock["models"]> = [];
  for (const stage of src.graph.stages) {
    const d = state.stages.get(stage.id)?.outputs.modelDigest as { sha256?: unknown } | undefined;
    if (typeof d?.sha256 === "string") out.push({ stage: stage.id, sha256: d.sha256 });
  }
  return out;
}

/** The job stages' fingerprints, one entry per distinct environment, and each stage's determinism settings. */
function fingerprintsOf(src: LockSources, state: RunState): Pick<Lock, "fingerprints" | "determinism"> {
  const groups = new Map<string, LockedFingerprint>();
  const determinism: Record<string, Record<string, unknown>> = {};
  for (const stage of src.graph.stages) {
    const f = state.stages.get(stage.id)?.outputs.fingerprint as Record<string, unknown> | undefined;
    if (f === undefined || f === null || typeof f !== "object") continue;
    const entry = { hardware: sortedDeep(f.hardware ?? {}), software: sortedDeep(f.software ?? {}), environment: sortedDeep(f.environment ?? {}) } as Omit<LockedFingerprint, "stages">;
    const key = JSON.stringify(entry);
    const group = groups.get(key);
    if (group) group.stages.push(stage.id);
    else groups.set(key, { stages: [stage.id], ...entry });
    if (f.determinism !== null && typeof f.determinism === "object") determinism[stage.id] = sortedDeep(f.determinism) as Record<string, unknown>;
  }
  return { fingerprints: [...groups.values()], determinism };
}

/** Objects with their keys sorted at every depth, so equal environments serialize to equal bytes. */
function sortedDeep(v: unknown): Record<string, unknown> | unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedDeep((v as Record<string, unknown>)[k])]));
}

/** GRPO's rewards, each recipe file with its digest; nothing for the other methods. */
function rewardsOf(src: LockSources): { rewards?: NonNullable<Lock["training"]["rewards"]> } {
  const rewards = src.recipe.training.rewards;
  if (rewards.length === 0) return {};
  return { rewards: rewards.map((r) => (r.kind === "builtin" ? { builtin: r.builtin, weight: r.weight } : { file: r.file, function: r.function, weight: r.weight, sha256: local(src.recipeDir, r.file) })) };
}

/** The lock of a finished run. Reads the local files it names (for their digests), nothing else. */
export function buildLock(src: LockSources, state: RunState): Lock {
  const inputs = lockInputs(src);
  const transcripts: Record<string, string> = {};
  const prepared: Lock["prepared"] = [];
  const decisions: Lock["training"]["decisions"] = [];
  for (const stage of src.graph.stages) {
    const s = state.stages.get(stage.id);
    if (!s || (s.status !== "done" && s.status !== "cached")) continue;
    if (stage.mode === "agentic" && typeof s.outputs.transcriptDigest === "string") transcripts[stage.id] = s.outputs.transcriptDigest;
    const output = (s.outputs.manifest as { output?: { sha256?: string; rows?: number } } | undefined)?.output;
    if (stage.kind === "prepare" && output?.sha256) prepared.push({ stage: stage.id, sha256: `sha256:${output.sha256.replace(/^sha256:/, "")}`, rows: output.rows ?? 0 });
    if (stage.kind === "decide" && typeof s.outputs.decision === "string") {
      const hp = s.outputs.hyperparameters;
      decisions.push({
        stage: stage.id, decision: s.outputs.decision, reason: String(s.outputs.reason ?? ""),
        hyperparameters: hp !== null && typeof hp === "object" ? sorted(hp as Record<string, unknown>) : null,
        mix: s.outputs.mixChanged === true ? list(s.outputs.mix).map((m) => ({ id: String(m.id ?? m.key), fraction: Number(m.fraction) })) : null,
      });
    }
  }
  return {
    lock_version: 1,
    ...inputs,
    datasets: datasetsOf(src, state),
    prepared,
    papers: papersOf(state),
    transcripts: sorted(transcripts),
    training: {
      method: src.recipe.training.method,
      hyperparameters: sorted(src.recipe.training.hyperparameters),
      ...(src.recipe.training.then.length > 0 ? { then: src.recipe.training.then.map((t) => ({ method: t.method, hyperparameters: sorted(t.hyperparameters) })) } : {}),
      ...rewardsOf(src),
      decisions,
    },
    evaluations: evaluationsOf(src, state),
    models: modelsOf(src, state),
    ...fingerprintsOf(src, state),
    budget: { llm_tokens: state.spent.llmTokens, llm_usd: Number(state.spent.llmUsd.toFixed(6)) },
  } as Lock;
}
