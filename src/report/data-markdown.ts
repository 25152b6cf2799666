import type { DatasetReport, PrepareManifest, RemovedRow } from "../data/manifest.js";
import type { RunState } from "../run/run-state.js";
import { datasetNames } from "./dataset-names.js";

/** A prepare stage's manifest as its outputs record it (older runs may lack some fields). */
export type ManifestLike = Partial<Omit<PrepareManifest, "datasets" | "totals" | "decontamination">> & {
  datasets?: Partial<DatasetReport>[];
  totals?: Partial<PrepareManifest["totals"]>;
  decontamination?: { skipped?: string; benchmark?: Partial<{ path: string; sha256: string; items: number }>; ngram?: number; threshold?: number; removed?: RemovedRow[] };
};

/** Each prepare stage with its manifest, in stage order; a stage whose data is another's (same output digest) once. */
export function preparedManifests(state: RunState): { stage: string; manifest: ManifestLike }[] {
  const out: { stage: string; manifest: ManifestLike }[] = [];
  const seen = new Set<string>();
  for (const s of state.stages.values()) {
    if (s.kind !== "prepare" || typeof s.outputs.manifest !== "object" || s.outputs.manifest === null) continue;
    const manifest = s.outputs.manifest as ManifestLike;
    const digest = manifest.output?.sha256;
    if (digest !== undefined && seen.has(digest)) continue;
    if (digest !== undefined) seen.add(digest);
    out.push({ stage: s.id, manifest });
  }
  return out;
}

/** The names of a manifest's datasets, as the report writes them. */
export function manifestDatasetNames(m: ManifestLike): string[] {
  return datasetNames((m.datasets ?? []).map((d) => ({ path: String(d.path ?? "?") }) as DatasetReport));
}

/** What happened to a manifest's rows, step by step: the steps it records, each with its label and count. */
export function rowSteps(m: ManifestLike): { label: string; count: number }[] {
  const datasets = m.datasets ?? [];
  const sum = (f: (d: Partial<DatasetReport>) => number | undefined): number | undefined => (datasets.length > 0 && datasets.every((d) => typeof f(d) === "number") ? datasets.reduce((a, d) => a + f(d)!, 0) : undefined);
  const t = m.totals ?? {};
  const steps: [string, number | undefined][] = [
    ["read", sum((d) => d.rows?.read)],
    ["not fitting the chat format", sum((d) => d.rows?.notFitting)],
    ["after the mix", t.afterMix],
    ["duplicates removed", t.duplicatesRemoved],
    ["contaminated removed", t.contaminatedRemoved],
    ["written for training", t.written],
  ];
  return steps.filter((s): s is [string, number] => s[1] !== undefined).map(([label, n]) => ({ label, count: n }));
}

const cell = (v: unknown): string => String(v ?? "-").replace(/\|/g, "\\|").replace(/\n/g, " ");
const count = (v: unknown): string => (typeof v === "number" ? v.toLocaleString("en-US") : "-");

/** The removed rows shown in a report; all of them are in the stage's manifest.json. */
export const REMOVED_SHOWN = 20;

/**
 * The data section of the Markdown report: for each prepare stage, what happened to the rows
 * (a table, step by step), each dataset's share, the decontamination, and the removed rows with
 * the name of the dataset each came from.
 */
export function dataMarkdown(state: RunState): string[] {
  const prepared = preparedManifests(state);
  if (prepared.length === 0) return [];
  const out = ["", "## Data"];
  for (const { stage, manifest: m } of prepared) {
    if (prepared.length > 1) out.push("", `### ${stage}`);
    const datasets = m.datasets ?? [];
    const names = manifestDatasetNames(m);
    out.push("", "| Rows | Count |", "| --- | --- |");
    for (const step of rowSteps(m)) out.push(`| ${step.label} | ${count(step.count)} |`);
    if (datasets.length > 0) {
      out.push("", "| Dataset | Asked | Rows read | Rows taken |", "| --- | --- | --- | --- |");
      datasets.forEach((d, i) => out.push(`| ${cell(names[i])} | ${d.requestedRows != null ? `${count(d.requestedRows)} rows` : d.fraction != null ? cell(d.fraction) : "-"} | ${count(d.rows?.read)} | ${count(d.rows?.taken)} |`));
    }
    const dc = m.decontamination;
    if (dc?.skipped) out.push("", `Decontamination skipped: ${cell(dc.skipped)}.`);
    else if (dc?.benchmark) {
      const b = dc.benchmark;
      out.push("", `Decontamination: ${cell(dc.ngram)}-gram overlap with the ${count(b.items)} items of ${cell(b.path)} (sha256 \`${cell(String(b.sha256 ?? "").replace(/^sha256:/, "").slice(0, 16))}\`), threshold ${cell(dc.threshold)}: ${count(dc.removed?.length ?? 0)} row(s) removed.`);
    }
    const removed = dc?.removed ?? [];
    if (removed.length > 0) {
      out.push("", `Rows removed as contaminated (${removed.length > REMOVED_SHOWN ? `the first ${REMOVED_SHOWN} of ${count(removed.length)}; all are` : "also"} in the stage's manifest.json):`, "", "| Dataset | Row | Benchmark item | Shared n-grams | One of them |", "| --- | --- | --- | --- | --- |");
      for (const r of removed.slice(0, REMOVED_SHOWN)) out.push(`| ${cell(names[r.dataset] ?? `dataset ${r.dataset}`)} | ${cell(r.row)} | ${cell(r.benchmarkItem)} | ${cell(r.sharedNgrams)} | ${cell(r.ngram)} |`);
    }
  }
  return out;
}
