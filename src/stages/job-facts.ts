import { trlConfigFile } from "../render/context.js";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { fileSha256 } from "../project/content-digest.js";
import type { JobRunner, StageContext } from "./types.js";

/**
 * What every finished job leaves besides its own outputs, for the lock and audits: the node's
 * environment fingerprint, the digest of each model it wrote, and an evaluation's per-item
 * results. Together they let an audit name the first stage whose output moved, and what in the
 * environment moved with it.
 */
export async function collectJobOutputs(runner: JobRunner, ctx: StageContext): Promise<Record<string, unknown>> {
  const outputs = await runner.collect(ctx);
  const facts: Record<string, unknown> = {};
  const fingerprint = readFingerprint(ctx);
  if (fingerprint !== null) facts.fingerprint = fingerprint;
  const model = modelDigest(modelFolders(ctx, outputs));
  if (model !== null) facts.modelDigest = model;
  if (ctx.stage.kind === "evaluate") {
    const items = itemResults(join(ctx.dir, "results"), ctx.recipe.benchmark.metric);
    if (items !== null) {
      const file = join(ctx.dir, "items.json");
      writeFileSync(file, `${JSON.stringify(items)}\n`);
      facts.items = { n: items.items.length, sha256: itemsDigest(items), file };
    }
  }
  return { ...outputs, ...facts };
}

/** The fingerprint the job wrote before its command ran (`python/fingerprint.py`). */
function readFingerprint(ctx: StageContext): Record<string, unknown> | null {
  const file = join(ctx.dir, "fingerprint.json");
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
  const determinism = determinismOf(ctx);
  return determinism === null ? doc : { ...doc, determinism };
}

/** The seeds and switches a training job ran with, as its rendered TRL config says; null for other jobs. */
function determinismOf(ctx: StageContext): Record<string, unknown> | null {
  const config = join(ctx.dir, trlConfigFile(ctx.recipe));
  if (!existsSync(config)) return null;
  const trl = (parseYaml(readFileSync(config, "utf8")) ?? {}) as Record<string, unknown>;
  // TRL's defaults when the config leaves them out: seed 42, data_seed = seed, full determinism off.
  return { seed: trl.seed ?? 42, data_seed: trl.data_seed ?? null, full_determinism: trl.full_determinism ?? false };
}

/** Where a stage's models are: a training stage's `model/`, a user stage's declared outputs. */
function modelFolders(ctx: StageContext, outputs: Record<string, unknown>): string[] {
  if (typeof outputs.model === "string") return [outputs.model];
  const declared = ctx.stage.kind === "command" && Array.isArray(ctx.stage.params.outputs) ? (ctx.stage.params.outputs as string[]) : [];
  return declared.map((o) => join(ctx.dir, o));
}

/** Weight files; a checkpoint's optimizer, scheduler and RNG states and TRL's pickled arguments are not the model. */
const WEIGHTS = /\.(safetensors|bin|pt|pth|gguf)$/;
const NOT_WEIGHTS = /^(training_args\.bin|optimizer\.pt|scheduler\.pt|rng_state.*\.pth|scaler\.pt)$/;

/**
 * `sha256:` over the weight files found (relative names and their digests, sorted), with each
 * file's digest; null when the stage wrote none. Checkpoint folders are skipped: the model is
 * what the stage left at its top.
 */
export function modelDigest(folders: readonly string[]): { sha256: string; files: Record<string, string> } | null {
  const files: Record<string, string> = {};
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    if (!statSync(folder).isDirectory()) {
      if (WEIGHTS.test(folder)) files[basename(folder)] = `sha256:${fileSha256(folder)}`;
      continue;
    }
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (!/^checkpoint-\d+$/.test(name)) walk(p);
        } else if (WEIGHTS.test(name) && !NOT_WEIGHTS.test(name)) files[relative(folder, p)] = `sha256:${fileSha256(p)}`;
      }
    };
    walk(folder);
  }
  const names = Object.keys(files).sort();
  if (names.length === 0) return null;
  const h = createHash("sha256");
  for (const n of names) h.update(`${n}\0${files[n]}\n`);
  return { sha256: `sha256:${h.digest("hex")}`, files: Object.fromEntries(names.map((n) => [n, files[n]!])) };
}

/** Per-item results of one evaluation: for each task, `[doc_id, value]` of the recipe's metric, in doc order. */
export interface ItemResults {
  metric: string;
  items: { task: string; doc: number; value: number }[];
}

/**
 * The per-item values of `metric` from the harness's sample logs: the builtin evaluator's
 * `samples.jsonl`, lm-eval's `samples_<task>_<time>.jsonl` (`--log_samples`). Null when the
 * harness wrote none.
 */
export function itemResults(resultsDir: string, metric: string): ItemResults | null {
  if (!existsSync(resultsDir)) return null;
  const items: ItemResults["items"] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^samples.*\.jsonl$/.test(e.name)) {
        const task = e.name.replace(/^samples_?/, "").replace(/_\d{4}-\d{2}-\d{2}T[\d-]+(\.\d+)?\.jsonl$/, "").replace(/\.jsonl$/, "") || "builtin";
        for (const line of readFileSync(p, "utf8").split("\n")) {
          if (line.trim() === "") continue;
          const s = JSON.parse(line) as Record<string, unknown>;
          const value = s[metric];
          if (typeof s.doc_id === "number" && typeof value === "number") items.push({ task, doc: s.doc_id, value });
        }
      }
    }
  };
  walk(resultsDir);
  if (items.length === 0) return null;
  items.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : a.doc - b.doc));
  return { metric, items };
}

export function itemsDigest(r: ItemResults): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(r.items.map((i) => [i.task, i.doc, i.value]))).digest("hex")}`;
}
