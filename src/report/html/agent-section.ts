import type { RunState, StageState } from "../../run/run-state.js";
import { html, hubUrl, type Html } from "./escape.js";

type Row = Record<string, unknown>;

const list = (v: unknown): Row[] => (Array.isArray(v) ? (v.filter((x) => typeof x === "object" && x !== null) as Row[]) : []);
const text = (v: unknown): string => (v === null || v === undefined ? "-" : typeof v === "string" ? v : JSON.stringify(v));

/** A Hub dataset id as a link to the dataset, at `sha` when the stage pinned one. */
function datasetId(id: unknown, sha?: unknown): Html {
  if (typeof id !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(id)) return html`<span class="mono">${text(id)}</span>`;
  return html`<a class="mono" href="${hubUrl("datasets", id, typeof sha === "string" && sha !== "" ? ["tree", sha] : [])}">${id}</a>`;
}

function paperLink(id: unknown): Html {
  if (typeof id !== "string" || id === "") return html`-`;
  return /^\d{4}\.\d{4,5}(v\d+)?$/.test(id) ? html`<a href="${hubUrl("papers", id.replace(/v\d+$/, ""))}">${id}</a>` : html`${id}`;
}

function research(s: StageState): Html | null {
  const candidates = list(s.outputs.candidates);
  if (candidates.length === 0) return null;
  const rows = candidates.map((c) => html`<tr><td>${datasetId(c.dataset)}</td><td>${paperLink(c.paper)}</td><td class="quote">${c.quote ? html`“${text(c.quote)}”` : "-"}</td><td>${text(c.why)}</td></tr>`);
  const unverified = list(s.outputs.unverifiedPapers);
  return html`<h3>${s.id}: datasets proposed from papers</h3><table><thead><tr><th>Dataset</th><th>Paper</th><th>Evidence</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>${unverified.length > 0 ? html`<p class="muted">Papers the model named that no tool fetched (unverified, left out of the evidence and the lock): ${unverified.map((u, i) => html`${i > 0 ? ", " : ""}<span class="mono">${text(u.id)}</span> (${text(u.named)})`)}.</p>` : null}`;
}

function refusedTable(title: string, rows: Row[], key: (r: Row) => Html | string): Html | null {
  if (rows.length === 0) return null;
  return html`<p class="refused-title">${title}</p><table class="refused"><thead><tr><th>What</th><th>Why</th></tr></thead><tbody>${rows.map((r) => html`<tr><td>${key(r)}</td><td>${text(r.reason)}</td></tr>`)}</tbody></table>`;
}

function discover(s: StageState): Html | null {
  const mix = list(s.outputs.mix);
  if (mix.length === 0 && list(s.outputs.refused).length === 0) return null;
  // Outputs written before refusals were split may still name a dataset of the mix in `refused`.
  const inMix = new Set(mix.map((m) => String(m.id).toLowerCase()));
  const refused = list(s.outputs.refused);
  const never = refused.filter((r) => !inMix.has(String(r.id).toLowerCase()));
  const thenAccepted = [...list(s.outputs.refusedThenAccepted), ...refused.filter((r) => inMix.has(String(r.id).toLowerCase()))];
  const moved = list(s.outputs.revisionMoved);
  const rows = mix.map((m) => html`<tr><td>${datasetId(m.id, m.sha)}</td><td class="mono">${typeof m.sha === "string" ? m.sha.slice(0, 12) : "-"}${m.revision && m.revision !== m.sha ? html` <span class="muted">(${text(m.revision)})</span>` : null}</td><td class="mono">${text(m.file)}</td><td class="num">${text(m.fraction)}</td><td>${text(m.license)}</td><td>${text(m.why)}</td></tr>`);
  return html`<h3>${s.id}: the mix, pinned</h3><table><thead><tr><th>Dataset</th><th>Commit</th><th>File</th><th class="num">Fraction</th><th>License</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>${refusedTable("Refused by the recipe's sources policy or by the checks (never used for training):", never, (r) => datasetId(r.id))}${thenAccepted.length > 0 ? html`<p class="muted">Refused once, then accepted (these datasets are in the mix above):</p><table><thead><tr><th>Dataset</th><th>Refused once because</th></tr></thead><tbody>${thenAccepted.map((r) => html`<tr><td>${datasetId(r.id)}</td><td>${text(r.reason)}</td></tr>`)}</tbody></table>` : null}${moved.length > 0 ? html`<p class="muted">Revisions that moved on the Hub before discover pinned them (the mix holds the pinned commit):</p><table><thead><tr><th>Dataset</th><th>Revision</th><th>Seen by</th><th>Seen at</th><th>Pinned</th></tr></thead><tbody>${moved.map((m) => html`<tr><td>${datasetId(m.id, m.pinned)}</td><td class="mono">${text(m.revision)}</td><td>${text(m.by)}</td><td class="mono">${text(m.seen)}</td><td class="mono">${text(m.pinned)}</td></tr>`)}</tbody></table>` : null}`;
}

