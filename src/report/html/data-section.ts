import type { RunState } from "../../run/run-state.js";
import type { Recipe } from "../../recipe/types.js";
import { manifestDatasetNames, preparedManifests, rowSteps, type ManifestLike } from "../data-markdown.js";
import { hubRef } from "../dataset-names.js";
import { html, hubUrl, type Html } from "./escape.js";
import { px } from "./scale.js";

/** Dataset colours in the mix chart, in turn. */
const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];

const count = (v: unknown): string => (typeof v === "number" ? v.toLocaleString("en-US") : "-");
const digest = (v: unknown): string => String(v ?? "").replace(/^sha256:/, "").slice(0, 12);

/** A dataset's name, linked to its files on the Hub at the pinned commit when it came from the Hub. */
export function datasetLink(path: string, name: string): Html {
  const ref = hubRef(path);
  if (!ref) return html`<span class="mono">${name}</span>`;
  return html`<a href="${hubUrl("datasets", ref.id, ["tree", ref.sha])}" title="${ref.id} at ${ref.sha}">${name}</a>`;
}

/** The mix as one bar split by the rows each dataset gave, with a legend. Inline SVG. */
function mixChart(m: ManifestLike, names: readonly string[]): Html | null {
  const datasets = m.datasets ?? [];
  const taken = datasets.map((d) => d.rows?.taken ?? 0);
  const total = taken.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const width = 960;
  const barW = width - 20;
  let x = 10;
  const parts = taken.map((t, i) => {
    const w = (t / total) * barW;
    const part = html`<rect x="${px(x)}" y="8" width="${px(Math.max(w, t > 0 ? 1 : 0))}" height="26" fill="${PALETTE[i % PALETTE.length]}"><title>${names[i]}: ${count(t)} rows (${((t / total) * 100).toFixed(1)}%)</title></rect>`;
    x += w;
    return part;
  });
  const legend = names.map((n, i) => html`<g transform="translate(10 ${52 + i * 18})"><rect width="12" height="12" y="-10" fill="${PALETTE[i % PALETTE.length]}"/><text x="18">${n}: ${count(taken[i])} rows, ${(((taken[i] ?? 0) / total) * 100).toFixed(1)}%</text></g>`);
  const height = 52 + names.length * 18;
  return html`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="rows each dataset gave to the mix">${parts}${legend}</svg>`;
}

/** What happened to the rows, step by step. */
function totalsTable(m: ManifestLike): Html {
  return html`<table class="totals"><thead><tr><th>Rows</th><th class="num">Count</th></tr></thead><tbody>${rowSteps(m).map((step) => html`<tr><td>${step.label}</td><td class="num">${count(step.count)}</td></tr>`)}</tbody></table>`;
}

function perDataset(m: ManifestLike, names: readonly string[]): Html {
  const rows = (m.datasets ?? []).map((d, i) => html`<tr><td>${datasetLink(String(d.path ?? ""), names[i] ?? "?")}</td><td class="num">${d.requestedRows != null ? `${count(d.requestedRows)} rows` : d.fraction != null ? d.fraction : "-"}</td><td class="num">${count(d.rows?.read)}</td><td class="num">${count(d.rows?.mapped)}</td><td class="num">${count(d.rows?.taken)}</td><td>${d.short ?? ""}</td></tr>`);
  return html`<table><thead><tr><th>Dataset</th><th class="num">Asked</th><th class="num">Read</th><th class="num">Mapped</th><th class="num">Taken</th><th>Note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Removed rows shown in the page; the manifest has them all. */
const REMOVED_SHOWN = 50;

function decontamination(m: ManifestLike, names: readonly string[]): Html {
  const dc = m.decontamination;
  if (!dc) return html``;
  if (dc.skipped) return html`<p>Decontamination skipped: ${dc.skipped}.</p>`;
  const b = dc.benchmark ?? {};
  const removed = dc.removed ?? [];
  const intro = html`<p>Decontamination: ${dc.ngram}-gram overlap with the ${count(b.items)} items of <span class="mono">${b.path}</span> (sha256 <span class="mono">${digest(b.sha256)}</span>), threshold ${dc.threshold}: <strong>${count(removed.length)}</strong> row(s) removed${removed.length > REMOVED_SHOWN ? html`; the first ${REMOVED_SHOWN} below, all of them in the stage's <span class="mono">manifest.json</span>` : ""}.</p>`;
  if (removed.length === 0) return intro;
  const rows = removed.slice(0, REMOVED_SHOWN).map((r) => html`<tr><td>${names[r.dataset] ?? `dataset ${r.dataset}`}</td><td class="num">${r.row}</td><td class="num">${r.benchmarkItem}</td><td class="num">${r.sharedNgrams}</td><td class="quote">${r.ngram}</td></tr>`);
  return html`${intro}<table><thead><tr><th>Dataset</th><th class="num">Row</th><th class="num">Benchmark item</th><th class="num">Shared n-grams</th><th>One of them</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Every file the prepare stages read: name (linked to the Hub at its commit), digest, rows taken, license. */
function provenance(recipe: Recipe, state: RunState): Html | null {
  const licenses = new Map<string, string>();
  for (const d of recipe.data.datasets ?? []) if (d.license) licenses.set(d.source.kind === "local" ? d.source.path : d.source.id, d.license);
  for (const s of state.stages.values()) if (s.kind === "discover" && Array.isArray(s.outputs.mix)) for (const m of s.outputs.mix as Record<string, unknown>[]) if (typeof m.license === "string") licenses.set(String(m.id), m.license);
  const seen = new Set<string>();
  const rows: Html[] = [];
  for (const { manifest } of preparedManifests(state)) {
    const names = manifestDatasetNames(manifest);
    (manifest.datasets ?? []).forEach((d, i) => {
      const path = String(d.path ?? "");
      const key = `${path}|${d.sha256}|${d.rows?.taken}`;
      if (seen.has(key)) return;
      seen.add(key);
      const ref = hubRef(path);
      const files = d.files && d.files.length > 1 ? ` (${d.files.length} files)` : "";
      rows.push(html`<tr><td>${datasetLink(path, names[i] ?? path)}</td><td class="mono">${ref ? html`<a href="${hubUrl("datasets", ref.id, ["tree", ref.sha])}">${ref.sha.slice(0, 12)}</a>` : "local"}</td><td class="mono">${ref?.file ?? ""}${files}</td><td class="mono">${digest(d.sha256)}</td><td class="num">${count(d.rows?.taken)}</td><td>${licenses.get(ref?.id ?? path) ?? "-"}</td></tr>`);
    });
  }
  if (rows.length === 0) return null;
  return html`<h3>Provenance</h3><p>Each file as read. A Hub dataset links to its files at the pinned commit.</p><table><thead><tr><th>Dataset</th><th>Commit</th><th>File</th><th>sha256</th><th class="num">Rows taken</th><th>License</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The data: per prepare stage the mix as a chart, the totals, the decontamination; then provenance. */
export function dataSection(recipe: Recipe, state: RunState): Html | null {
  const prepared = preparedManifests(state);
  if (prepared.length === 0) return null;
  const blocks = prepared.map(({ stage, manifest }) => {
    const names = manifestDatasetNames(manifest);
    return html`${prepared.length > 1 ? html`<h3>${stage}</h3>` : null}${mixChart(manifest, names)}<div class="two"><div>${totalsTable(manifest)}</div><div>${perDataset(manifest, names)}</div></div>${decontamination(manifest, names)}`;
  });
  return html`<section id="data"><h2>Data</h2>${blocks}${provenance(recipe, state)}</section>`;
}