function synthesize(s: StageState): Html | null {
  if (typeof s.outputs.examples !== "number") return null;
  const stopped = s.outputs.stopped as { reason?: string } | null | undefined;
  const gaps = list(s.outputs.gaps);
  return html`<h3>${s.id}: synthetic data</h3><p>${s.outputs.examples} example(s) of at most ${text(s.outputs.maxExamples)}, sha256 <span class="mono">${text(s.outputs.sha256)}</span>${stopped?.reason ? html`; stopped early: ${stopped.reason}` : null}. Deduplicated and decontaminated with the rest of the data.</p>${gaps.length > 0 ? html`<table><thead><tr><th>Gap</th><th class="num">Examples</th><th>Why</th></tr></thead><tbody>${gaps.map((g) => html`<tr><td>${text(g.gap)}</td><td class="num">${text(g.examples)}</td><td>${text(g.why)}</td></tr>`)}</tbody></table>` : null}`;
}

function decide(s: StageState): Html | null {
  const o = s.outputs;
  if (typeof o.decision !== "string") return null;
  const hp = o.hyperparameters && typeof o.hyperparameters === "object" ? Object.entries(o.hyperparameters as Row) : [];
  const next = o.decision === "continue" ? html`<ul class="next">${hp.map(([k, v]) => html`<li><span class="mono">${k}</span> = <span class="mono">${text(v)}</span></li>`)}${o.mixChanged === true ? list(o.mix).map((m) => html`<li>mix: ${datasetId(m.key ?? m.id)} ${text(m.fraction)}</li>`) : null}</ul>` : null;
  return html`<div class="decision ${o.decision}"><p><strong>${s.id}</strong>, after pass ${text(o.pass)}: <span class="verdict">${o.decision}</span>${o.by ? html` <span class="muted">(by ${text(o.by)})</span>` : null}</p><p class="reason">${text(o.reason)}</p>${next}${refusedTable("Mix changes refused:", list(o.mixRefused), (r) => datasetId(r.id))}${refusedTable("Hyperparameters refused:", list(o.hyperparametersRefused), (r) => html`<span class="mono">${text(r.key)} = ${text(r.value)}</span>`)}</div>`;
}

/** What the agentic stages chose, with their reasons: papers and datasets, the pinned mix, synthetic data, each decision. */
export function agentSection(state: RunState): Html | null {
  const blocks: Html[] = [];
  for (const s of state.stages.values()) {
    const b = s.kind === "research" ? research(s) : s.kind === "discover" ? discover(s) : s.kind === "synthesize" ? synthesize(s) : s.kind === "decide" ? decide(s) : null;
    if (b) blocks.push(b);
  }
  if (blocks.length === 0) return null;
  return html`<section id="agent"><h2>Agent decisions</h2>${blocks}</section>`;
}
